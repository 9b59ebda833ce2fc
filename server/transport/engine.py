"""An Engine.IO socket that keeps fewer asyncio tasks alive per idle connection.

python-engineio's ``AsyncSocket`` holds, for every idle WebSocket connection on Python
3.11, three tasks besides the connection's own: ``asyncio.wait_for`` wraps the writer's
``queue.get()`` in a task, the reader wraps every ``ws.wait()`` in another, and each
ping interval is a task asleep in ``asyncio.sleep``. A task and its coroutine frame cost
about a kilobyte, which is most of what Huddle's idle connection costs above the bare
framework's. ``LeanSocket`` waits under ``asyncio.timeout`` instead, and schedules pings
with ``loop.call_later``. The wire behaviour is python-engineio's: the same packets, the
same ping interval and the same timeouts.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import socketio
from engineio import async_socket, exceptions, packet


class LeanSocket(async_socket.AsyncSocket):  # type: ignore[misc]
    """python-engineio's ``AsyncSocket`` with the same protocol and fewer tasks."""

    last_ping: float | None
    connected: bool

    @property
    def _silence_limit(self) -> float:
        """How long either side may wait for the other before the connection is dead."""
        return float(self.server.ping_interval + self.server.ping_timeout)

    async def poll(self) -> list[Any]:
        """Wait for packets to send to the client (the writer's side)."""
        try:
            async with asyncio.timeout(self._silence_limit):
                first = await self.queue.get()
        except (TimeoutError, asyncio.CancelledError):
            # python-engineio turns both into QueueEmpty, which ends the writer or the poll.
            raise exceptions.QueueEmpty() from None
        self.queue.task_done()
        if first is None:
            return []
        packets = [first]
        while not self.queue.empty():
            pkt = self.queue.get_nowait()
            self.queue.task_done()
            if pkt is None:
                self.queue.put_nowait(None)
                break
            packets.append(pkt)
        return packets

    def schedule_ping(self) -> None:
        # Only schedule a new ping if the previous ping wait cycle completed.
        if self.last_ping:
            self.last_ping = None
            loop = asyncio.get_running_loop()
            loop.call_later(self.server.ping_interval, self._ping_due)

    def _ping_due(self) -> None:
        if self.closing or self.closed:
            return
        self.last_ping = time.time()
        ping = packet.Packet(packet.PING)
        # What ``send`` does once the ping-timeout check has passed, as it just has.
        if self.upgrading:
            self.packet_backlog.append(ping)
        else:
            self.queue.put_nowait(ping)

    async def _websocket_handler(self, ws: Any) -> None:
        """Engine.IO's WebSocket transport: python-engineio's handler, one task lighter."""
        if self.connected:
            if not await self._finish_upgrade(ws):
                return
        else:
            self.connected = True
            self.upgraded = True
        writer_task = asyncio.ensure_future(self._write_loop(ws))
        self.server.logger.info("%s: Upgrade to websocket successful", self.sid)
        await self._read_loop(ws)
        await self.queue.put(None)  # unlock the writer task so it can exit
        await writer_task
        await self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)

    async def _receive_frame(self, ws: Any) -> Any:
        data = await ws.wait()
        if data and len(data) > self.server.max_http_buffer_size:
            raise ValueError("packet is too large")
        return data

    async def _finish_upgrade(self, ws: Any) -> bool:
        """The polling-to-WebSocket upgrade: a probe ping, then the UPGRADE packet."""
        self.upgrading = True  # hold packet sends during the upgrade
        try:
            probe = packet.Packet(encoded_packet=await self._receive_frame(ws))
        except OSError:  # pragma: no cover
            return False
        if probe.packet_type != packet.PING or probe.data != "probe":
            self.server.logger.info("%s: Failed websocket upgrade, no PING packet", self.sid)
            self.upgrading = False
            return False
        await ws.send(packet.Packet(packet.PONG, data="probe").encode())
        await self.queue.put(packet.Packet(packet.NOOP))  # end poll
        try:
            upgrade = packet.Packet(encoded_packet=await self._receive_frame(ws))
        except OSError:  # pragma: no cover
            self.upgrading = False
            return False
        if upgrade.packet_type != packet.UPGRADE:
            self.upgraded = False
            self.server.logger.info("%s: Failed websocket upgrade, expected UPGRADE", self.sid)
            self.upgrading = False
            return False
        self.upgraded = True
        self.upgrading = False
        return True

    async def _write_loop(self, ws: Any) -> None:
        while True:
            try:
                packets = await self.poll()
            except exceptions.QueueEmpty:
                break
            if not packets:
                break  # connection closed
            try:
                for pkt in packets:
                    await ws.send(pkt.encode())
            except (Exception, asyncio.CancelledError):
                break  # as python-engineio's writer: any failure ends the connection
        await ws.close()

    async def _read_loop(self, ws: Any) -> None:
        while True:
            try:
                async with asyncio.timeout(self._silence_limit):
                    data = await self._receive_frame(ws)
            except (Exception, asyncio.CancelledError):
                # python-engineio ends the connection on any error here, cancellation too.
                break
            if data is None:
                break  # closed by the client
            try:
                await self.receive(packet.Packet(encoded_packet=data))
            except exceptions.UnknownPacketError:  # pragma: no cover
                pass
            except exceptions.SocketIsClosedError:  # pragma: no cover
                self.server.logger.info("Receive error -- socket is closed")
                break
            except Exception:  # pragma: no cover
                self.server.logger.exception("Unknown receive error")


class LeanSocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server, with each new Engine.IO socket a ``LeanSocket``.

    Engine.IO creates its socket class by name, so the switch happens in the Engine.IO
    ``connect`` event, which runs before the socket's transport starts or a ping is
    scheduled.
    """

    async def _handle_eio_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        socket = self.eio.sockets.get(eio_sid)
        if type(socket) is async_socket.AsyncSocket:
            socket.__class__ = LeanSocket
        return await super()._handle_eio_connect(eio_sid, environ)
