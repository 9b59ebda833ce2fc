"""Property-based: malformed payloads at every DM event get error acks and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from client import HuddleClient
from server.transport.dm_events import DM_EVENTS
from tests.conftest import create_invites
from tests.fuzzing import fuzz_event
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
    before = snapshot(server.data_dir)

    def checker(event: str) -> Callable[[Any, Any], None]:
        def check(payload: Any, ack: Any) -> None:
            check_ack(ack)
            if event != "dm:help":
                assert ack["ok"] is False

        return check

    try:
        for event in STORAGE_NEUTRAL:
            await fuzz_event(client, event, payloads, checker(event), max_examples=30)
        assert snapshot(server.data_dir) == before
        await fuzz_event(client, "dm:help", payloads, checker("dm:help"), max_examples=30)
        assert client.connected
    finally:
        await client.close()
