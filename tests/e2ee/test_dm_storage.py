"""The DM storage adapters against the real embedded store, in process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from server.dm_protocol import OneTimePrekey, PublicKeys
from server.domain.models import Role, User, utcnow
from server.storage.dm import (
    MongoContactStore,
    MongoEnvelopeStore,
    MongoPrekeyStore,
    create_dm_indexes,
)
from server.storage.embedded import embedded_mongo
from server.storage.mongo import Doc, create_indexes, mongo_database

ALICE = User("u-alice", "Alice", Role.MEMBER)
KEY = "A" * 43


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncDatabase[Doc]]:
    async with embedded_mongo(tmp_path) as url, mongo_database(url, "huddle") as database:
        await create_indexes(database)
        await create_dm_indexes(database)
        yield database


async def test_envelopes_queue_in_seq_order_and_expire(db: AsyncDatabase[Doc]) -> None:
    store = MongoEnvelopeStore(db)
    now = utcnow()
    later = now + timedelta(hours=1)
    ms = int(now.timestamp() * 1000)
    first = await store.put(ALICE, "u-bob", '{"v":1}', "c1", ms, b"t" * 32, later)
    stale = await store.put(ALICE, "u-bob", '{"v":1}', "c2", ms, None, now - timedelta(seconds=1))
    third = await store.put(ALICE, "u-bob", '{"v":1}', "c3", ms, None, later)
    assert (first.seq, stale.seq, third.seq) == (1, 2, 3)
    assert await store.put(ALICE, "u-bob", '{"v":1}', "c1", ms, None, later) == first
    pending = await store.pending("u-bob", utcnow(), 10)
    assert [e.id for e in pending] == [first.id, third.id]  # the expired one is never delivered
    assert pending[0].tag == b"t" * 32
    assert await store.delete("u-carol", [first.id]) == 0  # only the recipient may ack
    assert await store.delete("u-bob", [first.id, third.id]) == 2
    assert await store.pending("u-bob", utcnow(), 10) == []


async def test_each_one_time_prekey_is_taken_once(db: AsyncDatabase[Doc]) -> None:
    keys = MongoPrekeyStore(db)
    assert await keys.publish("u-bob", PublicKeys(KEY, KEY, 1, KEY, "A" * 86)) is False
    for round_ in range(4):
        owner = f"u-{round_}"
        await keys.add_opks(owner, [OneTimePrekey(i, KEY) for i in range(1, 9)])
        taken = await asyncio.gather(*(keys.take_opk(owner) for _ in range(14)))
        ids = sorted(t.id for t in taken if t is not None)
        assert ids == list(range(1, 9)) and taken.count(None) == 6
        assert await keys.count_opks(owner) == 0
    # A reinstalled client restarts its key ids: the new keys are handed out again.
    await keys.add_opks("u-0", [OneTimePrekey(1, "B" * 43)])
    again = await keys.take_opk("u-0")
    assert again is not None and again.pub == "B" * 43
    assert await keys.publish("u-bob", PublicKeys(KEY, KEY, 2, KEY, "A" * 86)) is False
    assert await keys.publish("u-bob", PublicKeys("B" * 43, KEY, 2, KEY, "A" * 86)) is True


async def test_member_contacts_need_acceptance(db: AsyncDatabase[Doc]) -> None:
    contacts = MongoContactStore(db)
    assert not await contacts.accepted("a", "b")
    assert not await contacts.accept("b", "a")
    await contacts.request("a", "b")
    assert not await contacts.accepted("a", "b")
    assert await contacts.accept("b", "a")
    assert await contacts.accepted("a", "b") and await contacts.accepted("b", "a")
