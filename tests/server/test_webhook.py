"""WebhookPager against a real local HTTP receiver: retries with backoff, then gives up."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from server.transport.webhook import PageFailed, WebhookPager
from tests.servers import free_port


@pytest.fixture
async def receiver() -> AsyncIterator[Callable[[list[int]], str]]:
    runners: list[web.AppRunner] = []
    attempts: list[float] = []

    async def start(statuses: list[int]) -> str:
        async def handle(request: web.Request) -> web.Response:
            attempts.append(time.monotonic())
            await request.json()
            return web.Response(status=statuses.pop(0) if statuses else 200)

        app = web.Application()
        app.router.add_post("/hook", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}/hook"

    start.attempts = attempts  # type: ignore[attr-defined]
    yield start  # type: ignore[misc]
    for runner in runners:
        await runner.cleanup()


async def test_retries_with_exponential_backoff_until_delivered(receiver) -> None:  # type: ignore[no-untyped-def]
    url = await receiver([500, 503])
    pager = WebhookPager(url, attempts=4, first_backoff_s=0.1)
    try:
        await pager.page({"type": "escalation.overdue", "id": "e1"})
    finally:
        await pager.close()
    times = receiver.attempts
    assert len(times) == 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19  # 0.1 s, then doubled


async def test_gives_up_after_its_attempts(receiver) -> None:  # type: ignore[no-untyped-def]
    url = await receiver([500] * 10)
    pager = WebhookPager(url, attempts=3, first_backoff_s=0.01)
    try:
        with pytest.raises(PageFailed):
            await pager.page({"id": "e2"})
    finally:
        await pager.close()
    assert len(receiver.attempts) == 3


async def test_an_unreachable_receiver_is_a_failed_page() -> None:
    pager = WebhookPager(f"http://127.0.0.1:{free_port()}/hook", attempts=2, first_backoff_s=0.01)
    try:
        with pytest.raises(PageFailed):
            await pager.page({"id": "e3"})
    finally:
        await pager.close()
