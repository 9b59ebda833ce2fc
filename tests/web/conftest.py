"""Browser fixtures: Debian's chromium driven by Playwright against real Huddle servers.

One browser per module (its own event loop), a fresh context per test so each starts
signed out, and Python clients on the same loop to talk with the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from client import HuddleClient
from tests.conftest import create_invites
from tests.servers import REPO, HuddleProcess

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts" / "web"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

playwright_api = pytest.importorskip("playwright.async_api")
if not CHROMIUM.exists():
    pytest.skip("chromium is missing: `make test` installs it", allow_module_level=True)

expect = playwright_api.expect
# The suite shares a small machine with real servers and a classifier: give the page time.
expect.set_options(timeout=10_000)
Page = playwright_api.Page
PyClientFactory = Callable[..., Awaitable[HuddleClient]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


class PageProblems:
    """Console errors (CSP violations among them), uncaught errors and dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """Expect console errors containing ``fragment`` (a refused invite logs a 401)."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def watch(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("dialog", self._on_dialog)

    def _on_console(self, message: Any) -> None:
        # A missing source map is devtools noise, not a page problem.
        if message.type == "error" and ".map" not in message.text:
            self.errors.append(message.text)

    async def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(browser: Any) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """Open a page in a fresh context; at the end, fail on any console error or dialog."""
    contexts: list[Any] = []
    problems = PageProblems()

    async def open_(viewport: dict[str, int] | None = None) -> Any:
        context = await browser.new_context(viewport=viewport or DESKTOP)
        contexts.append(context)
        page = await context.new_page()
        problems.watch(page)
        return page

    open_.problems = problems  # type: ignore[attr-defined]
    yield open_
    for context in contexts:
        await context.close()
    assert problems.dialogs == [], f"dialogs opened: {problems.dialogs}"
    assert problems.unexpected() == [], f"console errors: {problems.errors}"


@pytest_asyncio.fixture(loop_scope="module")
async def py_client(server: HuddleProcess, tmp_path: Path) -> AsyncIterator[PyClientFactory]:
    """A registered, connected Python client on the browser's event loop."""
    clients: list[HuddleClient] = []

    async def make(
        role: str = "member", base_url: str | None = None, **kwargs: Any
    ) -> HuddleClient:
        url = base_url or server.url
        client = HuddleClient(url, state_dir=tmp_path / f"py-{len(clients)}")
        clients.append(client)
        await client.register(create_invites(url, role)[0], **kwargs)
        await client.connect()
        return client

    yield make
    for client in clients:
        await client.close()


async def join(page: Any, base_url: str, role: str = "member", pseudonym: str | None = None) -> str:
    """Join through the form; return the pseudonym the page signed in with."""
    await page.goto(base_url + "/")
    await page.get_by_label("Invite code").fill(create_invites(base_url, role)[0])
    if pseudonym:
        await page.get_by_label("Pseudonym (optional)").fill(pseudonym)
    await page.get_by_role("button", name="Join", exact=True).click()
    await expect(page.get_by_role("heading", name="Rooms", level=1)).to_be_visible()
    await expect(page.get_by_role("link", name="Night shifts")).to_be_visible()
    session = await page.evaluate("localStorage.getItem('huddle.session')")
    return str(json.loads(session)["pseudonym"])


async def open_room(page: Any, title: str = "Night shifts") -> None:
    await page.get_by_role("link", name=title, exact=True).click()
    await expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    await expect(page.locator(".room-status")).to_be_hidden()


async def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (vendored, injected) and return serious and critical violations."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the devtools protocol: the page's CSP rightly refuses inline script tags.
        await page.evaluate(AXE.read_text())
    results = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"][:3]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def check_screen(page: Any, name: str) -> None:
    """Screenshot the screen as an artifact, then require a clean axe-core scan."""
    await screenshot(page, name)
    assert await axe_violations(page) == [], name


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
