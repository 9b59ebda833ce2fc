"""MongoDB adapters for reports (the review queue) and sanctions (bans and timeouts)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from moderation.report_model import Report, ReportSource, ReportState
from moderation.sanction_model import Sanction, SanctionKind
from server.domain.models import utcnow
from server.storage.mongo import Doc, eq, moment, stamp, translate

EVERY_ROOM = "*"


async def create_moderation_indexes(db: AsyncDatabase[Doc]) -> None:
    await db.room_reports.create_index("dedupe", unique=True)
    await db.room_reports.create_index([("state", 1), ("created_at", DESCENDING)])
    await db.sanctions.create_index("user_id")


def _report(doc: Doc) -> Report:
    return Report(
        id=doc["_id"],
        message_id=doc["message_id"],
        room=doc["room"],
        source=ReportSource(doc["source"]),
        reason=doc["reason"],
        created_at=doc["created_at"],
        reporter_id=doc.get("reporter_id"),
        reporter_pseudonym=doc.get("reporter_pseudonym"),
        author_pseudonym=doc.get("author_pseudonym", ""),
        state=ReportState(doc["state"]),
        resolved_by=doc.get("resolved_by"),
        resolved_at=moment(doc.get("resolved_at")),
        outcome=doc.get("outcome"),
        note=doc.get("note"),
        text=doc.get("text"),
    )


class MongoReportStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._reports = db.room_reports

    @translate("store a report")
    async def insert(self, report: Report) -> Report:
        # One report per reporter per message (and one classifier report per message).
        who = report.reporter_id or report.source.value
        dedupe = hashlib.sha256(f"{report.message_id}:{who}".encode()).hexdigest()
        doc: Doc = {
            "_id": report.id,
            "dedupe": dedupe,
            "message_id": report.message_id,
            "room": report.room,
            "source": report.source.value,
            "reason": report.reason,
            "created_at": report.created_at,
            "reporter_id": report.reporter_id,
            "reporter_pseudonym": report.reporter_pseudonym,
            "author_pseudonym": report.author_pseudonym,
            "state": report.state.value,
        }
        if report.text is not None:
            doc["text"] = report.text
        try:
            await self._reports.insert_one(doc)
        except DuplicateKeyError:
            earlier = await self._reports.find_one(eq(dedupe=dedupe))
            if earlier is None:
                raise
            return _report(earlier)
        return report

    @translate("read a report")
    async def get(self, report_id: str) -> Report | None:
        doc = await self._reports.find_one({"_id": report_id})
        return _report(doc) if doc else None

    @translate("list reports")
    async def in_state(self, state: ReportState | None, limit: int) -> list[Report]:
        query: Doc = {} if state is None else eq(state=state.value)
        cursor = self._reports.find(query).sort("created_at", DESCENDING).limit(limit)
        return [_report(d) async for d in cursor]

    @translate("resolve a report")
    async def resolve(
        self, report_id: str, resolver: str, outcome: str, note: str, now: datetime
    ) -> Report | None:
        doc = await self._reports.find_one_and_update(
            {"_id": report_id, "state": "open"},
            {
                "$set": {
                    "state": "resolved",
                    "resolved_by": resolver,
                    "resolved_at": stamp(now),
                    "outcome": outcome,
                    "note": note,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return _report(doc) if doc else None


def _sanction(doc: Doc) -> Sanction:
    room = doc["room"]
    return Sanction(
        kind=SanctionKind(doc["kind"]),
        user_id=doc["user_id"],
        room=None if room == EVERY_ROOM else room,
        by=doc["by"],
        reason=doc.get("reason", ""),
        created_at=moment(doc["created_at"]) or utcnow(),
        until=moment(doc.get("until")),
    )


class MongoSanctionStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._sanctions = db.sanctions

    @staticmethod
    def _key(kind: str, user_id: str, room: str | None) -> str:
        return f"{kind}:{user_id}:{room or EVERY_ROOM}"

    @translate("store a sanction")
    async def put(self, sanction: Sanction) -> None:
        key = self._key(sanction.kind.value, sanction.user_id, sanction.room)
        fields = {
            "kind": sanction.kind.value,
            "user_id": sanction.user_id,
            "room": sanction.room or EVERY_ROOM,
            "by": sanction.by,
            "reason": sanction.reason,
            "created_at": stamp(sanction.created_at),
            "until": stamp(sanction.until) if sanction.until else None,
        }
        await self._sanctions.update_one({"_id": key}, {"$set": fields}, upsert=True)

    @translate("lift a sanction")
    async def lift(self, kind: str, user_id: str, room: str | None) -> bool:
        result = await self._sanctions.delete_one({"_id": self._key(kind, user_id, room)})
        return bool(result.deleted_count)

    @translate("check sanctions")
    async def active(self, user_id: str, room: str, now: datetime) -> list[Sanction]:
        docs = await self._sanctions.find(eq(user_id=user_id)).to_list()
        sanctions = [_sanction(d) for d in docs if d["room"] in (room, EVERY_ROOM)]
        return [s for s in sanctions if s.until is None or s.until > now]
