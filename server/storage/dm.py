"""MongoDB adapters for direct messages: prekeys, queued envelopes and contacts."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from server.dm_protocol import OneTimePrekey, PublicKeys
from server.domain.dm_ports import QueuedEnvelope
from server.domain.models import Role, User, utcnow
from server.storage.mongo import Doc, eq, translate

ENVELOPE_COLLECTION = "dm_envelopes"
TAKE_OPK_ROUNDS = 20
TAKE_OPK_CANDIDATES = 8


async def create_dm_indexes(db: AsyncDatabase[Doc]) -> None:
    await db.opks.create_index([("user", ASCENDING), ("id", ASCENDING)])
    envelopes = db[ENVELOPE_COLLECTION]
    await envelopes.create_index([("recipient_id", ASCENDING), ("seq", ASCENDING)], unique=True)
    await envelopes.create_index([("sender_id", ASCENDING), ("client_id", ASCENDING)], unique=True)


@translate("read a server secret")
async def shared_secret(db: AsyncDatabase[Doc], name: str) -> bytes:
    """A random 32-byte secret created once and shared by every process on this database."""
    doc = await db.server_secrets.find_one({"_id": name})
    if doc is None:
        try:
            await db.server_secrets.insert_one({"_id": name, "value": secrets.token_bytes(32)})
        except DuplicateKeyError:
            pass  # another process created it first: use theirs
        doc = await db.server_secrets.find_one({"_id": name})
    assert doc is not None
    return bytes(doc["value"])


class MongoPrekeyStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._keys = db.prekeys
        self._opks = db.opks
        self._claims = db.opk_claims

    @translate("publish keys")
    async def publish(self, user_id: str, keys: PublicKeys) -> bool:
        doc = {
            "identity_dh": keys.identity_dh,
            "identity_sig": keys.identity_sig,
            "spk_id": keys.spk_id,
            "spk_pub": keys.spk_pub,
            "spk_sig": keys.spk_sig,
            "updated_at": utcnow(),
        }
        before = await self._keys.find_one_and_update(
            {"_id": user_id}, {"$set": doc}, upsert=True, return_document=ReturnDocument.BEFORE
        )
        if before is None:
            return False
        return bool(
            (before["identity_dh"], before["identity_sig"]) != (keys.identity_dh, keys.identity_sig)
        )

    @translate("store one-time prekeys")
    async def add_opks(self, user_id: str, opks: Sequence[OneTimePrekey]) -> None:
        ids = [f"{user_id}:{o.id}" for o in opks]
        await self._opks.delete_many({"_id": {"$in": ids}})
        await self._opks.insert_many(
            [
                {"_id": i, "user": user_id, "id": o.id, "pub": o.pub}
                for i, o in zip(ids, opks, strict=True)
            ]
        )

    @translate("clear one-time prekeys")
    async def clear_opks(self, user_id: str) -> None:
        await self._opks.delete_many(eq(user=user_id))

    @translate("read keys")
    async def keys_of(self, user_id: str) -> PublicKeys | None:
        doc = await self._keys.find_one({"_id": user_id})
        if doc is None:
            return None
        return PublicKeys(
            doc["identity_dh"], doc["identity_sig"], doc["spk_id"], doc["spk_pub"], doc["spk_sig"]
        )

    @translate("take a one-time prekey")
    async def take_opk(self, user_id: str) -> OneTimePrekey | None:
        """Hand out one key exactly once, whatever the store's find-and-delete guarantees.

        The embedded store's find_one_and_delete is not atomic under concurrent requests
        (two callers have received the same key), so each key is claimed by inserting a
        document whose ``_id`` names it: the unique index lets exactly one caller win.
        """
        for _ in range(TAKE_OPK_ROUNDS):
            candidates = (
                await self._opks.find(eq(user=user_id))
                .sort("id", ASCENDING)
                .limit(TAKE_OPK_CANDIDATES)
                .to_list()
            )
            if not candidates:
                return None
            for doc in candidates:
                if await self._claim(doc):
                    await self._opks.delete_one({"_id": doc["_id"]})
                    return OneTimePrekey(int(doc["id"]), doc["pub"])
        return None

    async def _claim(self, doc: Doc) -> bool:
        claim = {"_id": f"{doc['_id']}:{doc['pub']}", "claimed_at": utcnow()}
        try:
            await self._claims.insert_one(claim)
        except DuplicateKeyError:
            return False
        return True

    @translate("count one-time prekeys")
    async def count_opks(self, user_id: str) -> int:
        return await self._opks.count_documents(eq(user=user_id))


def _envelope(doc: Doc) -> QueuedEnvelope:
    sender = User(doc["sender_id"], doc["sender_pseudonym"], Role(doc["sender_role"]))
    tag = doc.get("tag")
    return QueuedEnvelope(
        id=doc["_id"],
        seq=int(doc["seq"]),
        sender=sender,
        recipient_id=doc["recipient_id"],
        envelope=doc["envelope"],
        ts=doc["ts"],
        ts_ms=int(doc["ts_ms"]),
        tag=bytes(tag) if tag is not None else None,
        client_id=doc["client_id"],
    )


class MongoEnvelopeStore:
    """Envelopes as opaque JSON text, until the recipient acks them or they expire."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._envelopes = db[ENVELOPE_COLLECTION]
        self._counters = db.dm_counters

    @translate("queue an envelope")
    async def put(
        self,
        sender: User,
        recipient_id: str,
        envelope: str,
        client_id: str,
        ts_ms: int,
        tag: bytes | None,
        expires_at: datetime,
    ) -> QueuedEnvelope:
        earlier = await self._by_client_id(sender.id, client_id)
        if earlier is not None:
            return earlier
        counter = await self._counters.find_one_and_update(
            {"_id": recipient_id},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert counter is not None
        doc: dict[str, Any] = {
            "_id": secrets.token_hex(12),
            "recipient_id": recipient_id,
            "seq": int(counter["seq"]),
            "sender_id": sender.id,
            "sender_pseudonym": sender.pseudonym,
            "sender_role": int(sender.role),
            "envelope": envelope,
            "client_id": client_id,
            "ts": datetime.fromtimestamp(ts_ms / 1000, expires_at.tzinfo),
            "ts_ms": ts_ms,
            "tag": tag,
            "expires_at": expires_at,
        }
        try:
            await self._envelopes.insert_one(doc)
        except DuplicateKeyError:
            again = await self._by_client_id(sender.id, client_id)
            if again is None:
                raise
            return again
        return _envelope(doc)

    async def _by_client_id(self, sender_id: str, client_id: str) -> QueuedEnvelope | None:
        doc = await self._envelopes.find_one(eq(sender_id=sender_id, client_id=client_id))
        return _envelope(doc) if doc else None

    @translate("read queued envelopes")
    async def pending(self, recipient_id: str, now: datetime, limit: int) -> list[QueuedEnvelope]:
        query = {**eq(recipient_id=recipient_id), "expires_at": {"$gt": now}}
        docs = await self._envelopes.find(query).sort("seq", ASCENDING).limit(limit).to_list()
        return [_envelope(d) for d in docs]

    @translate("delete acknowledged envelopes")
    async def delete(self, recipient_id: str, ids: Sequence[str]) -> int:
        result = await self._envelopes.delete_many(
            {**eq(recipient_id=recipient_id), "_id": {"$in": list(ids)}}
        )
        return int(result.deleted_count)


class MongoContactStore:
    """Member-to-member permission: ``from`` asked, ``to`` accepted."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._contacts = db.dm_contacts

    @translate("store a DM request")
    async def request(self, from_id: str, to_id: str) -> None:
        await self._contacts.update_one(
            {"_id": f"{from_id}>{to_id}"},
            {"$setOnInsert": {"from": from_id, "to": to_id, "state": "pending", "at": utcnow()}},
            upsert=True,
        )

    @translate("accept a DM request")
    async def accept(self, by_id: str, from_id: str) -> bool:
        result = await self._contacts.update_one(
            {"_id": f"{from_id}>{by_id}"}, {"$set": {"state": "accepted", "accepted_at": utcnow()}}
        )
        return bool(result.matched_count)

    @translate("check a DM permission")
    async def accepted(self, a_id: str, b_id: str) -> bool:
        ids = [f"{a_id}>{b_id}", f"{b_id}>{a_id}"]
        doc = await self._contacts.find_one({"_id": {"$in": ids}, "state": "accepted"})
        return doc is not None
