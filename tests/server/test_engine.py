"""The lean Engine.IO socket keeps python-engineio's wire behaviour: pings, pongs, timeouts.

A real aiohttp server with ``LeanSocketServer`` attached, and a raw WebSocket client that
speaks Engine.IO packets itself, so that it can choose not to answer a ping.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from server.transport.engine import LeanSocket, LeanSocketServer

PING_INTERVAL = 0.3
PING_TIMEOUT = 0.3


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
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield sio, f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
    finally:
        await runner.cleanup()


async def _open(
    session: aiohttp.ClientSession, url: str
) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    ws = await session.ws_connect(url)
    opened = await ws.receive_str(timeout=5)
    assert opened.startswith("0")
    return ws, json.loads(opened[1:])["sid"]


async def test_a_connection_uses_the_lean_socket_and_answers_events(
    engine_server: tuple[LeanSocketServer, str],
) -> None:
    sio, url = engine_server
    async with aiohttp.ClientSession() as session:
        ws, eio_sid = await _open(session, url)
        assert type(sio.eio.sockets[eio_sid]) is LeanSocket
        await ws.send_str("40")  # Socket.IO CONNECT to the default namespace
        assert (await ws.receive_str(timeout=5)).startswith("40")
        await ws.send_str('421["echo",{"n":1}]')
        assert await ws.receive_str(timeout=5) == '431[{"n":1}]'
        await ws.close()


async def test_pings_keep_an_answering_client_connected(
    engine_server: tuple[LeanSocketServer, str],
) -> None:
    sio, url = engine_server
    async with aiohttp.ClientSession() as session:
        ws, eio_sid = await _open(session, url)
        started = time.monotonic()
        pings = 0
        while pings < 4:
            assert await ws.receive_str(timeout=5) == "2"
            pings += 1
            await ws.send_str("3")
        # Four ping cycles span more than the read timeout (interval + timeout) twice over.
        assert time.monotonic() - started >= 3 * PING_INTERVAL
        assert eio_sid in sio.eio.sockets
        assert not ws.closed
        await ws.close()


async def test_a_client_that_stops_answering_pings_is_dropped(
    engine_server: tuple[LeanSocketServer, str],
) -> None:
    sio, url = engine_server
    async with aiohttp.ClientSession() as session:
        ws, eio_sid = await _open(session, url)
        assert await ws.receive_str(timeout=5) == "2"  # first ping, never answered
        closed_at = time.monotonic() + 5
        message = await ws.receive(timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert time.monotonic() < closed_at
        for _ in range(50):
            if eio_sid not in sio.eio.sockets:
                break
            await asyncio.sleep(0.05)
        assert eio_sid not in sio.eio.sockets
