"""Retention sweeps and index-friendly filters, against the real embedded store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from server.domain.models import Invite, Role, User, utcnow
from server.storage.dm import ENVELOPE_COLLECTION, MongoEnvelopeStore, create_dm_indexes
from server.storage.embedded import embedded_mongo
from server.storage.mongo import Doc, create_indexes, eq, mongo_database
from server.storage.retention import (
    OPK_CLAIM_KEEP_S,
    RetentionSweeper,
    create_retention_indexes,
    expiries,
    sweep,
)
from server.storage.rooms import MongoMessageStore
from server.storage.users import MongoInviteStore

DAY = 86400
RULES = expiries(3 * DAY)
ALICE = User("u-alice", "Alice", Role.MEMBER)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncDatabase[Doc]]:
    async with embedded_mongo(tmp_path) as url, mongo_database(url, "huddle") as database:
        await create_indexes(database)
        await create_dm_indexes(database)
        await create_retention_indexes(database, RULES)
        await database.rooms.insert_one({"_id": "general", "seq": 0})
        yield database


async def _ids(db: AsyncDatabase[Doc], collection: str) -> set[str]:
    return {doc["_id"] async for doc in db[collection].find({}, {"_id": 1})}


async def _until_swept(db: AsyncDatabase[Doc], timeout_s: float = 5.0) -> None:
    """Return once ``messages`` is empty, or after ``timeout_s`` (the caller asserts)."""
    for _ in range(int(timeout_s / 0.05)):
        if not await _ids(db, "messages"):
            return
        await asyncio.sleep(0.05)


async def test_a_sweep_deletes_what_has_expired_and_keeps_the_rest(
    db: AsyncDatabase[Doc],
) -> None:
    now = utcnow()
    message = await MongoMessageStore(db).append("general", ALICE, "long night", "c-1")
    invites = MongoInviteStore(db)
    await invites.add(
        [
            Invite("old-code", Role.MEMBER, now - timedelta(seconds=1)),
            Invite("live-code", Role.MEMBER, now + timedelta(hours=1)),
        ]
    )
    envelopes = MongoEnvelopeStore(db)
    ms = int(now.timestamp() * 1000)
    stale = await envelopes.put(ALICE, "u-bob", "{}", "e-1", ms, None, now - timedelta(seconds=1))
    live = await envelopes.put(ALICE, "u-bob", "{}", "e-2", ms, None, now + timedelta(hours=1))
    await db.opk_claims.insert_one({"_id": "k:1", "claimed_at": now})

    assert await sweep(db, RULES, now) == {
        "messages": 0, "invites": 1, ENVELOPE_COLLECTION: 1, "opk_claims": 0,
    }  # fmt: skip
    assert await _ids(db, "messages") == {message.id}
    assert await _ids(db, "invites") == {"live-code"}
    assert await _ids(db, ENVELOPE_COLLECTION) == {live.id}
    assert stale.id != live.id

    # Three days after it was stored, the message is past retention (counted from its own
    # timestamp: on a loaded machine the append can finish more than a second after
    # ``now``); a month on, so is the key claim.
    assert (await sweep(db, RULES, message.ts + timedelta(days=3, seconds=1)))["messages"] == 1
    assert await _ids(db, "messages") == set()
    assert await _ids(db, "opk_claims") == {"k:1"}
    await sweep(db, RULES, now + timedelta(seconds=OPK_CLAIM_KEEP_S + 1))
    assert await _ids(db, "opk_claims") == set()


async def test_the_sweeper_runs_at_start_and_on_its_timer(db: AsyncDatabase[Doc]) -> None:
    old = utcnow() - timedelta(days=4)
    await db.messages.insert_one({"_id": "m-old", "room": "general", "seq": 1, "ts": old})
    task = asyncio.create_task(RetentionSweeper(db, RULES, every_s=0.05).run())
    try:
        await _until_swept(db)
        assert await _ids(db, "messages") == set()
        await db.messages.insert_one({"_id": "m-later", "room": "general", "seq": 2, "ts": old})
        await _until_swept(db)
        assert await _ids(db, "messages") == set()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_ttl_index_from_an_earlier_version_is_replaced(db: AsyncDatabase[Doc]) -> None:
    await db.messages.drop_index("ts_1")
    await db.messages.create_index("ts", expireAfterSeconds=DAY)
    assert any("expireAfterSeconds" in s for s in (await db.messages.index_information()).values())
    await create_retention_indexes(db, RULES)
    specs = list((await db.messages.index_information()).values())
    assert [("ts", 1)] in [s["key"] for s in specs]
    assert not any("expireAfterSeconds" in s for s in specs)
    # With no TTL index, a read no longer deletes: only the sweep does.
    old = utcnow() - timedelta(days=9)
    await db.messages.insert_one({"_id": "m-old", "room": "general", "seq": 1, "ts": old})
    assert await db.messages.find_one({"_id": "m-old"}) is not None


async def test_eq_filters_match_what_plain_filters_match(db: AsyncDatabase[Doc]) -> None:
    docs = [
        {"_id": f"m{i}", "room": room, "seq": i, "author_id": author, "client_id": f"c{i}"}
        for i, (room, author) in enumerate(
            [("general", "a"), ("general", "b"), ("grief", "a"), ("grief", "a"), ("burnout", "c")]
        )
    ]
    await db.messages.insert_many(docs)
    for fields in (
        {"room": "grief"},
        {"author_id": "a", "client_id": "c0"},
        {"author_id": "a", "client_id": "c2"},
        {"author_id": "a"},
        {"author_id": "b", "client_id": "c0"},
        {"room": "general", "seq": 1},
        {"room": "nowhere"},
    ):
        plain = {d["_id"] async for d in db.messages.find(fields)}
        spelled = {d["_id"] async for d in db.messages.find(eq(**fields))}
        assert spelled == plain
        assert plain == {d["_id"] for d in docs if all(d[k] == v for k, v in fields.items())}


async def test_a_failed_sweep_does_not_stop_the_sweeper(db: AsyncDatabase[Doc]) -> None:
    calls = 0

    def clock() -> datetime:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug in the first sweep")
        return utcnow()

    await db.messages.insert_one(
        {"_id": "m-old", "room": "general", "seq": 1, "ts": utcnow() - timedelta(days=4)}
    )
    task = asyncio.create_task(RetentionSweeper(db, RULES, every_s=0.05, clock=clock).run())
    try:
        await _until_swept(db)
        assert calls >= 2
        assert await _ids(db, "messages") == set()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
