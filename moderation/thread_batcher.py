"""Run a synchronous Analyzer off the event loop, batching concurrent requests.

Texts that arrive while a batch is running (or within ``max_wait_s`` of the first)
are analysed together, up to ``max_batch`` at a time, in one dedicated worker thread:
the model sees batches, the event loop never waits on inference.

(The classifier branch is to provide ``moderation.async_analyzer.AsyncAnalyzer`` with
this interface; until it lands the server uses this one.)
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from moderation.assessment import Analysis
from moderation.classifier import Analyzer

_Request = tuple[str, "asyncio.Future[Analysis]"]


class ThreadBatchAnalyzer:
    def __init__(self, analyzer: Analyzer, max_batch: int = 64, max_wait_s: float = 0.005) -> None:
        self._analyzer = analyzer
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._queue: asyncio.Queue[_Request] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classifier")
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Warm up (the first call loads lazily-initialised sessions) before serving.
        await loop.run_in_executor(self._executor, self._analyzer.analyze, ["warm up"])
        self._worker = loop.create_task(self._run(), name="classifier batches")

    async def analyze(self, text: str) -> Analysis:
        if self._worker is None or self._worker.done():
            raise RuntimeError("the analyzer is not running")
        future: asyncio.Future[Analysis] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + self._max_wait_s
            while len(batch) < self._max_batch:
                remaining = deadline - loop.time()
                try:
                    if remaining > 0:
                        batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                    else:
                        batch.append(self._queue.get_nowait())
                except (TimeoutError, asyncio.QueueEmpty):
                    break
            await self._answer(loop, batch)

    async def _answer(self, loop: asyncio.AbstractEventLoop, batch: list[_Request]) -> None:
        texts = [text for text, _ in batch]
        try:
            analyses = await loop.run_in_executor(self._executor, self._analyzer.analyze, texts)
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), analysis in zip(batch, analyses, strict=True):
            if not future.done():
                future.set_result(analysis)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            future.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
