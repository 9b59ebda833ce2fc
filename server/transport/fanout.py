"""python-socketio client managers whose local fan-out does no per-recipient task.

python-socketio's ``AsyncManager.emit`` encodes a room event once, then creates one
asyncio task per recipient, each of which awaits three coroutines to put the same packet
on that connection's Engine.IO queue. Under load, with rooms of 100, those tasks were
the largest share of the server's time after the socket writes themselves (see
docs/performance.md). Here the packet is put on each recipient's queue directly: the
queue is unbounded, so nothing waits, and each connection's writer task sends it as
before. Emits that ask for an ack per recipient keep python-socketio's own path.

These are subclasses of the managers the style guide names, not a fan-out of our own:
rooms, Redis pub/sub and the writers are python-socketio's and python-engineio's.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet


def deliver_locally(
    manager: socketio.AsyncManager,
    event: str,
    data: Any,
    namespace: str | None,
    room: Any,
    skip_sid: Any,
) -> None:
    """Queue one encoded event on every local participant of ``room``."""
    namespace = namespace or "/"
    if namespace not in manager.rooms:
        return
    if isinstance(data, tuple):
        args = list(data)
    elif data is not None:
        args = [data]
    else:
        args = []
    skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
    server = manager.server
    encoded = server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args])
    parts = encoded.encode()
    if not isinstance(parts, list):
        parts = [parts]
    packets = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in parts]
    sockets = server.eio.sockets
    for sid, eio_sid in manager.get_participants(namespace, room):
        if sid in skip:
            continue
        socket = sockets.get(eio_sid)
        if socket is None or socket.closed:
            continue
        for pkt in packets:
            socket.queue.put_nowait(pkt)


class LocalFanOutManager(socketio.AsyncManager):  # type: ignore[misc]
    """The in-process manager, with direct local delivery."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(event, data, namespace, room, skip_sid, callback, to, **kwargs)
            return
        deliver_locally(self, event, data, namespace, to or room, skip_sid)


class RedisFanOutManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """The Redis manager, with direct local delivery of what it publishes and receives."""

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        callback = message.get("callback")
        if message.get("binary") or (callback is not None and len(callback) == 3):
            await super()._handle_emit(message)
            return
        data = message["data"]
        if isinstance(data, list):
            data = data[0] if len(data) == 1 else tuple(data)
        deliver_locally(
            self,
            message["event"],
            data,
            message.get("namespace"),
            message.get("room"),
            message.get("skip_sid"),
        )
