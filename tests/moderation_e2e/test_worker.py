"""Production shape: servers classify through a Redis stream consumed by a separate
``huddle classifier-worker`` process (HUDDLE_CLASSIFIER_MODE=worker)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from client import HuddleClient
from tests.conftest import create_invites
from tests.moderation_e2e.helpers import CRISIS, SAFE, escalation_for, nothing
from tests.servers import HUDDLE, REPO, HuddleProcess, RedisProcess


@pytest.fixture
def worker(redis_server: RedisProcess, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = HuddleProcess(tmp_path / "worker").environment()
    env["REDIS_URL"] = redis_server.url
    log = (tmp_path / "worker.log").open("ab")
    process = subprocess.Popen(
        [str(HUDDLE), "classifier-worker"], cwd=REPO, env=env, stdout=log, stderr=log
    )
    log.close()
    yield process
    process.terminate()
    process.wait(timeout=20)


async def test_a_crisis_is_classified_by_the_worker_and_escalated(
    start_server, redis_server: RedisProcess, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server(
        REDIS_URL=redis_server.url, HUDDLE_CLASSIFIER_MODE="worker"
    )
    clients = []
    for role in ("member", "lead"):
        client = HuddleClient(server.url, state_dir=tmp_path / role)
        await client.register(create_invites(server.url, role)[0])
        await client.connect()
        clients.append(client)
    writer, lead = clients
    try:
        await writer.join("general")
        safe = await writer.send("general", SAFE)
        sent = await writer.send("general", CRISIS)
        # The worker may still be loading its model: allow for its start-up.
        escalation = await escalation_for(lead, sent["id"], timeout=30)
        assert escalation["level"] == "crisis"
        await nothing(lead, "escalation:new", lambda e: e["message_id"] == safe["id"], 0.5)
        assert worker.poll() is None
    finally:
        for client in clients:
            await client.close()
