"""Socket.IO transport: authenticate connections, validate payloads, call the domain, ack.

Every client event goes through ``SocketTransport.on``: the payload is parsed into a
typed request (or refused with ``invalid_payload``), one domain method runs, and the
ack is ``{"ok": true, ...}`` or ``{"ok": false, "error": {"code", "message"}}``.
Unexpected failures are logged without the payload and answered with ``internal``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import socketio

from server.domain.accounts import AccountService
from server.domain.models import User
from server.domain.ports import RateLimiter
from server.domain.rooms import SendLimits
from server.errors import INTERNAL_ERROR, HuddleError, Unauthorized, ValidationError, error_body
from server.transport.broadcast import role_channel, user_channel

logger = logging.getLogger(__name__)

P = TypeVar("P")

USER_REFRESH_S = 2.0


@dataclass(frozen=True, slots=True)
class Connection:
    """One authenticated socket: who it is, and how to address it alone."""

    sid: str
    user: User
    sio: socketio.AsyncServer
    checked_at: float = 0.0

    async def enter(self, channel: str) -> None:
        await self.sio.enter_room(self.sid, channel)

    async def leave(self, channel: str) -> None:
        await self.sio.leave_room(self.sid, channel)

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        await self.sio.emit(event, data, to=self.sid)


Handler = Callable[[Connection, P], Awaitable[dict[str, Any]]]
ConnectHook = Callable[[Connection], Awaitable[None]]
ChannelProvider = Callable[[User], Awaitable[list[str]]]


@dataclass(frozen=True)
class _Event(Generic[P]):
    name: str
    parse: Callable[[object], P]
    handler: Handler[P]


class SocketTransport:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        accounts: AccountService,
        limiter: RateLimiter,
        event_limits: SendLimits,
    ) -> None:
        self._sio = sio
        self._accounts = accounts
        self._limiter = limiter
        # Any event, not only sends, spends from a per-connection bucket: a client that
        # floods the server with cheap reads is refused before it reaches storage.
        self._event_limits = event_limits
        self._connections: dict[str, Connection] = {}
        self._connect_hooks: list[ConnectHook] = []
        self._background: set[asyncio.Task[None]] = set()
        self._channel_providers: list[ChannelProvider] = []
        sio.on("connect", self._on_connect)
        sio.on("disconnect", self._on_disconnect)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def on(self, name: str, parse: Callable[[object], P]) -> Callable[[Handler[P]], Handler[P]]:
        """Register ``handler`` for the client event ``name``, with ``parse`` as its validator."""

        def decorate(handler: Handler[P]) -> Handler[P]:
            event = _Event(name, parse, handler)

            async def endpoint(sid: str, *args: Any) -> dict[str, Any]:
                return await self._dispatch(event, sid, args)

            self._sio.on(name, endpoint)
            return handler

        return decorate

    def channels(self, provider: ChannelProvider) -> ChannelProvider:
        """Channels a connection enters before its CONNECT is acknowledged (its rooms)."""
        self._channel_providers.append(provider)
        return provider

    def on_connect(self, hook: ConnectHook) -> ConnectHook:
        """Run ``hook`` after each successful connection (catch-up deliveries, say)."""
        self._connect_hooks.append(hook)
        return hook

    async def _dispatch(self, event: _Event[P], sid: str, args: tuple[Any, ...]) -> dict[str, Any]:
        try:
            connection = await self._current(sid)
            if len(args) > 1:
                raise ValidationError("send exactly one payload object")
            limits = self._event_limits
            await self._limiter.hit(f"events:{sid}", limits.rate_per_s, limits.burst)
            request = event.parse(args[0] if args else None)
            result = await event.handler(connection, request)
            return {"ok": True, **result}
        except HuddleError as exc:
            return error_body(exc)
        except Exception:
            logger.exception("event %s failed", event.name)
            return INTERNAL_ERROR

    async def _current(self, sid: str) -> Connection:
        """The connection, with its user re-read from storage when the copy is stale.

        A role granted or revoked in any process reaches every connection within
        USER_REFRESH_S, without a storage read on every event.
        """
        connection = self._connections.get(sid)
        if connection is None:
            raise Unauthorized("this connection is not signed in")
        now = time.monotonic()
        if now - connection.checked_at < USER_REFRESH_S:
            return connection
        user = await self._accounts.refresh(connection.user)
        connection = dataclasses.replace(connection, user=user, checked_at=now)
        if sid in self._connections:
            self._connections[sid] = connection
        return connection

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            user = await self._accounts.authenticate(token)
        except HuddleError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                exc.message, error_body(exc)["error"]
            ) from None
        connection = Connection(sid, user, self._sio, time.monotonic())
        channels = [user_channel(user.id), role_channel(user.role)]
        try:
            for provider in self._channel_providers:
                channels.extend(await provider(user))
        except HuddleError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                exc.message, error_body(exc)["error"]
            ) from None
        for channel in channels:
            await connection.enter(channel)
        self._connections[sid] = connection
        _forget_request(environ)
        if self._connect_hooks:
            # After the handler returns, python-socketio queues the CONNECT packet; hooks run
            # in a task so that what they emit is queued after it and reaches the client.
            task = asyncio.get_running_loop().create_task(self._run_connect_hooks(connection))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _run_connect_hooks(self, connection: Connection) -> None:
        for hook in self._connect_hooks:
            try:
                await hook(connection)
            except Exception:
                logger.exception("connect hook %s failed", getattr(hook, "__name__", hook))

    async def _on_disconnect(self, sid: str, *_: Any) -> None:
        self._connections.pop(sid, None)


def _forget_request(environ: dict[str, Any]) -> None:
    """Drop the handshake's WSGI environ once the connection is authenticated.

    python-socketio keeps it for the connection's life: about 2 KB per idle connection of
    header copies (user agent, forwarded-for) that Huddle never reads again. Engine.IO
    reads only ``REQUEST_METHOD`` from it after the handshake, and only for polling
    responses, so that one key stays.
    """
    method = environ.get("REQUEST_METHOD", "GET")
    environ.clear()
    environ["REQUEST_METHOD"] = method
