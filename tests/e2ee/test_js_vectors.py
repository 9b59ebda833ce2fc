"""web/js/e2ee, running in real Chromium, must pass the same vectors as the Python client."""

from __future__ import annotations

import pytest

from tests.e2ee.browser import chromium, static_site
from tests.e2ee.vectors import load

NAMES = ("kdf", "x3dh", "conversation", "franking", "safety", "envelope")


async def test_javascript_passes_every_vector() -> None:
    vectors = {name: load(name) for name in NAMES}
    async with static_site() as base, chromium() as browser:
        page = await browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{base}/blank")
        result = await page.evaluate(
            "async (v) => (await import('/tests/e2ee/js/run_vectors.js')).runVectors(v)", vectors
        )
    assert errors == []
    assert result["failures"] == []
    assert result["checks"] >= 100


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
