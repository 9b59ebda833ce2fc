"""A RoomStore that remembers rooms and memberships for a moment.

Every ``room:send`` checks that the room is open and that the sender is a member. Under
load those two reads were a third of the store's round trips per message (see
docs/performance.md), and both answers rarely change. This wrapper keeps each answer for
``ttl_s`` (the same 2 s a connection's user is trusted for), drops it at once when this
process changes it, and never remembers "not a member", so a join made through another
process counts immediately. A room archived or locked through another process, or a
member removed there, takes effect here within ``ttl_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from server.domain.models import Room
from server.domain.ports import RoomStore

DEFAULT_TTL_S = 2.0
MAX_ENTRIES = 100_000


class CachedRoomStore:
    def __init__(
        self,
        inner: RoomStore,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._ttl_s = ttl_s
        self._clock = clock
        self._rooms: dict[str, tuple[float, Room | None]] = {}
        self._members: dict[tuple[str, str], float] = {}

    async def seed(self, rooms: Sequence[Room]) -> None:
        await self._inner.seed(rooms)

    async def all(self, include_archived: bool = False) -> list[Room]:
        return await self._inner.all(include_archived)

    async def get(self, room_id: str) -> Room | None:
        now = self._clock()
        cached = self._rooms.get(room_id)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        room = await self._inner.get(room_id)
        self._remember(self._rooms, room_id, (now, room))
        return room

    async def create(self, room: Room) -> None:
        self._rooms.pop(room.id, None)
        await self._inner.create(room)

    async def update(self, room_id: str, **fields: Any) -> Room | None:
        self._rooms.pop(room_id, None)
        return await self._inner.update(room_id, **fields)

    async def add_member(self, room_id: str, user_id: str) -> None:
        await self._inner.add_member(room_id, user_id)
        # The member count changed.
        self._rooms.pop(room_id, None)

    async def remove_member(self, room_id: str, user_id: str) -> None:
        self._members.pop((room_id, user_id), None)
        self._rooms.pop(room_id, None)
        await self._inner.remove_member(room_id, user_id)

    async def is_member(self, room_id: str, user_id: str) -> bool:
        now = self._clock()
        key = (room_id, user_id)
        seen = self._members.get(key)
        if seen is not None and now - seen < self._ttl_s:
            return True
        member = await self._inner.is_member(room_id, user_id)
        if member:
            self._remember(self._members, key, now)
        else:
            self._members.pop(key, None)
        return member

    async def rooms_of(self, user_id: str) -> list[str]:
        return await self._inner.rooms_of(user_id)

    @staticmethod
    def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
        if len(cache) >= MAX_ENTRIES:
            # Entries expire within seconds anyway: dropping them all bounds memory simply.
            cache.clear()
        cache[key] = value
