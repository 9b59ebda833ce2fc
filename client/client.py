"""``HuddleClient``: the Python client that tests, benchmarks and scripts use.

It registers with an invite (or holds a token from elsewhere), connects over
Socket.IO, makes acknowledged requests, and lets callers await pushed events.
Its identity is kept in ``state_dir`` so a restarted client is the same user.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from client.dm import DirectMessage, SecureMessaging, report_payload

IDENTITY_FILE = "identity.json"


class HuddleClientError(Exception):
    """The server answered an ack with ``ok: false``, or an HTTP call with a 4xx/5xx."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Identity:
    token: str
    user_id: str
    pseudonym: str
    role: str


EventFilter = Callable[[Any], bool]


class HuddleClient:
    def __init__(
        self,
        base_url: str,
        state_dir: str | os.PathLike[str] | None = None,
        token: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.identity: Identity | None = None
        self._token = token
        self._events: defaultdict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2)
        self.sio.on("*", self._on_any)
        self._dm: SecureMessaging | None = None
        self._inbox: deque[DirectMessage] = deque()
        self._tasks: set[asyncio.Task[Any]] = set()
        if token is None:
            self._load_identity()

    # -- identity ---------------------------------------------------------------------
    @classmethod
    def from_token(
        cls, base_url: str, token: str, state_dir: str | os.PathLike[str] | None = None
    ) -> HuddleClient:
        """Hold a user that registered elsewhere (in the browser, say)."""
        return cls(base_url, state_dir=state_dir, token=token)

    @property
    def token(self) -> str:
        token = self.identity.token if self.identity else self._token
        if token is None:
            raise HuddleClientError("unauthorized", "register or give a token first")
        return token

    @property
    def pseudonym(self) -> str | None:
        return self.identity.pseudonym if self.identity else None

    @property
    def role(self) -> str | None:
        return self.identity.role if self.identity else None

    def _load_identity(self) -> None:
        if self.state_dir is None or not (self.state_dir / IDENTITY_FILE).exists():
            return
        self.identity = Identity(**json.loads((self.state_dir / IDENTITY_FILE).read_text()))

    def _save_identity(self) -> None:
        if self.state_dir is None or self.identity is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / IDENTITY_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(self.identity.__dict__, handle)
        os.replace(tmp, path)

    async def register(self, invite: str, pseudonym: str | None = None) -> Identity:
        body: dict[str, Any] = {"invite": invite}
        if pseudonym is not None:
            body["pseudonym"] = pseudonym
        answer = await self.http("POST", "/api/register", body)
        self.identity = Identity(
            answer["token"], answer["user_id"], answer["pseudonym"], answer["role"]
        )
        self._token = self.identity.token
        self._save_identity()
        return self.identity

    async def http(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.base_url + path, json=body, headers=headers) as response,
        ):
            answer: dict[str, Any] = await response.json(content_type=None)
        if response.status >= 400:
            error = answer.get("error", {})
            raise HuddleClientError(
                error.get("code", "?"), error.get("message", ""), response.status
            )
        return answer

    # -- connection -------------------------------------------------------------------
    async def connect(self) -> None:
        await self.sio.connect(
            self.base_url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )
        if self.state_dir is not None:
            await self.dm.publish_keys()

    async def close(self) -> None:
        await self.sio.shutdown()

    @property
    def connected(self) -> bool:
        return bool(self.sio.connected)

    async def request(self, event: str, payload: Any = None, timeout: float = 10.0) -> Any:
        """Emit ``event`` and return the raw ack (``{"ok": ...}``)."""
        return await self.sio.call(event, payload, timeout=timeout)

    async def call(self, event: str, payload: Any = None, timeout: float = 10.0) -> dict[str, Any]:
        """Emit ``event``; return the ack, or raise HuddleClientError when it is an error."""
        ack = await self.request(event, payload, timeout)
        if not isinstance(ack, dict) or not ack.get("ok"):
            error = ack.get("error", {}) if isinstance(ack, dict) else {}
            raise HuddleClientError(error.get("code", "?"), error.get("message", ""))
        return ack

    # -- pushed events ----------------------------------------------------------------
    async def _on_any(self, event: str, data: Any = None) -> None:
        if event == "keys:low" and self.state_dir is not None:
            task = asyncio.get_running_loop().create_task(self.dm.refill())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._events[event].put_nowait(data)

    async def next_event(
        self, event: str, timeout: float = 5.0, where: EventFilter | None = None
    ) -> Any:
        """Wait for the next pushed ``event`` (that ``where`` accepts, when given)."""
        queue = self._events[event]
        async with asyncio.timeout(timeout):
            while True:
                data = await queue.get()
                if where is None or where(data):
                    return data

    def drain_events(self, event: str) -> list[Any]:
        queue = self._events[event]
        items = []
        while not queue.empty():
            items.append(queue.get_nowait())
        return items

    # -- rooms ------------------------------------------------------------------------
    async def rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = (await self.call("rooms:list"))["rooms"]
        return rooms

    async def join(self, room: str) -> dict[str, Any]:
        return await self.call("room:join", {"room": room})

    async def leave(self, room: str) -> None:
        await self.call("room:leave", {"room": room})

    async def send(self, room: str, text: str, client_id: str | None = None) -> dict[str, Any]:
        client_id = client_id or secrets.token_hex(8)
        ack = await self.call("room:send", {"room": room, "text": text, "client_id": client_id})
        message: dict[str, Any] = ack["message"]
        return message

    async def history(
        self,
        room: str,
        before_seq: int | None = None,
        after_seq: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"room": room}
        for name, value in (("before_seq", before_seq), ("after_seq", after_seq), ("limit", limit)):
            if value is not None:
                query[name] = value
        messages: list[dict[str, Any]] = (await self.call("room:history", query))["messages"]
        return messages

    # -- end-to-end encrypted direct messages (docs/e2ee.md) --------------------------
    @property
    def dm(self) -> SecureMessaging:
        """Keys and sessions, kept in ``state_dir`` so a restarted client continues them."""
        if self.state_dir is None:
            raise HuddleClientError("invalid_state", "direct messages need a state_dir")
        if self._dm is None:
            self._dm = SecureMessaging(self.state_dir, self.call)
        return self._dm

    async def dm_send(self, pseudonym: str, text: str) -> dict[str, Any]:
        """Encrypt ``text`` for ``pseudonym`` and hand the envelope to the server."""
        return await self.dm.send(pseudonym, text)

    async def dm_receive(self, timeout: float = 5.0) -> DirectMessage:
        """The next decrypted message or notice (``.kind == "notice"``), in arrival order."""
        self._inbox.extend(self.dm.notices)
        self.dm.notices.clear()
        async with asyncio.timeout(timeout):
            while not self._inbox:
                wire = await self.next_event("dm:envelope", timeout=timeout)
                if isinstance(wire, dict):
                    self._inbox.extend(await self.dm.open(wire))
        return self._inbox.popleft()

    async def dm_report(self, message: DirectMessage, urgent: bool = False) -> dict[str, Any]:
        """Report a received message: reveals its text and franking key to the moderators."""
        return await self.call("dm:report", report_payload(message, urgent))

    async def dm_request(self, pseudonym: str) -> None:
        await self.call("dm:request", {"user": pseudonym})

    async def dm_accept(self, pseudonym: str) -> None:
        await self.call("dm:accept", {"user": pseudonym})

    async def dm_help(self, text: str = "", about: str | None = None) -> dict[str, Any]:
        """ "I need help now": opens an escalation with only ``text``, which the user chose."""
        payload: dict[str, Any] = {"text": text}
        if about is not None:
            payload["about"] = about
        return await self.call("dm:help", payload)

    def safety_number(self, pseudonym: str) -> str:
        return self.dm.safety_number(pseudonym)
