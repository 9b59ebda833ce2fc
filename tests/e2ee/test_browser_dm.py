"""Real headless Chromium (web/js/e2ee over WebCrypto) and the Python client in one conversation:
both directions, out-of-order delivery, each side offline in turn, and a browser restart."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page

from client import HuddleClient
from tests.conftest import ClientFactory
from tests.e2ee.browser import chromium
from tests.e2ee.test_dm_relay import reopen
from tests.servers import HuddleProcess

HARNESS = "/static/e2ee-harness.html"


async def open_harness(page: Page, server: HuddleProcess, account: str, token: str) -> None:
    # Served by Huddle itself, under its Content-Security-Policy (no inline script).
    await page.goto(f"{server.url}{HARNESS}")
    # Not wait_for_function: it evaluates strings, which the page's CSP rightly forbids.
    await page.wait_for_selector("html[data-ready=true]", state="attached")
    await page.evaluate("([a, t]) => harness.start(a, t)", [account, token])


async def until(page: Page, expression: str, value: object, timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if await page.evaluate(expression) == value:
                return
            await asyncio.sleep(0.05)


async def receive(page: Page, timeout_ms: int = 5000) -> dict[str, Any]:
    message: dict[str, Any] = await page.evaluate("(t) => harness.receive(t)", timeout_ms)
    return message


async def test_chromium_and_python_talk_both_ways(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    web_user = await make_client(connect=False)  # a member, registered; the browser holds it
    py: HuddleClient = await make_client(role="supporter")
    assert web_user.pseudonym and py.pseudonym
    errors: list[str] = []
    async with chromium() as browser:
        context = await browser.new_context()
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await open_harness(page, server, web_user.pseudonym, web_user.token)

        # The browser starts the session (X3DH from Python's bundle), then both ways.
        await page.evaluate("([p, t]) => harness.send(p, t)", [py.pseudonym, "hello from Chromium"])
        got = await py.dm_receive(timeout=5)
        assert (got.sender, got.text) == (web_user.pseudonym, "hello from Chromium")
        await py.dm_send(web_user.pseudonym, "hello from Python ✓")
        back = await receive(page)
        assert (back["kind"], back["sender"], back["text"]) == (
            "text",
            py.pseudonym,
            "hello from Python ✓",
        )
        filed = await page.evaluate("(i) => harness.report(i, false)", back["index"])
        assert filed["ok"] is True and filed["report"]["urgent"] is False
        web_number = await page.evaluate("(p) => harness.safetyNumber(p)", py.pseudonym)
        assert web_number.replace(" ", "") == py.safety_number(web_user.pseudonym)

        # Out of order into the browser.
        await page.evaluate("harness.hold()")
        for i in range(3):
            await py.dm_send(web_user.pseudonym, f"py {i}")
        await until(page, "harness.heldCount()", 3)
        await page.evaluate("harness.release([2, 0, 1])")
        assert [(await receive(page))["text"] for _ in range(3)] == ["py 2", "py 0", "py 1"]

        # Out of order into Python.
        for i in range(3):
            await page.evaluate("([p, t]) => harness.send(p, t)", [py.pseudonym, f"web {i}"])
        wires = [await py.next_event("dm:envelope", timeout=5) for _ in range(3)]
        opened = [m.text for w in (wires[1], wires[2], wires[0]) for m in await py.dm.open(w)]
        assert opened == ["web 1", "web 2", "web 0"]

        # The browser goes offline; Python's messages queue and arrive in order on reload,
        # with the sessions restored from IndexedDB.
        await page.evaluate("harness.close()")
        for i in range(3):
            await py.dm_send(web_user.pseudonym, f"while you were away {i}")
        await page.reload()
        await open_harness(page, server, web_user.pseudonym, web_user.token)
        assert await page.evaluate("harness.anyExtractable()") is False  # restored from IndexedDB
        queued = [(await receive(page))["text"] for _ in range(3)]
        assert queued == [f"while you were away {i}" for i in range(3)]

        # Python goes offline; the browser's messages wait for it.
        await py.close()
        for i in range(2):
            await page.evaluate("([p, t]) => harness.send(p, t)", [py.pseudonym, f"later {i}"])
        py = await reopen(py)
        try:
            assert [(await py.dm_receive(timeout=5)).text for _ in range(2)] == [
                "later 0",
                "later 1",
            ]
            await py.dm_send(web_user.pseudonym, "glad you're back")
            assert (await receive(page))["text"] == "glad you're back"
        finally:
            await py.close()
        await context.close()
    assert errors == []
