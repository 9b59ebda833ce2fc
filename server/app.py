"""The composition root: the one module that names the concrete classes and wires them.

Storage (embedded nx-27017 or MongoDB), fan-out (in process or Redis), the socket
server and the domain services are built in one ``cleanup_ctx`` and torn down in
reverse order when the app stops.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import os
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import socketio
from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from moderation.async_analyzer import AsyncAnalyzer
from moderation.classifier import load_analyzer
from moderation.dm_reports import ModerationReportFiler
from moderation.escalations import CrisisLine, EscalationService
from moderation.guards import ModerationGuard
from moderation.pipeline import ModerationPipeline
from moderation.ports import Pager, TextAnalyzer
from moderation.room_moderation import ModerationService
from moderation.sla import SlaScheduler
from server.config import Settings
from server.domain.accounts import AccountService
from server.domain.dm import DirectMessageService, DmSettings
from server.domain.ports import RateLimiter, RoomStore
from server.domain.rooms import SEEDED_ROOMS, RoomService, SendLimits
from server.errors import ConfigError
from server.storage.audit import MongoAuditLog
from server.storage.classifier_stream import StreamAnalyzer
from server.storage.dm import (
    MongoContactStore,
    MongoEnvelopeStore,
    MongoPrekeyStore,
    create_dm_indexes,
    shared_secret,
)
from server.storage.embedded import embedded_mongo
from server.storage.escalations import MongoEscalationStore, create_escalation_indexes
from server.storage.moderation import (
    MongoReportStore,
    MongoSanctionStore,
    create_moderation_indexes,
)
from server.storage.mongo import Doc, create_indexes, mongo_database, translate
from server.storage.ratelimit import InProcessRateLimiter, RedisRateLimiter
from server.storage.retention import RetentionSweeper, create_retention_indexes, expiries
from server.storage.room_cache import CachedRoomStore
from server.storage.rooms import MongoMessageStore, MongoRoomStore
from server.storage.users import MongoInviteStore, MongoUserStore
from server.transport.broadcast import SocketIOBroadcaster
from server.transport.dm_events import register_dm_events
from server.transport.engine import LeanSocketServer
from server.transport.escalation_events import register_escalation_events
from server.transport.fanout import LocalFanOutManager, RedisFanOutManager
from server.transport.http import (
    MAX_BODY_BYTES,
    HttpApi,
    apply_security_headers,
    error_middleware,
    web_client_routes,
)
from server.transport.moderation_events import register_moderation_events
from server.transport.room_events import register_room_events
from server.transport.sockets import SocketTransport
from server.transport.webhook import WebhookPager

logger = logging.getLogger(__name__)

# Socket.IO payloads are bounded well above the largest valid event (a 4,000-character
# message, or an encrypted envelope of one), so oversized frames are dropped unread.
MAX_SOCKET_PAYLOAD_BYTES = 128 * 1024


@dataclass
class Services:
    settings: Settings
    db: AsyncDatabase[Doc]
    accounts: AccountService
    rooms: RoomService
    room_store: RoomStore
    messages: MongoMessageStore
    broadcaster: SocketIOBroadcaster
    limiter: RateLimiter
    transport: SocketTransport
    redis: Redis | None
    audit: MongoAuditLog
    escalations: EscalationService
    moderation: ModerationService
    sla: SlaScheduler
    dms: DirectMessageService


SETTINGS = web.AppKey("settings", Settings)
SIO = web.AppKey("sio", socketio.AsyncServer)
SERVICES = web.AppKey("services", Services)
HTTP_API = web.AppKey("http_api", HttpApi)


def admin_token(settings: Settings) -> str:
    """The configured admin token, or one generated once and kept in the data dir."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.data_dir / "admin-token"
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    # Printed once, to the operator's terminal, never to the log.
    print(f"Generated admin token (kept in {path}): {token}", file=sys.stderr, flush=True)
    return token


