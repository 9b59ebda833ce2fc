"""The audit log in MongoDB: inserts and reads only."""

from __future__ import annotations

import dataclasses
import secrets

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from server.domain.audit import AuditEntry, AuditQuery
from server.storage.mongo import Doc, eq, translate


class MongoAuditLog:
    """Writes with ``insert_one`` only; nothing here updates or deletes."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._entries = db.audit

    @translate("append to the audit log")
    async def append(self, entry: AuditEntry) -> AuditEntry:
        stored = dataclasses.replace(entry, id=secrets.token_hex(12))
        doc = dataclasses.asdict(stored)
        doc["_id"] = doc.pop("id")
        await self._entries.insert_one(doc)
        return stored

    @translate("read the audit log")
    async def list(self, query: AuditQuery) -> list[AuditEntry]:
        wanted = {name: getattr(query, name) for name in ("actor", "action", "target", "room")}
        find: Doc = eq(**{name: value for name, value in wanted.items() if value is not None})
        if query.before is not None:
            find["at"] = {"$lt": query.before}
        cursor = self._entries.find(find).sort("at", DESCENDING).limit(query.limit)
        return [_entry(doc) async for doc in cursor]


def _entry(doc: Doc) -> AuditEntry:
    return AuditEntry(
        id=doc["_id"],
        actor=doc["actor"],
        action=doc["action"],
        target=doc["target"],
        result=doc.get("result", "ok"),
        reason=doc.get("reason", ""),
        room=doc.get("room"),
        details=dict(doc.get("details") or {}),
        at=doc["at"],
    )
