"""Property-based: malformed payloads at every DM event get error acks and change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import HuddleClient
from server.transport.dm_events import DM_EVENTS
from tests.conftest import create_invites
from tests.server.test_fuzz import check_ack, snapshot, values
from tests.servers import HuddleProcess

FIELDS = [
    "to", "envelope", "client_id", "ids", "user", "identity", "spk", "opks", "from", "text",
    "franking_key", "commitment", "tag", "ts_ms", "urgent", "about", "v", "type", "sid",
]  # fmt: skip
b64ish = st.from_regex(r"\A[A-Za-z0-9_-]{0,90}\Z")
envelopes = st.fixed_dictionaries(
    {"v": st.sampled_from([1, 2, "1"]), "type": st.sampled_from(["msg", "reset", "x"])},
    optional={"sid": b64ish, "commitment": b64ish, "ct": b64ish, "header": b64ish},
)
payloads = st.one_of(
    values,
    st.dictionaries(st.sampled_from(FIELDS), values | b64ish | envelopes, max_size=7),
)
# dm:help opens an escalation with whatever text it is given, so it changes storage.
STORAGE_NEUTRAL = tuple(e for e in DM_EVENTS if e != "dm:help")


async def test_malformed_dm_payloads_get_error_acks_and_leave_storage_unchanged(
    start_server: Any, tmp_path: Path
) -> None:
    server: HuddleProcess = start_server(
        HUDDLE_EVENT_RATE_PER_S="10000", HUDDLE_EVENT_BURST="10000"
    )
    client = HuddleClient(server.url, state_dir=tmp_path / "fuzzer")
    await client.register(create_invites(server.url)[0])
    await client.connect()
    loop = asyncio.get_running_loop()
    before = snapshot(server.data_dir)

    def fuzz(event: str) -> None:
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        @given(payload=payloads)
        def throw(payload: Any) -> None:
            ack = asyncio.run_coroutine_threadsafe(client.request(event, payload), loop).result(10)
            check_ack(ack)
            if event != "dm:help":
                assert ack["ok"] is False

        throw()

    try:
        for event in STORAGE_NEUTRAL:
            await asyncio.to_thread(fuzz, event)
        assert snapshot(server.data_dir) == before
        await asyncio.to_thread(fuzz, "dm:help")
        assert client.connected
    finally:
        await client.close()