async def franking_secret(settings: Settings, db: AsyncDatabase[Doc]) -> bytes:
    """The franking MAC key: HUDDLE_FRANKING_SECRET, or one created once in the database.

    Every process behind the load balancer must use the same key, or a report of a
    message relayed by one process would fail on another; the database is what they share.
    """
    if not settings.franking_secret:
        return await shared_secret(db, "franking")
    try:
        secret = base64.urlsafe_b64decode(settings.franking_secret + "==")
    except ValueError as exc:
        raise ConfigError("HUDDLE_FRANKING_SECRET must be base64url") from exc
    if len(secret) < 32:
        raise ConfigError("HUDDLE_FRANKING_SECRET must be at least 32 bytes of base64url")
    return secret


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    sio = app[SIO]
    async with AsyncExitStack() as stack:
        url = settings.mongodb_url
        if url is None:
            url = await stack.enter_async_context(embedded_mongo(settings.data_dir))
        db = await stack.enter_async_context(mongo_database(url, settings.mongodb_db))
        await create_indexes(db)
        await create_dm_indexes(db)
        retained = expiries(settings.message_retention_days * 86400)
        await create_retention_indexes(db, retained)
        await create_escalation_indexes(db)
        await create_moderation_indexes(db)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        if redis is not None:
            stack.push_async_callback(redis.aclose)
        analyzer = await stack.enter_async_context(running_analyzer(settings, redis))
        pager = WebhookPager(settings.escalation_webhook) if settings.escalation_webhook else None
        if pager is not None:
            stack.push_async_callback(pager.close)
        services = await build_services(settings, db, sio, redis, analyzer, pager)
        app[SERVICES] = services
        # Unwound in reverse: the SLA loop stops first, then pages in flight are cancelled
        # (they stay pending in the store and the next start sends them).
        stack.push_async_callback(services.sla.close)
        sla_loop = asyncio.get_running_loop().create_task(services.sla.run(), name="SLA")
        stack.push_async_callback(_cancel, sla_loop)
        sweeper = RetentionSweeper(db, retained).run()
        sweep_loop = asyncio.get_running_loop().create_task(sweeper, name="retention")
        stack.push_async_callback(_cancel, sweep_loop)
        app[HTTP_API] = HttpApi(
            services.accounts,
            services.room_store,
            services.limiter,
            SendLimits(settings.register_rate_per_s, settings.register_burst),
            admin_token(settings),
            health=_pinger(db),
            sessions=services.broadcaster,
        )
        stack.push_async_callback(services.rooms.drain)
        stack.push_async_callback(sio.shutdown)
        logger.info(
            "huddle ready: storage=%s fan-out=%s",
            "mongodb" if settings.mongodb_url else "embedded",
            "redis" if redis is not None else "in-process",
        )
        # What start-up built lives as long as the process: keep the collector off it.
        gc.freeze()
        yield


def _pinger(db: AsyncDatabase[Doc]) -> Callable[[], Awaitable[None]]:
    @translate("check health")
    async def ping() -> None:
        await db.command("ping")

    return ping


