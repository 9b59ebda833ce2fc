"""End-to-end encrypted direct messages for HuddleClient (protocol: docs/e2ee.md).

Keys and sessions live in ``state_dir/e2ee.json`` and are saved before anything that
depends on them leaves the client: a new ratchet step before its envelope is sent, a
decrypted message before it is acked. Decrypted text is only ever held in memory.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.e2ee import envelope as env
from client.e2ee import state as e2ee_state
from client.e2ee.encoding import b64d, b64e
from client.e2ee.errors import BadEnvelope, E2EEError, NoSession
from client.e2ee.sessions import Incoming, SecureSessions

logger = logging.getLogger(__name__)

STATE_FILE = "e2ee.json"
OPK_BATCH = 50
OPK_LOW = 20
SEEN_IDS = 4096
"""Envelope ids remembered to ignore a redelivery (the ratchet refuses older replays)."""

Call = Callable[[str, Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Franking:
    """What a recipient needs to report a message: kept in memory, never written to disk."""

    franking_key: bytes
    commitment: bytes
    tag: bytes
    ts_ms: int


@dataclass(frozen=True)
class DirectMessage:
    """A decrypted direct message, or (``kind == "notice"``) something the user must be told."""

    sender: str
    text: str
    sent_at: datetime
    id: str = ""
    kind: str = "text"
    notice: str | None = None
    franking: Franking | None = field(default=None, repr=False)


def _parse_ts(raw: object) -> datetime:
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


class SecureMessaging:
    def __init__(self, state_dir: Path, call: Call) -> None:
        self._path = state_dir / STATE_FILE
        self._call = call
        self._sessions: SecureSessions | None = None
        self._lock = asyncio.Lock()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.notices: list[DirectMessage] = []
        """Notices raised while sending (a peer's identity changed), for dm_receive."""

    @property
    def sessions(self) -> SecureSessions:
        if self._sessions is None:
            self._sessions = e2ee_state.load_or_create(self._path)
        return self._sessions

    async def _save(self) -> None:
        # Snapshot on the loop (consistent state), write and fsync in a thread.
        data = e2ee_state.dump(self.sessions)
        await asyncio.to_thread(e2ee_state.write_private, self._path, data)

    async def publish_keys(self) -> int:
        """Upload identity and signed prekey, topping up one-time prekeys when they run low."""
        async with self._lock:
            if self.sessions.rotate_spk_if_due(time.time()):
                await self._save()
            payload = self.sessions.upload_payload(0)
            count = int((await self._call("keys:upload", payload))["opk_count"])
            if count < OPK_LOW:
                count = await self._refill()
            return count

    async def _refill(self) -> int:
        payload = self.sessions.upload_payload(OPK_BATCH)
        await self._save()  # the private halves exist on disk before the public ones leave
        return int((await self._call("keys:upload", payload))["opk_count"])

    async def refill(self) -> int:
        async with self._lock:
            return await self._refill()

    async def send(self, peer: str, text: str) -> dict[str, Any]:
        async with self._lock:
            if not self.sessions.has_session(peer):
                bundle = (await self._call("keys:bundle", {"user": peer}))["bundle"]
                now = datetime.now(UTC)
                for n in self.sessions.start(peer, bundle):
                    self.notices.append(_notice(peer, now, "", n.kind, n.text))
            out = self.sessions.encrypt(peer, text)
            await self._save()
            payload = {"to": peer, "envelope": out.envelope.to_json(), "client_id": _client_id()}
        return await self._call("dm:send", payload)

    async def open(self, wire: dict[str, Any]) -> list[DirectMessage]:
        """Turn one pushed ``dm:envelope`` into messages and notices; ack it once stored."""
        envelope_id = str(wire.get("id", ""))
        if envelope_id in self._seen:
            return []
        sender = str(wire.get("from", ""))
        sent_at = _parse_ts(wire.get("ts"))
        async with self._lock:
            out = self._decrypt(sender, sent_at, envelope_id, wire)
            await self._save()
        if isinstance(out, env.Envelope):  # we cannot read it: ask the sender to start over
            await self._send_reset(sender, out)
            out = [_notice(sender, sent_at, envelope_id, "undecryptable",
                           f"A message from {sender} could not be decrypted; "
                           "a new secure session has been requested.")]  # fmt: skip
        self._seen[envelope_id] = None
        while len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)
        await self._call("dm:ack", {"ids": [envelope_id]})
        return out

    def _decrypt(
        self, sender: str, sent_at: datetime, envelope_id: str, wire: dict[str, Any]
    ) -> list[DirectMessage] | env.Envelope:
        try:
            parsed = env.parse(wire.get("envelope"))
            if parsed.type == "reset":
                notice = self.sessions.on_reset(sender, parsed.sid)
                return [] if notice is None else [
                    _notice(sender, sent_at, envelope_id, notice.kind, notice.text)
                ]  # fmt: skip
            incoming = self.sessions.decrypt(sender, parsed)
        except NoSession:
            return parsed
        except E2EEError as exc:
            # Tampered, forged or replayed: never shown. Logged without content.
            logger.warning("dropped an envelope from the relay: %s", type(exc).__name__)
            return []
        return _messages(sender, sent_at, envelope_id, incoming, wire.get("franking"))

    async def _send_reset(self, peer: str, undecryptable: env.Envelope) -> None:
        reset = self.sessions.reset_envelope(undecryptable.sid).to_json()
        try:
            await self._call("dm:send", {"to": peer, "envelope": reset, "client_id": _client_id()})
        except Exception as exc:  # a reset that cannot be sent is retried by the next message
            logger.warning("could not send a session reset: %s", type(exc).__name__)

    def safety_number(self, peer: str) -> str:
        return self.sessions.safety_number(peer)


def _client_id() -> str:
    return "dm-" + secrets.token_hex(8)


def _notice(
    sender: str, sent_at: datetime, envelope_id: str, kind: str, text: str
) -> DirectMessage:
    return DirectMessage(sender, text, sent_at, envelope_id, kind="notice", notice=kind)


def _messages(
    sender: str, sent_at: datetime, envelope_id: str, incoming: Incoming, franking: object
) -> list[DirectMessage]:
    out = [_notice(sender, sent_at, envelope_id, n.kind, n.text) for n in incoming.notices]
    ticket = None
    if isinstance(franking, dict) and isinstance(franking.get("tag"), str):
        try:
            ticket = Franking(
                incoming.franking_key,
                incoming.commitment,
                b64d(franking["tag"], 32),
                int(franking["ts_ms"]),
            )
        except (BadEnvelope, KeyError, TypeError, ValueError):
            ticket = None
    out.append(DirectMessage(sender, incoming.text, sent_at, envelope_id, franking=ticket))
    return out


def report_payload(message: DirectMessage, urgent: bool) -> dict[str, Any]:
    if message.franking is None or message.kind != "text":
        raise ValueError("only received text messages with a franking tag can be reported")
    f = message.franking
    return {
        "from": message.sender,
        "text": message.text,
        "franking_key": b64e(f.franking_key),
        "commitment": b64e(f.commitment),
        "tag": b64e(f.tag),
        "ts_ms": f.ts_ms,
        "urgent": urgent,
    }
