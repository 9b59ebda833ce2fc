"""The Broadcaster port over python-socketio: rooms for chat rooms, users and roles.

Each connection joins ``user:<id>`` and ``role:<role>``, so the domain can address a
person or everyone at a role or above without knowing about socket ids. With a Redis
client manager these emits reach every server process.
"""

from __future__ import annotations

from typing import Any

import socketio

from server.domain.models import Role


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


def role_channel(role: Role) -> str:
    return f"role:{role.label}"


class SocketIOBroadcaster:
    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def to_room(self, room_id: str, event: str, data: dict[str, Any]) -> None:
        await self._sio.emit(event, data, to=room_channel(room_id))

    async def to_user(self, user_id: str, event: str, data: dict[str, Any]) -> None:
        await self._sio.emit(event, data, to=user_channel(user_id))

    async def to_role(self, role: Role, event: str, data: dict[str, Any]) -> None:
        channels = [role_channel(r) for r in Role if r >= role]
        await self._sio.emit(event, data, to=channels)

    async def disconnect_user(self, user_id: str) -> None:
        """Tell the user's clients their session ended, and close the ones held here."""
        channel = user_channel(user_id)
        await self._sio.emit("session:ended", {"reason": "your access changed"}, to=channel)
        for sid, _ in list(self._sio.manager.get_participants("/", channel)):
            await self._sio.disconnect(sid)
