"""A minimal Socket.IO v5 client over a raw websocket, light enough to run thousands per process.

One python-socketio ``AsyncClient`` per simulated user costs a task, a queue and full JSON
decoding per message, so the generator would measure itself. This client is an
``asyncio.Protocol``: it speaks just enough HTTP/1.1 to upgrade, parses server frames (never
masked) straight out of its buffer, and hands event payloads to its owner undecoded, so
the owner can find what it needs with a byte search. Client frames must be masked; the
mask key is all zeros, which leaves the payload as it is and costs nothing to apply.

Engine.IO v4 packets: ``0`` open, ``2`` ping (answered with ``3``), ``4`` message.
Socket.IO v5 packets inside ``4``: ``0`` connect, ``2`` event, ``3`` ack, ``4`` connect error.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from collections.abc import Callable
from typing import Any

EventHandler = Callable[["SioConnection", bytes, int], None]

_ZERO_MASK = b"\x00\x00\x00\x00"


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + _ZERO_MASK + payload


class ConnectFailed(Exception):
    pass


class SioConnection(asyncio.Protocol):
    """One Socket.IO connection on the default namespace.

    ``on_event(conn, payload, now_us)`` gets each ``42[...]`` payload as bytes, with the
    time the bytes were read (microseconds, CLOCK_MONOTONIC, comparable across processes).
    """

    def __init__(
        self,
        host: str,
        port: int,
        auth: dict[str, Any] | None,
        on_event: EventHandler,
        clock_us: Callable[[], int],
    ) -> None:
        self._host = host
        self._port = port
        self._auth = auth
        self._on_event = on_event
        self._clock_us = clock_us
        self._transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._upgraded = False
        self._fragments: bytearray | None = None
        self._next_ack = 0
        self._acks: dict[int, asyncio.Future[bytes] | Callable[[bytes, int], None]] = {}
        self.connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.sid: str | None = None

    # -- sending ---------------------------------------------------------------------
    def send_text(self, text: str) -> None:
        if self._transport is not None and not self.closed:
            self._transport.write(_frame(0x1, text.encode()))

    def emit(
        self,
        event: str,
        data_json: str,
        on_ack: Callable[[bytes, int], None] | None = None,
    ) -> int:
        """Send an event whose argument is already JSON; return its ack id (-1 for none)."""
        if on_ack is None:
            self.send_text(f'42["{event}",{data_json}]')
            return -1
        ack_id = self._next_ack
        self._next_ack += 1
        self._acks[ack_id] = on_ack
        self.send_text(f'42{ack_id}["{event}",{data_json}]')
        return ack_id

    async def call(self, event: str, data: Any, wait_s: float = 30.0) -> Any:
        """Emit and wait for the ack; returns the decoded ack arguments."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        ack_id = self._next_ack
        self._next_ack += 1
        self._acks[ack_id] = future
        self.send_text(f'42{ack_id}["{event}",{json.dumps(data, separators=(",", ":"))}]')
        raw = await asyncio.wait_for(future, wait_s)
        return json.loads(raw)

    def close(self) -> None:
        if self._transport is not None and not self.closed:
            self.closed = True
            try:
                self._transport.write(_frame(0x8, struct.pack("!H", 1000)))
            finally:
                self._transport.close()

    # -- asyncio.Protocol ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {self._host}:{self._port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        transport.write(request.encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.connected.done():
            self.connected.set_exception(ConnectFailed(f"connection lost: {exc!r}"))
        for pending in self._acks.values():
            if isinstance(pending, asyncio.Future) and not pending.done():
                pending.set_exception(ConnectFailed("connection lost"))
        self._acks.clear()

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self._upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            if b" 101 " not in status:
                self._fail(f"upgrade refused: {status.decode(errors='replace')}")
                return
            del buf[: end + 4]
            self._upgraded = True
        self._parse_frames(self._clock_us())

    def _parse_frames(self, now_us: int) -> None:
        buf = self._buf
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + n:
                break
            payload = bytes(buf[pos + head : pos + head + n])
            pos += head + n
            self._on_frame(b0, payload, now_us)
        if pos:
            del buf[:pos]

    def _on_frame(self, b0: int, payload: bytes, now_us: int) -> None:
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode == 0x0 and self._fragments is not None:
            self._fragments += payload
            if fin:
                whole, self._fragments = bytes(self._fragments), None
                self._on_text(whole, now_us)
        elif opcode == 0x1:
            if fin:
                self._on_text(payload, now_us)
            else:
                self._fragments = bytearray(payload)
        elif opcode == 0x9 and self._transport is not None:
            self._transport.write(_frame(0xA, payload))
        elif opcode == 0x8:
            self.close()

    def _on_text(self, payload: bytes, now_us: int) -> None:
        kind = payload[:1]
        if kind == b"4":
            sio = payload[1:2]
            if sio == b"2":
                self._on_event(self, payload, now_us)
            elif sio == b"3":
                self._on_ack(payload, now_us)
            elif sio == b"0":
                self.sid = json.loads(payload[2:]).get("sid")
                if not self.connected.done():
                    self.connected.set_result(None)
            elif sio == b"4":
                self._fail(f"connect refused: {payload[2:].decode(errors='replace')}")
        elif kind == b"2":
            self.send_text("3")
        elif kind == b"0":
            auth = "" if self._auth is None else json.dumps(self._auth, separators=(",", ":"))
            self.send_text("40" + auth)
        elif kind == b"1":
            self.close()

    def _on_ack(self, payload: bytes, now_us: int) -> None:
        start = end = 2
        while payload[end : end + 1].isdigit():
            end += 1
        pending = self._acks.pop(int(payload[start:end]), None)
        if pending is None:
            return
        args = payload[end:]
        if isinstance(pending, asyncio.Future):
            if not pending.done():
                pending.set_result(args)
        else:
            pending(args, now_us)

    def _fail(self, reason: str) -> None:
        if not self.connected.done():
            self.connected.set_exception(ConnectFailed(reason))
        self.close()


async def connect(
    host: str,
    port: int,
    auth: dict[str, Any] | None,
    on_event: EventHandler,
    clock_us: Callable[[], int],
    wait_s: float = 30.0,
) -> SioConnection:
    loop = asyncio.get_running_loop()
    _, conn = await asyncio.wait_for(
        loop.create_connection(
            lambda: SioConnection(host, port, auth, on_event, clock_us), host, port
        ),
        wait_s,
    )
    await asyncio.wait_for(conn.connected, wait_s)
    return conn
