"""Property-based: malformed payloads at every event get error acks and change nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from client import HuddleClient
from tests.conftest import create_invites
from tests.fuzzing import fuzz_event
from tests.servers import HuddleProcess

EVENTS = ("rooms:list", "room:join", "room:leave", "room:send", "room:history")
KNOWN_CODES = {
    "invalid_payload",
    "too_large",
    "not_found",
    "forbidden",
    "rate_limited",
    "unauthorized",
}
SEEDED = {"general", "burnout", "night-shifts", "grief-and-loss", "after-a-patient-death",
          "new-starters", "managing-anxiety"}  # fmt: skip
FIELDS = ["room", "text", "client_id", "before_seq", "after_seq", "limit"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=60),
    st.text(min_size=4001, max_size=4100),
    st.binary(max_size=40),
    # Well-formed room ids that name no room: they pass validation and must still fail.
    st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,20}\Z").filter(lambda r: r not in SEEDED),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
payloads = st.one_of(
    values,
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), values, max_size=6),
)


def snapshot(data_dir: Path) -> str:
    with sqlite3.connect(f"file:{data_dir / 'store' / 'huddle.db'}?mode=ro", uri=True) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


def check_ack(ack: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        assert ack["error"]["code"] in KNOWN_CODES, ack
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]


async def test_malformed_payloads_get_error_acks_and_leave_storage_unchanged(
    start_server,
    tmp_path: Path,  # type: ignore[no-untyped-def]
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
            if event in ("room:join", "room:send"):
                assert ack["ok"] is False

        return check

    try:
        for event in EVENTS:
            await fuzz_event(client, event, payloads, checker(event), max_examples=40)
        # More than one argument, and no argument at all.
        check_ack(await client.sio.call("room:send", ({"room": "general"}, "extra"), timeout=5))
        assert (await client.sio.call("room:join", timeout=5))["error"]["code"] == "invalid_payload"
        assert snapshot(server.data_dir) == before
        assert client.connected
        await client.join("general")
        assert (await client.send("general", "still standing"))["seq"] >= 1
    finally:
        await client.close()
