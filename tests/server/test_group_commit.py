"""Group commit: sends waiting on the store share its round trips, seqs stay consecutive."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import BulkWriteError

from server.domain.models import Role, RoomMessage, User, utcnow
from server.storage.group_commit import GroupCommit, NoSuchRoom, PendingSend

AUTHOR = User("u1", "Quiet Heron", Role.MEMBER)


def build(pending: PendingSend, seq: int) -> RoomMessage:
    return RoomMessage("id", pending.room, seq, pending.author, pending.text, utcnow(),
                       pending.client_id)  # fmt: skip


class FakeStore:
    def __init__(self, rooms: set[str], duplicate_client_ids: frozenset[str] = frozenset()):
        self.seqs = dict.fromkeys(rooms, 0)
        self.inserts: list[list[RoomMessage]] = []
        self.duplicates = duplicate_client_ids

    async def take_seqs(self, room: str, count: int) -> int | None:
        await asyncio.sleep(0.01)  # a round trip, during which more sends queue up
        if room not in self.seqs:
            return None
        self.seqs[room] += count
        return self.seqs[room]

    async def insert_many(self, messages: list[RoomMessage]) -> None:
        self.inserts.append(messages)
        errors = [{"index": i, "code": 11000} for i, m in enumerate(messages)
                  if m.client_id in self.duplicates]  # fmt: skip
        if errors:
            raise BulkWriteError({"writeErrors": errors})


def commit(store: FakeStore) -> GroupCommit:
    return GroupCommit(store.take_seqs, store.insert_many, build)


async def test_concurrent_sends_share_writes_and_get_consecutive_seqs() -> None:
    store = FakeStore({"general", "burnout"})
    group = commit(store)
    sends = [PendingSend("general" if i % 2 else "burnout", AUTHOR, "hi", f"c{i}")
             for i in range(20)]  # fmt: skip
    stored = await asyncio.gather(*(group.submit(p) for p in sends))
    assert len(store.inserts) < 20
    for room in ("general", "burnout"):
        seqs = [m.seq for m in stored if m is not None and m.room == room]
        assert seqs == list(range(1, 11))


async def test_a_duplicate_client_id_resolves_to_none_and_the_rest_are_stored() -> None:
    store = FakeStore({"general"}, frozenset({"dup"}))
    group = commit(store)
    ok, dup = await asyncio.gather(
        group.submit(PendingSend("general", AUTHOR, "hi", "fresh")),
        group.submit(PendingSend("general", AUTHOR, "hi", "dup")),
    )
    assert ok is not None and ok.client_id == "fresh"
    assert dup is None


async def test_a_missing_room_fails_only_its_own_sends() -> None:
    store = FakeStore({"general"})
    group = commit(store)
    results = await asyncio.gather(
        group.submit(PendingSend("general", AUTHOR, "hi", "a")),
        group.submit(PendingSend("nowhere", AUTHOR, "hi", "b")),
        return_exceptions=True,
    )
    assert isinstance(results[0], RoomMessage)
    assert isinstance(results[1], NoSuchRoom)


async def test_a_failed_write_fails_every_send_in_its_batch() -> None:
    store = FakeStore({"general"})

    async def broken(messages: list[RoomMessage]) -> None:
        raise RuntimeError("store down")

    group = GroupCommit(store.take_seqs, broken, build)
    with pytest.raises(RuntimeError):
        await group.submit(PendingSend("general", AUTHOR, "hi", "a"))
