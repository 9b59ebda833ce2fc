"""Classification through a Redis stream: the server's side and the worker's loop.

With ``REDIS_URL`` set and ``HUDDLE_CLASSIFIER_MODE=worker``, servers do not load the
model. Each one adds ``{id, text, reply}`` to the stream ``huddle:classify``; workers
(``huddle classifier-worker``) read it in batches through the consumer group
``classifiers``, analyse each batch in a thread, publish each verdict to the asking
server's own reply stream, then acknowledge and delete the request, so message text
does not linger in Redis. A request that no verdict answers within ``timeout_s`` fails
(the pipeline logs it; delivery was never held up).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from moderation.assessment import Analysis
from moderation.classifier import Analyzer
from moderation.verdicts import analysis_from_json, analysis_to_json
from server.errors import StorageUnavailable

logger = logging.getLogger(__name__)

REQUESTS = "huddle:classify"
GROUP = "classifiers"
REPLY_PREFIX = "huddle:verdicts:"
MAX_PENDING = 100_000


class StreamAnalyzer:
    """The TextAnalyzer port over Redis streams (the server's side)."""

    def __init__(self, redis: Redis, timeout_s: float = 30.0) -> None:
        self._redis = redis
        self._timeout_s = timeout_s
        self._reply = REPLY_PREFIX + secrets.token_hex(8)
        self._waiting: dict[str, asyncio.Future[Analysis]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read_replies())

    async def analyze(self, text: str) -> Analysis:
        request_id = secrets.token_hex(8)
        future: asyncio.Future[Analysis] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            fields: Any = {"id": request_id, "text": text, "reply": self._reply}
            await self._redis.xadd(REQUESTS, fields, maxlen=MAX_PENDING, approximate=True)
            return await asyncio.wait_for(future, self._timeout_s)
        except RedisError as exc:
            raise StorageUnavailable("the classifier queue is unavailable") from exc
        finally:
            self._waiting.pop(request_id, None)

    async def _read_replies(self) -> None:
        last = "$"
        while True:
            try:
                answer: Any = await self._redis.xread({self._reply: last}, count=256, block=1000)
                for _, entries in answer or []:
                    for entry_id, fields in entries:
                        last = entry_id
                        self._resolve(fields)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("reading classifier verdicts failed")
                await asyncio.sleep(0.5)

    def _resolve(self, fields: dict[bytes, bytes]) -> None:
        future = self._waiting.get(fields[b"id"].decode())
        if future is not None and not future.done():
            future.set_result(analysis_from_json(fields[b"analysis"]))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._redis.delete(self._reply)


async def ensure_group(redis: Redis) -> None:
    try:
        await redis.xgroup_create(REQUESTS, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def run_worker(redis: Redis, analyzer: Analyzer, name: str, max_batch: int = 64) -> None:
    """Consume requests in batches until cancelled (``huddle classifier-worker``)."""
    await ensure_group(redis)
    logger.info("classifier worker %s consuming %s", name, REQUESTS)
    while True:
        try:
            answer: Any = await redis.xreadgroup(
                GROUP, name, {REQUESTS: ">"}, count=max_batch, block=1000
            )
            for _, entries in answer or []:
                await _answer_batch(redis, analyzer, entries)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("classifier worker batch failed")
            await asyncio.sleep(0.5)


async def _answer_batch(
    redis: Redis, analyzer: Analyzer, entries: list[tuple[bytes, dict[bytes, bytes]]]
) -> None:
    texts = [fields[b"text"].decode() for _, fields in entries]
    analyses = await asyncio.to_thread(analyzer.analyze, texts)
    async with redis.pipeline(transaction=False) as pipe:
        for (entry_id, fields), analysis in zip(entries, analyses, strict=True):
            reply = {"id": fields[b"id"], "analysis": analysis_to_json(analysis)}
            pipe.xadd(fields[b"reply"], reply, maxlen=10_000, approximate=True)  # type: ignore[arg-type]
            pipe.xack(REQUESTS, GROUP, entry_id)
            pipe.xdel(REQUESTS, entry_id)
        await pipe.execute()
