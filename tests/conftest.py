"""Shared fixtures: real Huddle servers, a real redis-server, and registered clients."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from client import HuddleClient
from tests.servers import ADMIN_TOKEN, HuddleProcess, RedisProcess

ServerFactory = Callable[..., HuddleProcess]
ClientFactory = Callable[..., Awaitable[HuddleClient]]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HuddleProcess]:
    """One server shared by the tests that only need a working Huddle."""
    process = HuddleProcess(tmp_path_factory.mktemp("shared-server"))
    process.start()
    yield process
    process.terminate()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start servers of the test's own (on its own data dir unless told otherwise)."""
    started: list[HuddleProcess] = []

    def start(data_dir: Path | None = None, **env: str) -> HuddleProcess:
        process = HuddleProcess(data_dir or tmp_path / f"server-{len(started)}", env)
        started.append(process)
        return process.start()

    yield start
    for process in reversed(started):
        if process.process is not None and process.process.poll() is None:
            process.terminate()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    process = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield process
    process.stop()


def create_invites(base_url: str, role: str = "member", count: int = 1) -> list[str]:
    request = urllib.request.Request(
        base_url + "/api/invites",
        data=json.dumps({"role": role, "count": count}).encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        codes: list[str] = json.load(response)["codes"]
    return codes


@pytest.fixture
async def make_client(server: HuddleProcess, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """Register and connect a client (against ``server`` unless another base URL is given)."""
    clients: list[HuddleClient] = []

    async def make(
        role: str = "member", base_url: str | None = None, connect: bool = True, **kwargs: Any
    ) -> HuddleClient:
        url = base_url or server.url
        client = HuddleClient(url, state_dir=tmp_path / f"client-{len(clients)}")
        clients.append(client)
        await client.register(create_invites(url, role)[0], **kwargs)
        if connect:
            await client.connect()
        return client

    yield make
    for client in clients:
        await client.close()
