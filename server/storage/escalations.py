"""MongoDB adapter for escalations and their recorded state changes.

Claims and the overdue mark are conditional ``find_one_and_update`` calls: the store
applies each atomically, so among concurrent claimers exactly one matches.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from moderation.escalation_model import (
    UNCLAIMED,
    Escalation,
    EscalationSource,
    EscalationState,
    Transition,
)
from server.storage.mongo import Doc, eq, moment, stamp, translate

_UNCLAIMED = [s.value for s in UNCLAIMED]


def _escalation(doc: Doc) -> Escalation:
    return Escalation(
        id=doc["_id"],
        room=doc["room"],
        message_id=doc["message_id"],
        message_seq=int(doc["message_seq"]),
        author_id=doc["author_id"],
        author_pseudonym=doc["author_pseudonym"],
        level=doc["level"],
        risk=float(doc["risk"]),
        reasons=tuple(doc.get("reasons") or ()),
        state=EscalationState(doc["state"]),
        created_at=doc["created_at"],
        due_at=doc["due_at"],
        claimed_by=doc.get("claimed_by"),
        claimed_at=moment(doc.get("claimed_at")),
        overdue_at=moment(doc.get("overdue_at")),
        resolved_at=moment(doc.get("resolved_at")),
        outcome=doc.get("outcome"),
        note=doc.get("note"),
        source=EscalationSource(doc.get("source", "room")),
        text=doc.get("text"),
        subject_pseudonym=doc.get("subject_pseudonym"),
    )


def _doc(escalation: Escalation) -> Doc:
    return {
        "_id": escalation.id,
        "room": escalation.room,
        "message_id": escalation.message_id,
        "message_seq": escalation.message_seq,
        "author_id": escalation.author_id,
        "author_pseudonym": escalation.author_pseudonym,
        "level": escalation.level,
        "risk": escalation.risk,
        "reasons": list(escalation.reasons),
        "state": escalation.state.value,
        "created_at": escalation.created_at,
        "due_at": escalation.due_at,
        # Queried as a number: nx-27017 compares indexed dates imprecisely.
        "due_ts": stamp(escalation.due_at),
        "page_pending": False,
        "source": escalation.source.value,
        "text": escalation.text,
        "subject_pseudonym": escalation.subject_pseudonym,
    }


async def create_escalation_indexes(db: AsyncDatabase[Doc]) -> None:
    await db.escalations.create_index("message_id", unique=True)
    await db.escalations.create_index([("state", ASCENDING), ("due_ts", ASCENDING)])
    await db.escalations.create_index([("risk", DESCENDING), ("created_at", ASCENDING)])
    await db.escalation_transitions.create_index([("escalation", ASCENDING), ("at", ASCENDING)])


class MongoEscalationStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._escalations = db.escalations
        self._transitions = db.escalation_transitions

    @translate("open an escalation")
    async def insert(self, escalation: Escalation) -> Escalation:
        try:
            await self._escalations.insert_one(_doc(escalation))
        except DuplicateKeyError:
            doc = await self._escalations.find_one(eq(message_id=escalation.message_id))
            if doc is None:
                raise
            return _escalation(doc)
        return escalation

    @translate("read an escalation")
    async def get(self, escalation_id: str) -> Escalation | None:
        doc = await self._escalations.find_one({"_id": escalation_id})
        return _escalation(doc) if doc else None

    @translate("list escalations")
    async def in_states(self, states: tuple[EscalationState, ...], limit: int) -> list[Escalation]:
        query = {"state": {"$in": [s.value for s in states]}}
        cursor = self._escalations.find(query).sort("created_at", DESCENDING).limit(limit)
        return [_escalation(d) async for d in cursor]

    async def _claim(self, query: Doc, lead: str, now: datetime, **options: Any) -> Doc | None:
        update = {"$set": {"state": "claimed", "claimed_by": lead, "claimed_at": stamp(now)}}
        doc: Doc | None = await self._escalations.find_one_and_update(
            {**query, "state": {"$in": _UNCLAIMED}},
            update,
            return_document=ReturnDocument.AFTER,
            **options,
        )
        return doc

    @translate("claim an escalation")
    async def claim(self, escalation_id: str, lead: str, now: datetime) -> Escalation | None:
        doc = await self._claim({"_id": escalation_id}, lead, now)
        return _escalation(doc) if doc else None

    @translate("claim the next escalation")
    async def claim_next(self, lead: str, now: datetime) -> Escalation | None:
        doc = await self._claim({}, lead, now, sort=[("risk", DESCENDING), ("created_at", 1)])
        return _escalation(doc) if doc else None

    @translate("resolve an escalation")
    async def resolve(
        self, escalation_id: str, lead: str | None, outcome: str, note: str, now: datetime
    ) -> Escalation | None:
        query: Doc = {"_id": escalation_id, "state": "claimed"}
        if lead is not None:
            query["claimed_by"] = lead
        doc = await self._escalations.find_one_and_update(
            query,
            {
                "$set": {
                    "state": "resolved",
                    "outcome": outcome,
                    "note": note,
                    "resolved_at": stamp(now),
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return _escalation(doc) if doc else None

    @translate("find overdue escalations")
    async def due(self, now: datetime, limit: int) -> list[Escalation]:
        cursor = self._escalations.find({**eq(state="open"), "due_ts": {"$lte": stamp(now)}})
        return [_escalation(d) async for d in cursor.sort("due_ts", ASCENDING).limit(limit)]

    @translate("mark an escalation overdue")
    async def mark_overdue(self, escalation_id: str, now: datetime) -> Escalation | None:
        doc = await self._escalations.find_one_and_update(
            {"_id": escalation_id, "state": "open"},
            {"$set": {"state": "overdue", "overdue_at": stamp(now), "page_pending": True}},
            return_document=ReturnDocument.AFTER,
        )
        return _escalation(doc) if doc else None

    @translate("find pending pages")
    async def pages_pending(self, older_than: datetime, limit: int) -> list[Escalation]:
        cursor = self._escalations.find(
            {"page_pending": True, "overdue_at": {"$lte": stamp(older_than)}}
        )
        return [_escalation(d) async for d in cursor.limit(limit)]

    @translate("record a delivered page")
    async def page_delivered(self, escalation_id: str, now: datetime) -> None:
        await self._escalations.update_one(
            {"_id": escalation_id}, {"$set": {"page_pending": False, "paged_at": stamp(now)}}
        )

    @translate("record an escalation change")
    async def record(self, transition: Transition) -> None:
        await self._transitions.insert_one(
            {
                "escalation": transition.escalation_id,
                "from": transition.from_state.value if transition.from_state else None,
                "to": transition.to_state.value,
                "actor": transition.actor,
                "at": transition.at,
            }
        )

    @translate("read an escalation's history")
    async def transitions(self, escalation_id: str) -> list[Transition]:
        cursor = self._transitions.find(eq(escalation=escalation_id)).sort("at", ASCENDING)
        return [
            Transition(
                escalation_id,
                EscalationState(d["from"]) if d.get("from") else None,
                EscalationState(d["to"]),
                d["actor"],
                d["at"],
            )
            async for d in cursor
        ]
