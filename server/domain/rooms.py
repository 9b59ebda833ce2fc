"""Themed peer rooms: listing, joining, sending and history."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from server.domain.models import Room, RoomMessage, User
from server.domain.ports import (
    Broadcaster,
    MessageObserver,
    MessageStore,
    RateLimiter,
    RoomStore,
    SendGuard,
)
from server.errors import Forbidden, NotFound
from server.protocol import HistoryQuery, RoomSend

logger = logging.getLogger(__name__)

SEEDED_ROOMS: tuple[Room, ...] = (
    Room("general", "General", "Say hello, share a win, or just check in."),
    Room("burnout", "Burnout", "When the tank is empty: exhaustion, cynicism and getting through."),
    Room("night-shifts", "Night shifts", "For everyone awake while the world sleeps."),
    Room("grief-and-loss", "Grief and loss", "Space for the losses we carry, at work and at home."),
    Room(
        "after-a-patient-death",
        "After a patient death",
        "Talk through a death that stayed with you, with people who understand.",
    ),
    Room("new-starters", "New starters", "First weeks, first rotations, first everything."),
    Room("managing-anxiety", "Managing anxiety", "Worry, panic and the ways we cope with them."),
)


@dataclass(frozen=True)
class SendLimits:
    rate_per_s: float
    burst: int


class RoomService:
    def __init__(
        self,
        rooms: RoomStore,
        messages: MessageStore,
        broadcaster: Broadcaster,
        limiter: RateLimiter,
        limits: SendLimits,
        guards: Sequence[SendGuard] = (),
        observers: Sequence[MessageObserver] = (),
    ) -> None:
        self._rooms = rooms
        self._messages = messages
        self._broadcaster = broadcaster
        self._limiter = limiter
        self._limits = limits
        self._guards = list(guards)
        self._observers = list(observers)
        self._background: set[asyncio.Task[None]] = set()

    def add_guard(self, guard: SendGuard) -> None:
        self._guards.append(guard)

    def add_observer(self, observer: MessageObserver) -> None:
        self._observers.append(observer)

    async def list_rooms(self) -> list[Room]:
        return await self._rooms.all()

    async def open_room(self, room_id: str) -> Room:
        room = await self._rooms.get(room_id)
        if room is None or room.archived:
            raise NotFound("no such room")
        return room

    async def join(
        self, user: User, room_id: str, history_limit: int
    ) -> tuple[Room, list[RoomMessage]]:
        room = await self.open_room(room_id)
        await self._rooms.add_member(room_id, user.id)
        history = await self._messages.history(room_id, None, None, history_limit)
        return room, history

    async def rooms_of(self, user: User) -> list[str]:
        return await self._rooms.rooms_of(user.id)

    async def leave(self, user: User, room_id: str) -> None:
        await self._rooms.remove_member(room_id, user.id)

    async def history(self, user: User, query: HistoryQuery) -> list[RoomMessage]:
        await self._require_member(user, query.room)
        return await self._messages.history(
            query.room, query.before_seq, query.after_seq, query.limit
        )

    async def send(self, user: User, request: RoomSend) -> RoomMessage:
        """Store, then fan out. A resend with the same client_id returns the original."""
        earlier = await self._messages.by_client_id(user.id, request.client_id)
        if earlier is not None:
            return earlier
        room = await self._require_member(user, request.room)
        for guard in self._guards:
            await guard.check_send(user, room)
        await self._limiter.hit(f"send:{user.id}", self._limits.rate_per_s, self._limits.burst)
        message = await self._messages.append(room.id, user, request.text, request.client_id)
        await self._broadcaster.to_room(room.id, "room:message", message.to_wire())
        if self._observers:
            self._spawn_observers(message)
        return message

    async def _require_member(self, user: User, room_id: str) -> Room:
        room = await self.open_room(room_id)
        if not await self._rooms.is_member(room_id, user.id):
            raise Forbidden("join the room first")
        return room

    def _spawn_observers(self, message: RoomMessage) -> None:
        task = asyncio.get_running_loop().create_task(self._notify(message))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _notify(self, message: RoomMessage) -> None:
        for observer in self._observers:
            try:
                await observer.on_room_message(message)
            except Exception:
                logger.exception("message observer %s failed", type(observer).__name__)

    async def drain(self) -> None:
        """Wait for observers still at work (used at shutdown)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
