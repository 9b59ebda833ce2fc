"""ModerationService: reports, redaction, timeouts, removal, bans, slow mode and locks.

Supporters and above moderate; any member may report. A moderator may act only on
users of a lower role (admins on anyone). Users are named by pseudonym, never by id.
Every action is appended to the audit log with its result.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from moderation.ports import ReportStore, SanctionStore
from moderation.report_model import Report, ReportOutcome, ReportSource, ReportState
from moderation.sanction_model import Sanction, SanctionKind
from server.domain.audit import AuditEntry, AuditLog
from server.domain.models import (
    HIDDEN_NOTICE,
    MASK_NOTICE,
    Role,
    Room,
    RoomMessage,
    User,
    utcnow,
)
from server.domain.ports import Broadcaster, MessageStore, RoomStore, UserStore
from server.errors import Forbidden, InvalidState, NotFound

Action = TypeVar("Action", bound=Callable[..., Awaitable[Any]])


def refusals_audited(action: str) -> Callable[[Action], Action]:
    """Audit an attempt refused for want of rank too: the log answers "with what
    result", and repeated forbidden attempts are a signal. (Bad ids and payloads are
    not logged: a typo is not an event, and junk must not grow the log.)"""

    def decorate(method: Action) -> Action:
        @functools.wraps(method)
        async def attempt(self: ModerationService, user: User, target: object, *args: Any) -> Any:
            try:
                return await method(self, user, target, *args)
            except Forbidden as exc:
                entry = AuditEntry(user.pseudonym, action, str(target), exc.code)
                await self._audit.append(entry)
                raise

        return attempt  # type: ignore[return-value]

    return decorate


def require_supporter(user: User) -> None:
    if user.role < Role.SUPPORTER:
        raise Forbidden("only supporters and above can moderate")


class ModerationService:
    def __init__(
        self,
        users: UserStore,
        rooms: RoomStore,
        messages: MessageStore,
        reports: ReportStore,
        sanctions: SanctionStore,
        broadcaster: Broadcaster,
        audit: AuditLog,
    ) -> None:
        self._users = users
        self._rooms = rooms
        self._messages = messages
        self._reports = reports
        self._sanctions = sanctions
        self._broadcaster = broadcaster
        self._audit = audit

    # -- reports and the review queue -------------------------------------------------
    async def report(self, reporter: User, message_id: str, reason: str) -> Report:
        message = await self._message(message_id)
        if not await self._rooms.is_member(message.room, reporter.id):
            raise NotFound("no such message")
        report = await self._reports.insert(
            Report(
                id=secrets.token_hex(12),
                message_id=message.id,
                room=message.room,
                source=ReportSource.MEMBER,
                reason=reason,
                created_at=utcnow(),
                reporter_id=reporter.id,
                reporter_pseudonym=reporter.pseudonym,
                author_pseudonym=message.author.pseudonym,
            )
        )
        await self._broadcaster.to_role(Role.SUPPORTER, "review:new", await self._wire(report))
        await self._log(reporter, "report.create", message.author.pseudonym, reason, message.room)
        return report

    async def queue_for_review(self, message: RoomMessage, reason: str) -> Report:
        """The classifier's entry into the supporters' queue (concern, abusive language)."""
        report = await self._reports.insert(
            Report(
                id=secrets.token_hex(12),
                message_id=message.id,
                room=message.room,
                source=ReportSource.CLASSIFIER,
                reason=reason,
                created_at=utcnow(),
                author_pseudonym=message.author.pseudonym,
            )
        )
        await self._broadcaster.to_role(Role.SUPPORTER, "review:new", await self._wire(report))
        return report

    async def file_private(
        self, reporter: User, ref: str, author_pseudonym: str, text: str
    ) -> Report:
        """A verified DM report into the review queue. ``ref`` names the DM message, so
        a second report of it returns the first; ``text`` is the verified text."""
        candidate = Report(
            id=secrets.token_hex(12),
            message_id=ref,
            room="",
            source=ReportSource.DM,
            reason="reported a private message",
            created_at=utcnow(),
            reporter_id=reporter.id,
            reporter_pseudonym=reporter.pseudonym,
            author_pseudonym=author_pseudonym,
            text=text,
        )
        report = await self._reports.insert(candidate)
        if report.id == candidate.id:
            await self._broadcaster.to_role(Role.SUPPORTER, "review:new", await self._wire(report))
            await self._log(reporter, "report.create", author_pseudonym, report.reason, None)
        return report

    async def list_reports(
        self, user: User, state: ReportState | None, limit: int
    ) -> list[dict[str, Any]]:
        require_supporter(user)
        return [await self._wire(r) for r in await self._reports.in_state(state, limit)]

    @refusals_audited("report.resolve")
    async def resolve_report(
        self, user: User, report_id: str, outcome: ReportOutcome, note: str
    ) -> Report:
        require_supporter(user)
        resolved = await self._reports.resolve(
            report_id, user.pseudonym, outcome.value, note, utcnow()
        )
        if resolved is None:
            if await self._reports.get(report_id) is None:
                raise NotFound("no such report")
            raise InvalidState("this report is already resolved")
        if resolved.reporter_id is not None:
            await self._broadcaster.to_user(
                resolved.reporter_id, "report:updated", resolved.update_for_reporter()
            )
        await self._log(user, "report.resolve", resolved.id, outcome.value, resolved.room or None)
        return resolved

    async def _wire(self, report: Report) -> dict[str, Any]:
        if report.source == ReportSource.DM:
            return report.to_wire(report.text)
        message = await self._messages.get(report.message_id)
        return report.to_wire(message.text if message else None)

    # -- what the classifier does to a message ----------------------------------------
    async def mask(self, message: RoomMessage) -> None:
        await self._messages.flag(message.id, masked=True)
        notice = {"id": message.id, "room": message.room, "notice": MASK_NOTICE}
        await self._broadcaster.to_room(message.room, "room:masked", notice)
        await self._audit.append(
            AuditEntry("classifier", "message.mask", message.author.pseudonym,
                       room=message.room, details={"message_id": message.id})
        )  # fmt: skip

    async def hide(self, message: RoomMessage, reasons: tuple[str, ...]) -> None:
        await self._messages.flag(message.id, hidden=True)
        hidden = {"id": message.id, "room": message.room, "notice": HIDDEN_NOTICE}
        await self._broadcaster.to_room(message.room, "room:hidden", hidden)
        why = (
            "Your message was hidden because it looks like abusive language. "
            "A supporter will review it; please keep the room kind."
        )
        await self._broadcaster.to_user(
            message.author.id,
            "moderation:notice",
            {"action": "hidden", "message_id": message.id, "room": message.room,
             "reason": why, "reasons": list(reasons)},
        )  # fmt: skip
        await self.queue_for_review(message, "abusive language: " + ", ".join(reasons))
        await self._audit.append(
            AuditEntry("classifier", "message.hide", message.author.pseudonym,
                       room=message.room, details={"message_id": message.id})
        )  # fmt: skip

    # -- supporter actions ------------------------------------------------------------
    @refusals_audited("message.redact")
    async def redact(self, user: User, message_id: str, reason: str) -> RoomMessage:
        require_supporter(user)
        message = await self._message(message_id)
        self._outranks(user, message.author)
        redacted = await self._messages.redact(message_id)
        if redacted is None:
            raise NotFound("no such message")
        await self._broadcaster.to_room(
            message.room, "room:redacted", {"id": message.id, "room": message.room}
        )
        await self._log(user, "message.redact", message.author.pseudonym, reason, message.room)
        return redacted

    @refusals_audited("user.timeout")
    async def timeout(
        self, user: User, pseudonym: str, room: str, seconds: int, reason: str
    ) -> Sanction:
        require_supporter(user)
        target = await self._target(user, pseudonym)
        await self._room(room)
        now = utcnow()
        sanction = Sanction(SanctionKind.TIMEOUT, target.id, room, user.pseudonym, reason, now,
                            until=now + timedelta(seconds=seconds))  # fmt: skip
        await self._sanctions.put(sanction)
        await self._tell(target, "timeout", room, reason, seconds=seconds)
        await self._log(user, "user.timeout", target.pseudonym, reason, room, seconds=seconds)
        return sanction

    @refusals_audited("user.remove")
    async def remove(self, user: User, pseudonym: str, room: str, reason: str) -> None:
        require_supporter(user)
        target = await self._target(user, pseudonym)
        await self._room(room)
        await self._rooms.remove_member(room, target.id)
        await self._broadcaster.remove_from_room(target.id, room)
        await self._tell(target, "removed", room, reason)
        await self._log(user, "user.remove", target.pseudonym, reason, room)

    @refusals_audited("user.ban")
    async def ban(self, user: User, pseudonym: str, room: str | None, reason: str) -> Sanction:
        require_supporter(user)
        target = await self._target(user, pseudonym)
        if room is not None:
            await self._room(room)
        sanction = Sanction(SanctionKind.BAN, target.id, room, user.pseudonym, reason, utcnow())
        await self._sanctions.put(sanction)
        if room is not None:
            await self._rooms.remove_member(room, target.id)
            await self._broadcaster.remove_from_room(target.id, room)
        await self._tell(target, "banned", room, reason)
        await self._log(user, "user.ban", target.pseudonym, reason, room)
        return sanction

    @refusals_audited("user.unban")
    async def unban(self, user: User, pseudonym: str, room: str | None, reason: str) -> bool:
        require_supporter(user)
        target = await self._target(user, pseudonym)
        lifted = await self._sanctions.lift(SanctionKind.BAN.value, target.id, room)
        result = "ok" if lifted else "not_banned"
        await self._log(user, "user.unban", target.pseudonym, reason, room, result=result)
        return lifted

    @refusals_audited("room.slowmode")
    async def slowmode(self, user: User, room: str, seconds: int) -> Room:
        require_supporter(user)
        updated = await self._update_room(room, slowmode_s=seconds)
        await self._log(user, "room.slowmode", room, "", room, seconds=seconds)
        return updated

    @refusals_audited("room.lock")
    async def lock(self, user: User, room: str, locked: bool) -> Room:
        require_supporter(user)
        updated = await self._update_room(room, locked=locked)
        await self._log(user, "room.lock" if locked else "room.unlock", room, "", room)
        return updated

    # -- helpers ----------------------------------------------------------------------
    async def _update_room(self, room_id: str, **fields: object) -> Room:
        room = await self._rooms.update(room_id, **fields)
        if room is None or room.archived:
            raise NotFound("no such room")
        await self._broadcaster.to_room(room_id, "room:updated", room.to_wire())
        return room

    async def _message(self, message_id: str) -> RoomMessage:
        message = await self._messages.get(message_id)
        if message is None:
            raise NotFound("no such message")
        return message

    async def _room(self, room_id: str) -> Room:
        room = await self._rooms.get(room_id)
        if room is None or room.archived:
            raise NotFound("no such room")
        return room

    async def _target(self, actor: User, pseudonym: str) -> User:
        target = await self._users.by_pseudonym(pseudonym)
        if target is None:
            raise NotFound("no user has that pseudonym")
        self._outranks(actor, target)
        return target

    @staticmethod
    def _outranks(actor: User, target: User) -> None:
        if actor.role < Role.ADMIN and target.role >= actor.role and target.id != actor.id:
            raise Forbidden("you can only moderate users of a lower role")

    async def _tell(self, target: User, action: str, room: str | None, reason: str,
                    **details: object) -> None:  # fmt: skip
        notice = {"action": action, "room": room, "reason": reason, **details}
        await self._broadcaster.to_user(target.id, "moderation:notice", notice)

    async def _log(self, actor: User, action: str, target: str, reason: str,
                   room: str | None, result: str = "ok", **details: object) -> None:  # fmt: skip
        await self._audit.append(
            AuditEntry(actor.pseudonym, action, target, result, reason, room, dict(details))
        )
