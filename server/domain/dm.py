"""End-to-end encrypted direct messages: prekeys, relay and queue, permissions, reports.

The service handles only public keys and opaque envelopes. Its one cryptographic act is
the franking tag it binds to each relayed commitment (server/domain/franking.py), which
later lets it verify a recipient's report. Spec: docs/e2ee.md.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from server.dm_protocol import DmHelp, DmReport, DmSend, KeysUpload
from server.domain import franking
from server.domain.dm_ports import (
    ContactStore,
    EnvelopeStore,
    FiledReport,
    FilingReceipt,
    PrekeyStore,
    QueuedEnvelope,
    ReportFiler,
    ReportKind,
)
from server.domain.models import Role, User, utcnow
from server.domain.ports import Broadcaster, RateLimiter, UserStore
from server.domain.rooms import SendLimits
from server.errors import Forbidden, NotFound

logger = logging.getLogger(__name__)

DELIVERY_BATCH = 500
DEFAULT_DM_LIMITS = SendLimits(rate_per_s=5.0, burst=30)


@dataclass(frozen=True)
class DmSettings:
    franking_secret: bytes
    ttl_s: int
    low_prekeys: int = 10
    """Below this many one-time prekeys the owner is sent ``keys:low``."""
    send_limits: SendLimits = DEFAULT_DM_LIMITS


class DirectMessageService:
    def __init__(
        self,
        users: UserStore,
        prekeys: PrekeyStore,
        envelopes: EnvelopeStore,
        contacts: ContactStore,
        reports: ReportFiler,
        broadcaster: Broadcaster,
        limiter: RateLimiter,
        settings: DmSettings,
    ) -> None:
        self._users = users
        self._prekeys = prekeys
        self._envelopes = envelopes
        self._contacts = contacts
        self._reports = reports
        self._broadcaster = broadcaster
        self._limiter = limiter
        self._settings = settings

    # -- keys -----------------------------------------------------------------

    async def upload_keys(self, user: User, upload: KeysUpload) -> int:
        """Publish keys; a new identity (reinstalled client) voids the old one-time prekeys."""
        if await self._prekeys.publish(user.id, upload.keys):
            await self._prekeys.clear_opks(user.id)
        if upload.opks:
            await self._prekeys.add_opks(user.id, upload.opks)
        return await self._prekeys.count_opks(user.id)

    async def bundle(self, requester: User, pseudonym: str) -> dict[str, Any]:
        owner = await self._peer(pseudonym)
        await self._require_may_dm(requester, owner)
        keys = await self._prekeys.keys_of(owner.id)
        if keys is None:
            raise NotFound("that user has not set up secure messages yet")
        opk = await self._prekeys.take_opk(owner.id)
        remaining = await self._prekeys.count_opks(owner.id)
        if remaining < self._settings.low_prekeys:
            await self._broadcaster.to_user(owner.id, "keys:low", {"remaining": remaining})
        bundle = keys.to_wire()
        bundle["opk"] = None if opk is None else {"id": opk.id, "pub": opk.pub}
        return bundle

    # -- who may message whom -------------------------------------------------

    async def may_dm(self, sender: User, recipient: User) -> bool:
        if sender.id == recipient.id:
            return False
        if sender.role >= Role.SUPPORTER or recipient.role >= Role.SUPPORTER:
            return True
        return await self._contacts.accepted(sender.id, recipient.id)

    async def _require_may_dm(self, sender: User, recipient: User) -> None:
        if sender.id == recipient.id:
            raise Forbidden("you cannot message yourself")
        if not await self.may_dm(sender, recipient):
            raise Forbidden("members may message another member once they accept a dm:request")

    async def request(self, user: User, pseudonym: str) -> None:
        peer = await self._peer(pseudonym)
        if peer.id == user.id:
            raise Forbidden("you cannot message yourself")
        await self._contacts.request(user.id, peer.id)
        await self._broadcaster.to_user(peer.id, "dm:request", {"from": user.pseudonym})

    async def accept(self, user: User, pseudonym: str) -> None:
        peer = await self._peer(pseudonym)
        if not await self._contacts.accept(user.id, peer.id):
            raise NotFound("no pending request from that user")
        await self._broadcaster.to_user(peer.id, "dm:accepted", {"by": user.pseudonym})

    # -- relay ----------------------------------------------------------------

    async def send(self, sender: User, request: DmSend) -> QueuedEnvelope:
        recipient = await self._peer(request.to)
        await self._require_may_dm(sender, recipient)
        limits = self._settings.send_limits
        await self._limiter.hit(f"dm:{sender.id}", limits.rate_per_s, limits.burst)
        ts_ms = int(utcnow().timestamp() * 1000)
        tag = None
        if request.commitment is not None:
            tag = franking.tag(
                self._settings.franking_secret, request.commitment, sender.id, recipient.id, ts_ms
            )
        expires_at = _from_ms(ts_ms) + timedelta(seconds=self._settings.ttl_s)
        queued = await self._envelopes.put(
            sender, recipient.id, request.envelope, request.client_id, ts_ms, tag, expires_at
        )
        await self._broadcaster.to_user(recipient.id, "dm:envelope", queued.to_wire())
        return queued

    async def ack(self, user: User, ids: tuple[str, ...]) -> int:
        """Delete what the recipient has safely stored: the server keeps nothing after."""
        return await self._envelopes.delete(user.id, ids)

    async def pending(self, user: User) -> list[QueuedEnvelope]:
        """What a (re)connecting user has waiting, oldest first."""
        return await self._envelopes.pending(user.id, utcnow(), DELIVERY_BATCH)

    # -- reports and help -----------------------------------------------------

    async def report(self, reporter: User, request: DmReport) -> FilingReceipt:
        """Verify a franked message and file it; forgeries raise Forbidden."""
        sender = await self._peer(request.sender)
        claim = franking.FrankedReport(
            plaintext=request.text.encode("utf-8"),
            franking_key=request.franking_key,
            commitment=request.commitment,
            tag=request.tag,
            sender_id=sender.id,
            recipient_id=reporter.id,
            ts_ms=request.ts_ms,
        )
        text = franking.verify_report(self._settings.franking_secret, claim)
        filed = FiledReport(
            kind=ReportKind.DM_REPORT,
            urgent=request.urgent,
            reporter=reporter,
            subject_pseudonym=sender.pseudonym,
            text=text,
            ref="dm:" + request.commitment.hex(),
        )
        return await self._file(filed)

    async def help(self, user: User, request: DmHelp) -> FilingReceipt:
        """ "I need help now": an escalation carrying only the text the user shared."""
        subject = await self._peer(request.about) if request.about else None
        filed = FiledReport(
            kind=ReportKind.HELP,
            urgent=True,
            reporter=user,
            subject_pseudonym=subject.pseudonym if subject else None,
            text=request.text,
            ref="help:" + secrets.token_hex(12),
        )
        return await self._file(filed)

    async def _file(self, report: FiledReport) -> FilingReceipt:
        receipt = await self._reports.file(report)
        logger.info("filed %s report %s (urgent=%s)", report.kind.value, receipt.id, receipt.urgent)
        return receipt

    async def _peer(self, pseudonym: str) -> User:
        user = await self._users.by_pseudonym(pseudonym)
        if user is None:
            raise NotFound("no such user")
        return user


def _from_ms(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, UTC)
