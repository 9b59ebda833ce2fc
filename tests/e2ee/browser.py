"""Real headless Chromium (Debian's, never a downloaded one) and a static server for it.

WebCrypto only exists in secure contexts, so pages are served from 127.0.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from playwright.async_api import Browser, async_playwright

from tests.servers import serve_in_process

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BLANK = "<!doctype html><meta charset=utf-8><title>e2ee tests</title>"


@asynccontextmanager
async def static_site(extra: web.Application | None = None) -> AsyncIterator[str]:
    """Serve web/ under /web/ and tests/ under /tests/ on an ephemeral localhost port."""
    app = extra or web.Application()

    async def blank(_: web.Request) -> web.Response:
        return web.Response(text=BLANK, content_type="text/html")

    app.router.add_get("/blank", blank)
    app.router.add_static("/web/", ROOT / "web")
    app.router.add_static("/tests/", ROOT / "tests")
    async with serve_in_process(app) as port:
        yield f"http://127.0.0.1:{port}"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
            ],
        )
        try:
            yield browser
        finally:
            await browser.close()
