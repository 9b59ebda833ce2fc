"""The lean Engine.IO socket keeps python-engineio's wire behaviour: pings, pongs, timeouts.

A real aiohttp server with ``LeanSocketServer`` attached, and a raw WebSocket client that
speaks Engine.IO packets itself, so that it can choose not to answer a ping.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from server.transport.engine import LeanSocket, LeanSocketServer
from tests.servers import serve_in_process

PING_INTERVAL = 0.3
PING_TIMEOUT = 0.6  # slack for a busy CI machine: a late pong must not drop the client
READ_TIMEOUT = PING_INTERVAL + PING_TIMEOUT


@pytest.fixture
async def engine_server() -> AsyncIterator[tuple[LeanSocketServer, str]]:
    sio = LeanSocketServer(
        async_mode="aiohttp", ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT
    )

    @sio.on("echo")  # type: ignore[untyped-decorator]
    async def echo(sid: str, data: object) -> object:
        return data

    app = web.Application()
    sio.attach(app)
    async with serve_in_process(app) as port:
        yield sio, f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"


@asynccontextmanager
async def engine_io_client(url: str) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, str]]:
    """A raw WebSocket after Engine.IO's OPEN packet, with the socket's id."""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        opened = await ws.receive_str(timeout=5)
        assert opened.startswith("0")
        yield ws, json.loads(opened[1:])["sid"]


async def test_a_connection_uses_the_lean_socket_and_answers_events(
    engine_server: tuple[LeanSocketServer, str],
) -> None:
    sio, url = engine_server
    async with engine_io_client(url) as (ws, eio_sid):
        assert type(sio.eio.sockets[eio_sid]) is LeanSocket
        await ws.send_str("40")  # Socket.IO CONNECT to the default namespace
        assert (await ws.receive_str(timeout=5)).startswith("40")
        await ws.send_str('421["echo",{"n":1}]')
        assert await ws.receive_str(timeout=5) == '431[{"n":1}]'


async def test_pings_keep_an_answering_client_connected(
    engine_server: tuple[LeanSocketServer, str],
) -> None:
    sio, url = engine_server
    async with engine_io_client(url) as (ws, eio_sid):
        started = time.monotonic()
        for _ in range(7):
            assert await ws.receive_str(timeout=5) == "2"
            await ws.send_str("3")
        # Seven ping cycles outlast the server's read timeout twice over.
        assert time.monotonic() - started >= 2 * READ_TIMEOUT
        assert eio_sid in sio.eio.sockets
        assert not ws.closed


async def test_a_client_that_stops_answering_pings_is_dropped(
    engine_server: tuple[LeanSocketServer, str],
) -> None:
    sio, url = engine_server
    async with engine_io_client(url) as (ws, eio_sid):
        assert await ws.receive_str(timeout=5) == "2"  # the first ping, never answered
        pinged = time.monotonic()
        message = await ws.receive(timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        # Dropped once the read timeout runs out, not at once and not much later.
        assert PING_TIMEOUT / 2 <= time.monotonic() - pinged <= READ_TIMEOUT + 1
        for _ in range(50):
            if eio_sid not in sio.eio.sockets:
                break
            await asyncio.sleep(0.05)
        assert eio_sid not in sio.eio.sockets
