"""The escalation store on the embedded MongoDB-wire server: atomic claims and triage."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from moderation.escalation_model import Escalation, EscalationState, check_transition
from server.domain.models import utcnow
from server.errors import InvalidState
from server.storage.embedded import embedded_mongo
from server.storage.escalations import MongoEscalationStore, create_escalation_indexes
from server.storage.mongo import mongo_database


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[MongoEscalationStore]:
    async with embedded_mongo(tmp_path) as url, mongo_database(url, "t") as db:
        await create_escalation_indexes(db)
        yield MongoEscalationStore(db)


def escalation(n: int, risk: float, age_s: float) -> Escalation:
    created = utcnow() - timedelta(seconds=age_s)
    return Escalation(
        id=f"e{n}", room="general", message_id=f"m{n}", message_seq=n, author_id="u",
        author_pseudonym="QuietHeron-1", level="crisis", risk=risk, reasons=(),
        state=EscalationState.OPEN, created_at=created, due_at=created + timedelta(seconds=120),
    )  # fmt: skip


async def test_claim_next_takes_the_highest_risk_then_the_oldest(
    store: MongoEscalationStore,
) -> None:
    for e in (escalation(1, 0.80, 30), escalation(2, 0.99, 10), escalation(3, 0.99, 20),
              escalation(4, 0.90, 40)):  # fmt: skip
        await store.insert(e)
    order = [(await store.claim_next("Lead", utcnow())) for _ in range(5)]
    assert [e.id if e else None for e in order] == ["e3", "e2", "e4", "e1", None]


async def test_exactly_one_of_many_concurrent_claims_wins(store: MongoEscalationStore) -> None:
    await store.insert(escalation(1, 0.9, 0))
    results = await asyncio.gather(*(store.claim("e1", f"Lead{i}", utcnow()) for i in range(10)))
    assert sum(r is not None for r in results) == 1


async def test_one_escalation_per_message(store: MongoEscalationStore) -> None:
    first = await store.insert(escalation(1, 0.9, 0))
    again = await store.insert(dataclasses.replace(first, id="x"))
    assert again.id == first.id


async def test_only_one_sweep_marks_a_due_escalation_overdue(store: MongoEscalationStore) -> None:
    await store.insert(escalation(1, 0.9, 200))
    due = await store.due(utcnow(), 10)
    assert [e.id for e in due] == ["e1"]
    marks = await asyncio.gather(*(store.mark_overdue("e1", utcnow()) for _ in range(5)))
    assert sum(m is not None for m in marks) == 1
    assert await store.due(utcnow(), 10) == []
    assert [e.id for e in await store.pages_pending(utcnow(), 10)] == ["e1"]


def test_transitions_are_explicit() -> None:
    check_transition(EscalationState.OPEN, EscalationState.CLAIMED)
    check_transition(EscalationState.OVERDUE, EscalationState.CLAIMED)
    with pytest.raises(InvalidState):
        check_transition(EscalationState.OPEN, EscalationState.RESOLVED)
    with pytest.raises(InvalidState):
        check_transition(EscalationState.RESOLVED, EscalationState.CLAIMED)
