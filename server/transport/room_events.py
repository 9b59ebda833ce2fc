"""The room events: list, join, leave, send and history."""

from __future__ import annotations

from typing import Any

from server.domain.models import User
from server.domain.rooms import RoomService
from server.protocol import (
    HistoryQuery,
    RoomRef,
    RoomSend,
    parse_empty,
    parse_history,
    parse_room_ref,
    parse_room_send,
)
from server.transport.broadcast import room_channel
from server.transport.sockets import Connection, SocketTransport


def register_room_events(
    transport: SocketTransport, rooms: RoomService, history_limit: int
) -> None:
    @transport.on("rooms:list", parse_empty)
    async def rooms_list(conn: Connection, _: None) -> dict[str, Any]:
        listed = await rooms.list_rooms()
        return {"rooms": [room.to_wire() for room in listed]}

    @transport.on("room:join", parse_room_ref)
    async def room_join(conn: Connection, request: RoomRef) -> dict[str, Any]:
        room, history = await rooms.join(conn.user, request.room, history_limit)
        await conn.enter(room_channel(room.id))
        return {"room": room.to_wire(), "messages": [m.to_wire() for m in history]}

    @transport.on("room:leave", parse_room_ref)
    async def room_leave(conn: Connection, request: RoomRef) -> dict[str, Any]:
        await rooms.leave(conn.user, request.room)
        await conn.leave(room_channel(request.room))
        return {}

    @transport.on("room:send", parse_room_send)
    async def room_send(conn: Connection, request: RoomSend) -> dict[str, Any]:
        message = await rooms.send(conn.user, request)
        return {"message": message.to_wire()}

    @transport.on("room:history", parse_history)
    async def room_history(conn: Connection, query: HistoryQuery) -> dict[str, Any]:
        messages = await rooms.history(conn.user, query)
        return {"messages": [m.to_wire() for m in messages]}

    @transport.channels
    async def joined_rooms(user: User) -> list[str]:
        # A reconnecting client keeps receiving its rooms' pushes without re-joining;
        # it catches up on what it missed with room:history after_seq.
        return [room_channel(room_id) for room_id in await rooms.rooms_of(user)]
