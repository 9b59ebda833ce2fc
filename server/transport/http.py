"""HTTP routes: health, invites, registration, room administration, roles, and the web client."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web
from multidict import istr

from server.domain.accounts import AccountService
from server.domain.models import Role, Room
from server.domain.ports import Broadcaster, RateLimiter, RoomStore
from server.domain.rooms import SendLimits
from server.errors import (
    INTERNAL_ERROR,
    HuddleError,
    NotFound,
    TooLarge,
    Unauthorized,
    ValidationError,
    error_body,
)
from server.protocol import Fields, parse_invite_request, parse_new_room, parse_register

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
WEB_ROOT = Path(__file__).resolve().parents[2] / "web"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
# Keys are istr, the form CIMultiDict stores: with plain str keys every response, the
# WebSocket upgrade that lives as long as its connection included, got its own copy of
# each name, and another when the headers were serialised (1.6 KB per open socket).
SECURITY_HEADERS = {
    istr("Content-Security-Policy"): CONTENT_SECURITY_POLICY,
    istr("X-Content-Type-Options"): "nosniff",
    istr("X-Frame-Options"): "DENY",
    istr("Referrer-Policy"): "no-referrer",
    istr("Cross-Origin-Opener-Policy"): "same-origin",
    istr("Cross-Origin-Resource-Policy"): "same-origin",
    istr("Permissions-Policy"): "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json_error(exc: HuddleError) -> web.Response:
    body = error_body(exc)
    del body["ok"]
    return web.json_response(body, status=exc.status)


@web.middleware
def error_middleware(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Turn errors into JSON responses; WebSocket upgrades pass straight through.

    Wrapping an upgrade would keep a suspended coroutine of ours for as long as its socket
    is open (about 0.4 KB per connection), and once the upgrade is answered no JSON error can
    follow it anyway. Engine.IO answers a bad handshake itself; aiohttp logs anything else.
    """
    if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
        return handler(request)
    return _json_errors(request, handler)


async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HuddleError as exc:
        return _json_error(exc)
    except web.HTTPRequestEntityTooLarge:
        return _json_error(TooLarge(f"request bodies are limited to {MAX_BODY_BYTES} bytes"))
    except web.HTTPException as exc:
        if request.path.startswith("/api/") and exc.status >= 400:
            error = HuddleError(exc.reason)
            error.code = "not_found" if exc.status == 404 else "invalid_request"
            error.status = exc.status
            return _json_error(error)
        raise
    except Exception:
        logger.exception("HTTP %s %s failed", request.method, request.path)
        body = dict(INTERNAL_ERROR)
        del body["ok"]
        return web.json_response(body, status=500)


async def apply_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` signal, so error responses get the headers too."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"


async def read_json(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise TooLarge(f"request bodies are limited to {MAX_BODY_BYTES} bytes")
    raw = await request.read()
    if not raw:
        raise ValidationError("a JSON body is required")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("the body is not valid JSON") from None


class HttpApi:
    """The HTTP endpoints. Admin calls take the admin token or an admin user's token."""

    def __init__(
        self,
        accounts: AccountService,
        rooms: RoomStore,
        limiter: RateLimiter,
        register_limits: SendLimits,
        admin_token: str,
        health: Callable[[], Awaitable[None]],
        sessions: Broadcaster,
    ) -> None:
        self._sessions = sessions
        self._accounts = accounts
        self._rooms = rooms
        self._limiter = limiter
        self._register_limits = register_limits
        self._admin_token = admin_token
        self._health = health

    ROUTES = (
        ("GET", "/healthz", "healthz"),
        ("POST", "/api/invites", "create_invites"),
        ("POST", "/api/register", "register"),
        ("POST", "/api/rooms", "create_room"),
        ("POST", "/api/rooms/{room}/archive", "archive_room"),
        ("POST", "/api/users/{pseudonym}/role", "set_role"),
        ("DELETE", "/api/users/{pseudonym}/role", "revoke_role"),
    )

    @classmethod
    def route_table(cls, api_of: Callable[[web.Request], HttpApi]) -> list[web.RouteDef]:
        """Routes are added before start-up builds the API; each request finds it then."""

        def route(method: str, path: str, name: str) -> web.RouteDef:
            async def handle(request: web.Request) -> web.StreamResponse:
                endpoint: Handler = getattr(api_of(request), name)
                return await endpoint(request)

            return web.route(method, path, handle)

        return [route(method, path, name) for method, path, name in cls.ROUTES]

    async def healthz(self, request: web.Request) -> web.Response:
        await self._health()
        return web.json_response({"status": "ok"})

    async def require_admin(self, request: web.Request) -> str:
        """Return who acts: ``admin-token`` or the admin user's pseudonym."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("an admin bearer token is required")
        if hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return "admin-token"
        user = await self._accounts.authenticate(token)
        if user.role < Role.ADMIN:
            raise Unauthorized("an admin bearer token is required")
        return user.pseudonym

    async def create_invites(self, request: web.Request) -> web.Response:
        await self.require_admin(request)
        invite = parse_invite_request(await read_json(request))
        codes = await self._accounts.create_invites(Role.parse(invite.role), invite.count)
        return web.json_response({"codes": codes}, status=201)

    async def register(self, request: web.Request) -> web.Response:
        limits = self._register_limits
        await self._limiter.hit(f"register:{request.remote}", limits.rate_per_s, limits.burst)
        form = parse_register(await read_json(request))
        registration = await self._accounts.register(form.invite, form.pseudonym)
        user = registration.user
        body = {
            "token": registration.token,
            "user_id": user.id,
            "pseudonym": user.pseudonym,
            "role": user.role.label,
        }
        return web.json_response(body, status=201)

    async def create_room(self, request: web.Request) -> web.Response:
        await self.require_admin(request)
        new = parse_new_room(await read_json(request))
        room = Room(new.id, new.title, new.description)
        await self._rooms.create(room)
        return web.json_response({"room": room.to_wire()}, status=201)

    async def archive_room(self, request: web.Request) -> web.Response:
        await self.require_admin(request)
        room_id = Fields({"room": request.match_info["room"]}).room()
        room = await self._rooms.update(room_id, archived=True)
        if room is None:
            raise NotFound("no such room")
        return web.json_response({"room": room.to_wire(), "archived": True})

    async def set_role(self, request: web.Request) -> web.Response:
        actor = await self.require_admin(request)
        role = Role.parse(Fields(await read_json(request)).text("role", max_chars=16))
        return await self._grant(actor, request.match_info["pseudonym"], role)

    async def revoke_role(self, request: web.Request) -> web.Response:
        actor = await self.require_admin(request)
        return await self._grant(actor, request.match_info["pseudonym"], Role.MEMBER)

    async def _grant(self, actor: str, pseudonym: str, role: Role) -> web.Response:
        user, previous = await self._accounts.grant(actor, pseudonym, role)
        if role < previous:
            # A revoke applies at once: end the live sessions held here (every connection
            # elsewhere re-reads its role within USER_REFRESH_S). A promotion just waits
            # for that refresh, without cutting anyone off.
            await self._sessions.disconnect_user(user.id)
        return web.json_response(
            {"pseudonym": user.pseudonym, "role": user.role.label, "previous": previous.label}
        )


def web_client_routes() -> list[web.AbstractRouteDef]:
    """Serve the browser client from web/ when it exists (no build step)."""
    if not (WEB_ROOT / "index.html").exists():
        return []

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_ROOT / "index.html")

    return [web.get("/", index), web.static("/static", WEB_ROOT, follow_symlinks=False)]
