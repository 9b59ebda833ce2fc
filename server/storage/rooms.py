"""MongoDB adapters for rooms, memberships and room messages."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from server.domain.models import Role, Room, RoomMessage, User, utcnow
from server.errors import Conflict, NotFound
from server.storage.coalesce import Coalescer
from server.storage.group_commit import GroupCommit, NoSuchRoom, PendingSend
from server.storage.mongo import Doc, eq, translate

ROOM_FIELDS = ("title", "description", "archived", "locked", "slowmode_s")


def _room(doc: Doc) -> Room:
    return Room(
        id=doc["_id"],
        title=doc["title"],
        description=doc["description"],
        members=max(0, int(doc.get("members", 0))),
        archived=bool(doc.get("archived", False)),
        locked=bool(doc.get("locked", False)),
        slowmode_s=int(doc.get("slowmode_s", 0)),
    )


def _room_doc(room: Room) -> Doc:
    return {
        "_id": room.id,
        "title": room.title,
        "description": room.description,
        "archived": room.archived,
        "locked": room.locked,
        "slowmode_s": room.slowmode_s,
        "members": 0,
        "seq": 0,
        "created_at": utcnow(),
    }


class MongoRoomStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._rooms = db.rooms
        self._members = db.memberships
        self._memberships: Coalescer[tuple[str, str], bool] = Coalescer(self._members_among)

    @translate("seed rooms")
    async def seed(self, rooms: Sequence[Room]) -> None:
        for room in rooms:
            await self._rooms.update_one(
                {"_id": room.id}, {"$setOnInsert": _room_doc(room)}, upsert=True
            )

    @translate("list rooms")
    async def all(self, include_archived: bool = False) -> list[Room]:
        query: Doc = {} if include_archived else {"archived": False}
        return [_room(d) async for d in self._rooms.find(query).sort("created_at", ASCENDING)]

    @translate("read a room")
    async def get(self, room_id: str) -> Room | None:
        doc = await self._rooms.find_one({"_id": room_id})
        return _room(doc) if doc else None

    @translate("create a room")
    async def create(self, room: Room) -> None:
        try:
            await self._rooms.insert_one(_room_doc(room))
        except DuplicateKeyError as exc:
            raise Conflict("a room with that id exists") from exc

    @translate("update a room")
    async def update(self, room_id: str, **fields: Any) -> Room | None:
        unknown = set(fields) - set(ROOM_FIELDS)
        if unknown:
            raise ValueError(f"unknown room fields: {sorted(unknown)}")
        doc = await self._rooms.find_one_and_update(
            {"_id": room_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
        return _room(doc) if doc else None

    @translate("add a member")
    async def add_member(self, room_id: str, user_id: str) -> None:
        result = await self._members.update_one(
            eq(room=room_id, user=user_id),
            {"$setOnInsert": {"room": room_id, "user": user_id, "joined_at": utcnow()}},
            upsert=True,
        )
        if result.upserted_id is not None:
            await self._rooms.update_one({"_id": room_id}, {"$inc": {"members": 1}})

    @translate("remove a member")
    async def remove_member(self, room_id: str, user_id: str) -> None:
        result = await self._members.delete_one(eq(room=room_id, user=user_id))
        if result.deleted_count:
            await self._rooms.update_one({"_id": room_id}, {"$inc": {"members": -1}})

    @translate("check a membership")
    async def is_member(self, room_id: str, user_id: str) -> bool:
        # Every send checks its membership: concurrent checks share one query per room.
        return bool(await self._memberships.get((room_id, user_id)))

    async def _members_among(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        by_room: dict[str, list[str]] = {}
        for room_id, user_id in keys:
            by_room.setdefault(room_id, []).append(user_id)

        async def one_room(room_id: str, user_ids: list[str]) -> list[tuple[str, str]]:
            # On the embedded store an $in of one costs 2x a find_one: batch only batches.
            if len(user_ids) == 1:
                found = await self._members.find_one(eq(room=room_id, user=user_ids[0]))
                return [(room_id, user_ids[0])] if found else []
            query = {**eq(room=room_id), "user": {"$in": user_ids}}
            return [(room_id, d["user"]) async for d in self._members.find(query, {"user": 1})]

        found = await asyncio.gather(*(one_room(r, u) for r, u in by_room.items()))
        return {key: True for keys_found in found for key in keys_found}

    @translate("list a user's rooms")
    async def rooms_of(self, user_id: str) -> list[str]:
        return [d["room"] async for d in self._members.find(eq(user=user_id))]


def _message(doc: Doc) -> RoomMessage:
    author = User(doc["author_id"], doc["author_pseudonym"], Role(doc["author_role"]))
    return RoomMessage(
        id=doc["_id"],
        room=doc["room"],
        seq=doc["seq"],
        author=author,
        text=doc.get("text"),
        ts=doc["ts"],
        client_id=doc["client_id"],
        redacted=bool(doc.get("redacted", False)),
        masked=bool(doc.get("masked", False)),
        hidden=bool(doc.get("hidden", False)),
    )


class MongoMessageStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._rooms = db.rooms
        self._messages = db.messages
        self._commits = GroupCommit(self._take_seqs, self._insert_many, self._build)

    @translate("store a message")
    async def append(self, room_id: str, author: User, text: str, client_id: str) -> RoomMessage:
        try:
            message = await self._commits.submit(PendingSend(room_id, author, text, client_id))
        except NoSuchRoom:
            raise NotFound("no such room") from None
        if message is None:
            # A concurrent resend of the same client_id won the race: return its message.
            earlier = await self.by_client_id(author.id, client_id)
            if earlier is None:
                raise Conflict("a message with that client_id could not be stored")
            return earlier
        return message

    async def _take_seqs(self, room_id: str, count: int) -> int | None:
        counter = await self._rooms.find_one_and_update(
            {"_id": room_id},
            {"$inc": {"seq": count}},
            projection={"seq": True},
            return_document=ReturnDocument.AFTER,
        )
        return None if counter is None else int(counter["seq"])

    async def _insert_many(self, messages: list[RoomMessage]) -> None:
        await self._messages.insert_many([self._doc(m) for m in messages], ordered=False)

    @staticmethod
    def _build(pending: PendingSend, seq: int) -> RoomMessage:
        return RoomMessage(
            id=secrets.token_hex(12),
            room=pending.room,
            seq=seq,
            author=pending.author,
            text=pending.text,
            ts=utcnow(),
            client_id=pending.client_id,
        )

    @staticmethod
    def _doc(message: RoomMessage) -> Doc:
        return {
            "_id": message.id,
            "room": message.room,
            "seq": message.seq,
            "author_id": message.author.id,
            "author_pseudonym": message.author.pseudonym,
            "author_role": int(message.author.role),
            "text": message.text,
            "ts": message.ts,
            "client_id": message.client_id,
        }

    @translate("look up a resend")
    async def by_client_id(self, author_id: str, client_id: str) -> RoomMessage | None:
        doc = await self._messages.find_one(eq(author_id=author_id, client_id=client_id))
        return _message(doc) if doc else None

    @translate("read a message")
    async def get(self, message_id: str) -> RoomMessage | None:
        doc = await self._messages.find_one({"_id": message_id})
        return _message(doc) if doc else None

    @translate("redact a message")
    async def redact(self, message_id: str) -> RoomMessage | None:
        """Remove the text for good; the message keeps its place in the room's seq."""
        doc = await self._messages.find_one_and_update(
            {"_id": message_id},
            {"$set": {"text": None, "redacted": True}},
            return_document=ReturnDocument.AFTER,
        )
        return _message(doc) if doc else None

    @translate("flag a message")
    async def flag(self, message_id: str, *, masked: bool = False, hidden: bool = False) -> None:
        flags: Doc = {}
        if masked:
            flags["masked"] = True
        if hidden:
            flags["hidden"] = True
        if flags:
            await self._messages.update_one({"_id": message_id}, {"$set": flags})

    @translate("read history")
    async def history(
        self, room_id: str, before_seq: int | None, after_seq: int | None, limit: int
    ) -> list[RoomMessage]:
        seq: Doc = {}
        if before_seq is not None:
            seq["$lt"] = before_seq
        if after_seq is not None:
            seq["$gt"] = after_seq
        query: Doc = eq(room=room_id)
        if seq:
            query["seq"] = seq
        # Catching up reads forwards from after_seq; otherwise read the newest page.
        direction = ASCENDING if after_seq is not None else DESCENDING
        docs = await self._messages.find(query).sort("seq", direction).limit(limit).to_list()
        messages = [_message(d) for d in docs]
        return messages if direction == ASCENDING else messages[::-1]
