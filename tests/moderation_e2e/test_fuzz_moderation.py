"""Property-based: malformed payloads at every new event get error acks with a known
code, never crash the server, and leave storage unchanged (no half-written record)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from client import HuddleClient
from tests.conftest import create_invites
from tests.fuzzing import fuzz_event
from tests.server.test_fuzz import KNOWN_CODES, snapshot, values
from tests.servers import HuddleProcess

EVENTS = (
    "escalation:list", "escalation:get", "escalation:claim", "escalation:next",
    "escalation:resolve", "message:report", "reports:list", "report:resolve",
    "mod:redact", "mod:timeout", "mod:remove", "mod:ban", "mod:unban",
    "room:slowmode", "room:lock", "audit:list", "safety:request_lead",
)  # fmt: skip
FIELDS = ["id", "state", "limit", "outcome", "note", "message_id", "reason", "user", "room",
          "seconds", "locked", "actor", "action", "target", "before", "escalation_id"]  # fmt: skip
CODES = KNOWN_CODES | {"invalid_state", "already_claimed"}
# Events whose empty payload is a valid read; everything else must be refused.
READS = {"escalation:list", "escalation:next", "reports:list", "audit:list"}

payloads = st.one_of(
    values,
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), values, max_size=6),
)


async def test_malformed_moderation_payloads_get_error_acks_and_change_nothing(
    start_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # No room message is ever sent here, so the pipeline never runs: the lexical
    # analyzer spares this server the model's start-up time.
    server: HuddleProcess = start_server(
        HUDDLE_EVENT_RATE_PER_S="10000", HUDDLE_EVENT_BURST="10000", HUDDLE_CLASSIFIER="keyword"
    )
    # An admin passes every role check, so the parsers and the domain see it all.
    client = HuddleClient(server.url, state_dir=tmp_path / "fuzzer")
    await client.register(create_invites(server.url, "admin")[0])
    await client.connect()
    before = snapshot(server.data_dir)

    def checker(event: str) -> Callable[[Any, Any], None]:
        def check(payload: Any, ack: Any) -> None:
            assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
            if not ack["ok"]:
                assert ack["error"]["code"] in CODES, ack
                assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
            elif event not in READS:
                # Only an empty request_lead is valid: it notifies leads and is audited.
                assert event == "safety:request_lead", (event, payload)

        return check

    try:
        for event in EVENTS:
            if event == "safety:request_lead":
                continue
            await fuzz_event(client, event, payloads, checker(event), max_examples=25)
        assert snapshot(server.data_dir) == before
        lead_request = checker("safety:request_lead")
        await fuzz_event(client, "safety:request_lead", payloads, lead_request, max_examples=25)
        assert client.connected
        assert (await client.call("escalation:list"))["escalations"] == []
    finally:
        await client.close()
