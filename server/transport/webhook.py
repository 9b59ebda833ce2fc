"""The Pager port over HTTP: POST an overdue escalation to clinical on-call's webhook.

Each page is tried up to ``attempts`` times with exponential backoff (0.5 s, 1 s, 2 s...
capped at ``max_backoff_s``); any 2xx counts as delivered. Failures are converted to
``PageFailed``; the webhook URL may carry a secret, so it is never logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)


class PageFailed(Exception):
    """Every attempt to deliver a page failed."""


class WebhookPager:
    def __init__(
        self,
        url: str,
        attempts: int = 5,
        first_backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        timeout_s: float = 5.0,
    ) -> None:
        self._url = url
        self._attempts = attempts
        self._first_backoff_s = first_backoff_s
        self._max_backoff_s = max_backoff_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def page(self, payload: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        backoff = self._first_backoff_s
        for attempt in range(1, self._attempts + 1):
            try:
                async with self._session.post(self._url, json=payload) as response:
                    if 200 <= response.status < 300:
                        return
                    failure = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = type(exc).__name__
            logger.warning("webhook attempt %d/%d failed: %s", attempt, self._attempts, failure)
            if attempt < self._attempts:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
        raise PageFailed(f"the webhook refused {self._attempts} attempts")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
