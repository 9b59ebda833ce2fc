"""Run a synchronous Analyzer from an event loop without blocking it.

Concurrent ``analyze`` calls are gathered into batches (up to ``max_batch`` texts, or
whatever arrived within ``max_wait_s``) and run in a single worker thread, so the model
sees one batch at a time and the loop only ever awaits futures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from moderation.assessment import Analysis
from moderation.classifier import Analyzer

logger = logging.getLogger(__name__)

_Item = tuple[str, "asyncio.Future[Analysis]"]


class AsyncAnalyzer:
    def __init__(self, analyzer: Analyzer, max_batch: int = 64, max_wait_s: float = 0.005) -> None:
        self._analyzer = analyzer
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("AsyncAnalyzer already started")
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyzer")
        self._task = asyncio.create_task(self._run(), name="async-analyzer")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._queue is not None:
            while not self._queue.empty():
                _, future = self._queue.get_nowait()
                if not future.done():
                    future.set_exception(RuntimeError("AsyncAnalyzer closed"))
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def analyze(self, text: str) -> Analysis:
        if self._queue is None or self._task is None:
            raise RuntimeError("AsyncAnalyzer not started: await start() first")
        future: asyncio.Future[Analysis] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        return await future

    async def analyze_many(self, texts: Sequence[str]) -> list[Analysis]:
        return list(await asyncio.gather(*(self.analyze(t) for t in texts)))

    async def _next_batch(self) -> list[_Item]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self._max_wait_s
        while len(batch) < self._max_batch:
            timeout = deadline - asyncio.get_running_loop().time()
            if timeout <= 0 and self._queue.empty():
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), max(timeout, 0)))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            texts = [text for text, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._analyzer.analyze, texts)
            except Exception as exc:
                logger.exception("analyzer failed on a batch of %d messages", len(texts))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
