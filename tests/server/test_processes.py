"""Whole-process behaviour: durability across kill -9, SIGTERM, and two servers over Redis."""

from __future__ import annotations

import os
import signal

from client import HuddleClient
from tests.conftest import create_invites
from tests.servers import HuddleProcess, RedisProcess, wait_for


async def registered(url: str, state_dir: object, role: str = "member") -> HuddleClient:
    client = HuddleClient(url, state_dir=state_dir)  # type: ignore[arg-type]
    await client.register(create_invites(url, role)[0])
    await client.connect()
    return client


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_acked_messages_survive_kill_9_of_server_and_store(start_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server(HUDDLE_SEND_BURST="100")
    store_pid = server.store_pid()
    assert store_pid is not None and _alive(store_pid)
    client = await registered(server.url, tmp_path / "c")
    await client.join("night-shifts")
    acked = [await client.send("night-shifts", f"durable {i}") for i in range(25)]
    await client.close()

    server.kill9()
    wait_for(lambda: not _alive(store_pid), 10, "the embedded store to die with the server")
    server.restart()  # same data dir; a stale PID file is handled

    again = HuddleClient(server.url, state_dir=tmp_path / "c")
    await again.connect()
    try:
        stored = await again.history("night-shifts", limit=100)
        assert [m["id"] for m in stored] == [m["id"] for m in acked]
        assert [m["seq"] for m in stored] == list(range(1, 26))
        after = await again.send("night-shifts", "after the crash")
        assert after["seq"] == 26
    finally:
        await again.close()


async def test_sigterm_shuts_down_cleanly_and_stops_the_store(start_server) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server()
    store_pid = server.store_pid()
    assert store_pid is not None
    assert server.terminate() == 0
    wait_for(lambda: not _alive(store_pid), 10, "the embedded store to stop")
    assert not (server.data_dir / "store" / "nx-27017.pid").exists()
    assert "Traceback" not in server.log_path.read_text()


async def test_two_processes_share_rooms_through_redis(
    start_server,
    redis_server: RedisProcess,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    data_dir = tmp_path / "shared"
    first: HuddleProcess = start_server(data_dir, REDIS_URL=redis_server.url)
    second: HuddleProcess = start_server(data_dir, REDIS_URL=redis_server.url)
    assert first.port != second.port
    alice = await registered(first.url, tmp_path / "alice")
    bob = await registered(second.url, tmp_path / "bob")
    try:
        await alice.join("general")
        await bob.join("general")
        sent = await bob.send("general", "sent through the second process")
        pushed = await alice.next_event("room:message", where=lambda m: m["id"] == sent["id"])
        assert pushed["text"] == "sent through the second process"
        back = await alice.send("general", "and back through the first")
        await bob.next_event("room:message", where=lambda m: m["id"] == back["id"])
    finally:
        await alice.close()
        await bob.close()


def test_a_store_orphaned_by_a_crash_is_replaced(start_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server()
    store_pid = server.store_pid()
    assert store_pid is not None
    server.kill9()
    wait_for(lambda: not _alive(store_pid), 10, "the store to die")
    # Leave a PID file naming a dead process, as a power cut would.
    (server.data_dir / "store" / "nx-27017.pid").write_text(str(store_pid))
    server.restart()
    assert server.store_pid() not in (None, store_pid)
    os.kill(server.process.pid, signal.SIGTERM)  # type: ignore[union-attr]


async def test_message_text_never_reaches_the_logs(start_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server()  # logs at DEBUG, the most verbose level
    client = await registered(server.url, tmp_path / "c")
    secret = "zebra-crossing-confession-7731"
    try:
        await client.join("burnout")
        await client.send("burnout", f"I have never told anyone: {secret}")
        await client.history("burnout")
    finally:
        await client.close()
    server.terminate()
    for log in (server.log_path, server.data_dir / "store" / "nx-27017.log"):
        text = log.read_text(errors="replace")
        assert secret not in text, log
        assert client.token not in text, log
