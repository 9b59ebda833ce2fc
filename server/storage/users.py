"""MongoDB adapters for users and invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from server.domain.models import Invite, Role, User, utcnow
from server.errors import Conflict
from server.storage.coalesce import Coalescer
from server.storage.mongo import Doc, eq, translate


def _user(doc: Doc) -> User:
    return User(id=doc["_id"], pseudonym=doc["pseudonym"], role=Role(doc["role"]))


class MongoUserStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._users = db.users
        self._by_id: Coalescer[str, User] = Coalescer(self._users_by_ids)

    @translate("create a user")
    async def create(self, user: User, token_hash: str) -> None:
        doc = {
            "_id": user.id,
            "pseudonym": user.pseudonym,
            "pseudonym_key": user.pseudonym.lower(),
            "role": int(user.role),
            "token_hash": token_hash,
            "created_at": utcnow(),
        }
        try:
            await self._users.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict("that pseudonym is taken; choose another") from exc

    @translate("look up a token")
    async def by_token_hash(self, token_hash: str) -> User | None:
        doc = await self._users.find_one(eq(token_hash=token_hash))
        return _user(doc) if doc else None

    @translate("look up a pseudonym")
    async def by_pseudonym(self, pseudonym: str) -> User | None:
        doc = await self._users.find_one(eq(pseudonym_key=pseudonym.lower()))
        return _user(doc) if doc else None

    @translate("look up a user")
    async def by_id(self, user_id: str) -> User | None:
        # Every connection re-reads its user every 2 s of activity: concurrent reads share one.
        return await self._by_id.get(user_id)

    async def _users_by_ids(self, user_ids: list[str]) -> dict[str, User]:
        # On the embedded store an $in of one costs 1.5x a find_one: batch only batches.
        if len(user_ids) == 1:
            doc = await self._users.find_one({"_id": user_ids[0]})
            return {doc["_id"]: _user(doc)} if doc else {}
        cursor = self._users.find({"_id": {"$in": user_ids}})
        return {doc["_id"]: _user(doc) async for doc in cursor}

    @translate("change a role")
    async def set_role(self, user_id: str, role: Role) -> None:
        await self._users.update_one({"_id": user_id}, {"$set": {"role": int(role)}})


class MongoInviteStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._invites = db.invites

    @translate("store invites")
    async def add(self, invites: Sequence[Invite]) -> None:
        docs = [
            {"_id": i.code_hash, "role": int(i.role), "expires_at": i.expires_at, "used_at": None}
            for i in invites
        ]
        await self._invites.insert_many(docs)

    @translate("claim an invite")
    async def claim(self, code_hash: str, now: datetime) -> Invite | None:
        doc = await self._invites.find_one_and_update(
            {"_id": code_hash, "used_at": None, "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        return Invite(code_hash=doc["_id"], role=Role(doc["role"]), expires_at=doc["expires_at"])

    @translate("release an invite")
    async def release(self, code_hash: str) -> None:
        await self._invites.update_one({"_id": code_hash}, {"$set": {"used_at": None}})
