"""``huddle classifier-worker``: one process that classifies for every server via Redis."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from redis.asyncio import Redis

from server.app import configure_logging
from server.config import Settings
from server.errors import ConfigError
from server.storage.classifier_stream import run_worker

logger = logging.getLogger(__name__)


async def _serve(settings: Settings) -> None:
    from moderation.classifier import load_analyzer

    if settings.redis_url is None:
        raise ConfigError("the classifier worker needs REDIS_URL")
    analyzer = load_analyzer(settings.classifier)
    redis = Redis.from_url(settings.redis_url)
    name = f"{socket.gethostname()}-{os.getpid()}"
    try:
        await run_worker(redis, analyzer, name)
    finally:
        await redis.aclose()


def run() -> int:
    configure_logging()
    try:
        asyncio.run(_serve(Settings.from_env()))
    except KeyboardInterrupt:
        return 0
    return 0
