"""Values and ports of the direct-message domain: prekeys, queued envelopes, contacts, reports.

Storage implements these Protocols (server/storage/dm.py); the domain sees nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from server.dm_protocol import OneTimePrekey, PublicKeys, b64url_encode
from server.domain.models import User, iso


@dataclass(frozen=True)
class QueuedEnvelope:
    """An opaque envelope waiting for its recipient's ``dm:ack``."""

    id: str
    seq: int
    sender: User
    recipient_id: str
    envelope: str
    ts: datetime
    ts_ms: int
    tag: bytes | None
    client_id: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "from": self.sender.pseudonym,
            "from_role": self.sender.role.label,
            "ts": iso(self.ts),
            "envelope": json.loads(self.envelope),
            "franking": None
            if self.tag is None
            else {"tag": b64url_encode(self.tag), "ts_ms": self.ts_ms},
        }


class ReportKind(Enum):
    DM_REPORT = "dm_report"
    HELP = "help"


@dataclass(frozen=True)
class FiledReport:
    """A verified DM report, or an "I need help now" request, on its way to moderation.

    ``text`` is only what was verified (a reported message) or chosen to be shared (help).
    ``ref`` names what is reported ("dm:" and the message's commitment), so a second
    report of the same message files nothing new.
    """

    kind: ReportKind
    urgent: bool
    reporter: User
    subject_pseudonym: str | None
    text: str
    ref: str


@dataclass(frozen=True)
class FilingReceipt:
    """Where a report went: the escalation's id when urgent, else the review report's."""

    id: str
    urgent: bool


class PrekeyStore(Protocol):
    async def publish(self, user_id: str, keys: PublicKeys) -> bool:
        """Store the identity and signed prekey; return True when the identity changed."""

    async def add_opks(self, user_id: str, opks: Sequence[OneTimePrekey]) -> None: ...

    async def clear_opks(self, user_id: str) -> None: ...

    async def keys_of(self, user_id: str) -> PublicKeys | None: ...

    async def take_opk(self, user_id: str) -> OneTimePrekey | None:
        """Atomically remove and return one one-time prekey: each is handed out once."""

    async def count_opks(self, user_id: str) -> int: ...


class EnvelopeStore(Protocol):
    async def put(
        self,
        sender: User,
        recipient_id: str,
        envelope: str,
        client_id: str,
        ts_ms: int,
        tag: bytes | None,
        expires_at: datetime,
    ) -> QueuedEnvelope:
        """Give the envelope the recipient's next seq; a resend of client_id returns the first."""

    async def pending(self, recipient_id: str, now: datetime, limit: int) -> list[QueuedEnvelope]:
        """Unexpired envelopes for ``recipient_id`` in ascending seq order."""

    async def delete(self, recipient_id: str, ids: Sequence[str]) -> int: ...


class ContactStore(Protocol):
    async def request(self, from_id: str, to_id: str) -> None: ...

    async def accept(self, by_id: str, from_id: str) -> bool:
        """Accept ``from_id``'s pending request; False when there was none."""

    async def accepted(self, a_id: str, b_id: str) -> bool: ...


class ReportFiler(Protocol):
    """Moderation's door for DM reports: urgent ones (and every help request) open an
    escalation for the peer leads; the rest join the supporters' review queue."""

    async def file(self, report: FiledReport) -> FilingReceipt: ...
