"""AsyncAnalyzer: concurrent texts are analysed in batches, off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from moderation.assessment import Analysis, RiskAssessment, RiskLevel
from moderation.async_analyzer import AsyncAnalyzer


class SlowAnalyzer:
    """Synchronous and slow, like a model: records its batches and its thread."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        time.sleep(0.05)
        self.batches.append(list(texts))
        self.threads.add(threading.current_thread().name)
        return [Analysis(RiskAssessment(len(t) / 100, RiskLevel.NONE)) for t in texts]


async def test_concurrent_texts_share_batches_and_keep_their_answers() -> None:
    model = SlowAnalyzer()
    analyzer = AsyncAnalyzer(model, max_batch=8, max_wait_s=0.01)
    await analyzer.start()
    try:
        texts = ["x" * n for n in range(1, 21)]
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        tick = asyncio.get_running_loop().create_task(ticker())
        results = await asyncio.gather(*(analyzer.analyze(t) for t in texts))
        tick.cancel()
    finally:
        await analyzer.close()
    assert [r.risk.risk for r in results] == [len(t) / 100 for t in texts]
    served = model.batches[1:]  # the first is the warm-up
    assert len(served) <= 4 and max(len(b) for b in served) == 8
    assert threading.main_thread().name not in model.threads
    assert ticks >= 10  # the loop kept running while the model worked


async def test_a_model_failure_fails_its_batch_not_the_batcher() -> None:
    class Flaky(SlowAnalyzer):
        def analyze(self, texts: Sequence[str]) -> list[Analysis]:
            if "boom" in texts:
                raise RuntimeError("model failure")
            return super().analyze(texts)

    analyzer = AsyncAnalyzer(Flaky(), max_wait_s=0)
    await analyzer.start()
    try:
        with pytest.raises(RuntimeError):
            await analyzer.analyze("boom")
        assert (await analyzer.analyze("fine")).risk.level == RiskLevel.NONE
    finally:
        await analyzer.close()
