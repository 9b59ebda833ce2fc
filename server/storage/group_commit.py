"""Group commit for room messages: the sends waiting on the store share its round trips.

Each message used to cost two round trips: one to take the room's next seq, one to insert.
Here, sends that arrive while a write is in flight queue up, and the next write takes them
all: one ``$inc`` by k per room (concurrently across rooms) and one unordered
``insert_many``. Nobody is answered before the insert that holds their message has been
acknowledged by the store, so durability-before-ack is as before; an idle server writes
each message alone, as before, and the batches grow with the load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pymongo.errors import BulkWriteError

from server.domain.models import RoomMessage, User

DUPLICATE_KEY = 11000
MAX_BATCH = 500

# (room id, how many seqs) -> the last seq taken, or None when there is no such room.
TakeSeqs = Callable[[str, int], Awaitable[int | None]]


@dataclass
class PendingSend:
    room: str
    author: User
    text: str
    client_id: str
    done: asyncio.Future[RoomMessage | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class NoSuchRoom(Exception):
    """The room of a pending send does not exist (the store turns it into NotFound)."""


class GroupCommit:
    """Batches pending sends; ``submit`` resolves to the stored message, or None on a
    duplicate client_id (the caller looks up the earlier message)."""

    def __init__(
        self,
        take_seqs: TakeSeqs,
        insert_many: Callable[[list[RoomMessage]], Awaitable[None]],
        build: Callable[[PendingSend, int], RoomMessage],
    ) -> None:
        self._take_seqs = take_seqs
        self._insert_many = insert_many
        self._build = build
        self._queue: list[PendingSend] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, pending: PendingSend) -> RoomMessage | None:
        self._queue.append(pending)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return await asyncio.shield(pending.done)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                await self._write(batch)
            except Exception as exc:
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)

    async def _write(self, batch: list[PendingSend]) -> None:
        by_room: dict[str, list[PendingSend]] = {}
        for pending in batch:
            by_room.setdefault(pending.room, []).append(pending)
        rooms = list(by_room)
        lasts = await asyncio.gather(*(self._take_seqs(r, len(by_room[r])) for r in rooms))
        messages: list[tuple[PendingSend, RoomMessage]] = []
        for room, last in zip(rooms, lasts, strict=True):
            sends = by_room[room]
            if last is None:
                for pending in sends:
                    pending.done.set_exception(NoSuchRoom(room))
                continue
            first = last - len(sends) + 1
            messages.extend((p, self._build(p, first + i)) for i, p in enumerate(sends))
        if not messages:
            return
        duplicates: set[int] = set()
        try:
            await self._insert_many([m for _, m in messages])
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            # A concurrent resend of the same client_id won the race for these.
            duplicates = {int(e["index"]) for e in errors}
        for index, (pending, message) in enumerate(messages):
            if not pending.done.done():
                pending.done.set_result(None if index in duplicates else message)
