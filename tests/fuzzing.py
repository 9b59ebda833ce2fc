"""Drive hypothesis at one socket event of a connected client.

Hypothesis runs synchronous tests, so each example is sent from a worker thread
through the test's own event loop, where the client lives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import HuddleClient


async def fuzz_event(
    client: HuddleClient,
    event: str,
    payloads: st.SearchStrategy[Any],
    check: Callable[[Any, Any], None],
    max_examples: int,
) -> None:
    """Send ``max_examples`` generated payloads as ``event``; ``check(payload, ack)`` each."""
    loop = asyncio.get_running_loop()

    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payload=payloads)
    def throw(payload: Any) -> None:
        ack = asyncio.run_coroutine_threadsafe(client.request(event, payload), loop).result(10)
        check(payload, ack)

    await asyncio.to_thread(throw)
