"""The rules that refuse a send (or a join) before anything is stored.

Registered on RoomService as a SendGuard and a JoinGuard. Each refusal has its own
error code: ``banned``, ``timed_out``, ``room_locked`` and ``slow_mode`` (the last two
with ``retry_after_s`` where a wait helps). Supporters and above are exempt from locks
and slow mode, so they can still speak in a room they calmed down.
"""

from __future__ import annotations

from moderation.ports import SanctionStore
from moderation.sanction_model import SanctionKind
from server.domain.models import Role, Room, User, utcnow
from server.domain.ports import RateLimiter
from server.errors import Banned, RateLimited, RoomLocked, SlowMode, TimedOut


class ModerationGuard:
    def __init__(self, sanctions: SanctionStore, limiter: RateLimiter) -> None:
        self._sanctions = sanctions
        self._limiter = limiter

    async def check_join(self, user: User, room: Room) -> None:
        await self._check_sanctions(user, room, joining=True)

    async def check_send(self, user: User, room: Room) -> None:
        await self._check_sanctions(user, room, joining=False)
        if user.role >= Role.SUPPORTER:
            return
        if room.locked:
            raise RoomLocked("this room is locked for now; only supporters can post")
        if room.slowmode_s > 0:
            await self._slow_mode(user, room)

    async def _check_sanctions(self, user: User, room: Room, joining: bool) -> None:
        now = utcnow()
        for sanction in await self._sanctions.active(user.id, room.id, now):
            if sanction.kind == SanctionKind.BAN:
                raise Banned("you are banned from this room")
            if not joining and sanction.until is not None:
                wait = (sanction.until - now).total_seconds()
                raise TimedOut("you are timed out in this room", retry_after_s=wait)

    async def _slow_mode(self, user: User, room: Room) -> None:
        # One token per slowmode_s seconds, in the shared limiter (Redis across processes).
        try:
            await self._limiter.hit(f"slow:{room.id}:{user.id}", 1.0 / room.slowmode_s, 1)
        except RateLimited as exc:
            raise SlowMode(
                f"slow mode: one message every {room.slowmode_s} s in this room",
                retry_after_s=exc.retry_after_s,
            ) from None