@asynccontextmanager
async def running_analyzer(settings: Settings, redis: Redis | None) -> AsyncIterator[TextAnalyzer]:
    """The classifier: batched in a worker thread here (the default), or in separate
    ``huddle classifier-worker`` processes behind a Redis stream. Either way inference
    never blocks the event loop."""
    analyzer: StreamAnalyzer | AsyncAnalyzer
    if settings.classifier_mode == "worker" and redis is not None:
        analyzer = StreamAnalyzer(redis)
    else:
        analyzer = AsyncAnalyzer(load_analyzer(settings.classifier))
    await analyzer.start()
    logger.info("classifier ready: %s (%s)", settings.classifier, settings.classifier_mode)
    try:
        yield analyzer
    finally:
        await analyzer.close()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def build_services(
    settings: Settings,
    db: AsyncDatabase[Doc],
    sio: socketio.AsyncServer,
    redis: Redis | None,
    analyzer: TextAnalyzer,
    pager: Pager | None = None,
) -> Services:
    users = MongoUserStore(db)
    audit = MongoAuditLog(db)
    room_store = CachedRoomStore(MongoRoomStore(db))
    messages = MongoMessageStore(db)
    await room_store.seed(SEEDED_ROOMS)
    limiter: RateLimiter = RedisRateLimiter(redis) if redis is not None else InProcessRateLimiter()
    broadcaster = SocketIOBroadcaster(sio)
    accounts = AccountService(users, MongoInviteStore(db), settings.invite_ttl_s, audit)
    rooms = RoomService(
        room_store,
        messages,
        broadcaster,
        limiter,
        SendLimits(settings.send_rate_per_s, settings.send_burst),
    )
    transport = SocketTransport(
        sio, accounts, limiter, SendLimits(settings.event_rate_per_s, settings.event_burst)
    )
    register_room_events(transport, rooms, settings.history_limit)
    escalation_store = MongoEscalationStore(db)
    sanctions = MongoSanctionStore(db)
    lines = [CrisisLine(name, text) for name, text in settings.crisis_lines]
    escalations = EscalationService(
        escalation_store, messages, broadcaster, audit, settings.escalation_sla_s, lines
    )
    moderation = ModerationService(
        users, room_store, messages, MongoReportStore(db), sanctions, broadcaster, audit
    )
    dms = DirectMessageService(
        users,
        MongoPrekeyStore(db),
        MongoEnvelopeStore(db),
        MongoContactStore(db),
        ModerationReportFiler(escalations, moderation),
        broadcaster,
        limiter,
        DmSettings(await franking_secret(settings, db), ttl_s=settings.dm_ttl_s),
    )
    register_dm_events(transport, dms)
    guard = ModerationGuard(sanctions, limiter)
    rooms.add_guard(guard)
    rooms.add_join_guard(guard)
    rooms.add_observer(ModerationPipeline(analyzer, escalations, moderation))
    sla = SlaScheduler(escalation_store, broadcaster, audit, pager, settings.escalation_sla_s)
    register_escalation_events(transport, escalations)
    register_moderation_events(transport, moderation, audit)
    return Services(
        settings, db, accounts, rooms, room_store, messages, broadcaster, limiter, transport,
        redis, audit, escalations, moderation, sla, dms,
    )  # fmt: skip


def create_app(settings: Settings) -> web.Application:
    manager: socketio.AsyncManager = (
        RedisFanOutManager(settings.redis_url) if settings.redis_url else LocalFanOutManager()
    )
    sio = LeanSocketServer(
        async_mode="aiohttp",
        client_manager=manager,
        max_http_buffer_size=MAX_SOCKET_PAYLOAD_BYTES,
        cors_allowed_origins=[],
    )
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app.on_response_prepare.append(apply_security_headers)
    app[SETTINGS] = settings
    app[SIO] = sio
    sio.attach(app)
    app.router.add_routes(HttpApi.route_table(lambda request: request.app[HTTP_API]))
    app.router.add_routes(web_client_routes())
    app.cleanup_ctx.append(lifecycle)
    return app


# These libraries log whole commands and packets (message text included) at DEBUG:
# they stay at WARNING whatever HUDDLE_LOG_LEVEL says.
PAYLOAD_LOGGERS = ("pymongo", "socketio", "engineio", "aiohttp.access", "redis")


def configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("HUDDLE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# The collector's default (a young collection every 700 net allocations) took about a
# third of the CPU of a python-socketio server fanning out to rooms of 100, and its full
# collections over thousands of connections stalled the loop for 100-300 ms (see
# docs/performance.md). Fan-out garbage is acyclic and freed by reference counting, so
# collecting rarely costs little memory.
GC_THRESHOLDS = (50_000, 20, 10)


def serve() -> int:
    configure_logging()
    gc.set_threshold(*GC_THRESHOLDS)
    settings = Settings.from_env()
    app = create_app(settings)
    print(f"Huddle on http://{settings.host}:{settings.port}", file=sys.stderr, flush=True)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=None,
        shutdown_timeout=5,
    )
    return 0
