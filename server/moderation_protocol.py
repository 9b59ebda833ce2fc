"""Payloads of the escalation, safety, moderation and audit events, and their parsers.

Like server/protocol.py: no I/O, one error type (``ValidationError``), messages that
name the field but never echo what the client sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from moderation.escalation_model import EscalationState, Outcome
from moderation.report_model import ReportOutcome, ReportState
from server.domain.audit import AuditQuery
from server.domain.pseudonyms import PSEUDONYM_RE
from server.errors import ValidationError
from server.protocol import ID_RE, ROOM_ID_RE, Fields

MAX_REASON_CHARS = 500
MAX_NOTE_CHARS = 2000
MAX_LIST = 200
MAX_TIMEOUT_S = 30 * 24 * 3600
MAX_SLOWMODE_S = 3600
_ID = "an id (1-64 letters, digits, '_' or '-')"
_PSEUDONYM = "a pseudonym"


@dataclass(frozen=True)
class IdRef:
    id: str


@dataclass(frozen=True)
class EscalationListQuery:
    state: EscalationState | None
    limit: int


@dataclass(frozen=True)
class EscalationResolve:
    id: str
    outcome: Outcome
    note: str


@dataclass(frozen=True)
class LeadRequest:
    escalation_id: str | None


@dataclass(frozen=True)
class MessageReport:
    message_id: str
    reason: str


@dataclass(frozen=True)
class ReportListQuery:
    state: ReportState | None
    limit: int


@dataclass(frozen=True)
class ReportResolve:
    id: str
    outcome: ReportOutcome
    note: str


@dataclass(frozen=True)
class Redaction:
    message_id: str
    reason: str


@dataclass(frozen=True)
class UserAction:
    """A timeout, removal, ban or unban: ``room`` is None for site-wide bans."""

    user: str
    room: str | None
    seconds: int
    reason: str


@dataclass(frozen=True)
class SlowModeChange:
    room: str
    seconds: int


@dataclass(frozen=True)
class LockChange:
    room: str
    locked: bool


def _limit(fields: Fields) -> int:
    return fields.integer("limit", 1, MAX_LIST, required=False, default=50) or 50


def _optional_text(fields: Fields, name: str, max_chars: int) -> str:
    return fields.text(name, max_chars=max_chars, required=False).strip()


def parse_id_ref(payload: object) -> IdRef:
    return IdRef(Fields(payload).matching("id", ID_RE, _ID))


def parse_escalation_list(payload: object) -> EscalationListQuery:
    fields = Fields(payload, allow_none=True)
    state = fields.text("state", max_chars=16, required=False)
    return EscalationListQuery(EscalationState.parse(state) if state else None, _limit(fields))


def parse_escalation_resolve(payload: object) -> EscalationResolve:
    fields = Fields(payload)
    return EscalationResolve(
        id=fields.matching("id", ID_RE, _ID),
        outcome=Outcome.parse(fields.text("outcome", max_chars=32)),
        note=_optional_text(fields, "note", MAX_NOTE_CHARS),
    )


def parse_lead_request(payload: object) -> LeadRequest:
    fields = Fields(payload, allow_none=True)
    return LeadRequest(fields.optional_matching("escalation_id", ID_RE, _ID))


def parse_message_report(payload: object) -> MessageReport:
    fields = Fields(payload)
    return MessageReport(
        message_id=fields.matching("message_id", ID_RE, _ID),
        reason=fields.text("reason", max_chars=MAX_REASON_CHARS).strip(),
    )


def parse_report_list(payload: object) -> ReportListQuery:
    fields = Fields(payload, allow_none=True)
    state = fields.text("state", max_chars=16, required=False)
    return ReportListQuery(ReportState.parse(state) if state else None, _limit(fields))


def parse_report_resolve(payload: object) -> ReportResolve:
    fields = Fields(payload)
    return ReportResolve(
        id=fields.matching("id", ID_RE, _ID),
        outcome=ReportOutcome.parse(fields.text("outcome", max_chars=32)),
        note=_optional_text(fields, "note", MAX_NOTE_CHARS),
    )


def parse_redaction(payload: object) -> Redaction:
    fields = Fields(payload)
    return Redaction(
        message_id=fields.matching("message_id", ID_RE, _ID),
        reason=_optional_text(fields, "reason", MAX_REASON_CHARS),
    )


def _user_action(payload: object, room_required: bool, with_seconds: bool) -> UserAction:
    fields = Fields(payload)
    user = fields.matching("user", PSEUDONYM_RE, _PSEUDONYM)
    room = fields.room() if room_required else _optional_room(fields)
    seconds = fields.integer("seconds", 1, MAX_TIMEOUT_S) if with_seconds else 0
    return UserAction(user, room, seconds or 0, _optional_text(fields, "reason", MAX_REASON_CHARS))


def _optional_room(fields: Fields) -> str | None:
    return fields.optional_matching("room", ROOM_ID_RE, "a room id")


def parse_timeout(payload: object) -> UserAction:
    return _user_action(payload, room_required=True, with_seconds=True)


def parse_removal(payload: object) -> UserAction:
    return _user_action(payload, room_required=True, with_seconds=False)


def parse_ban(payload: object) -> UserAction:
    return _user_action(payload, room_required=False, with_seconds=False)


def parse_slowmode(payload: object) -> SlowModeChange:
    fields = Fields(payload)
    return SlowModeChange(fields.room(), fields.integer("seconds", 0, MAX_SLOWMODE_S) or 0)


def parse_lock(payload: object) -> LockChange:
    fields = Fields(payload)
    return LockChange(fields.room(), fields.boolean("locked"))


def parse_audit_query(payload: object) -> AuditQuery:
    fields = Fields(payload, allow_none=True)
    before = fields.text("before", max_chars=40, required=False)
    return AuditQuery(
        actor=fields.text("actor", max_chars=32, required=False) or None,
        action=fields.text("action", max_chars=40, required=False) or None,
        target=fields.text("target", max_chars=64, required=False) or None,
        room=fields.text("room", max_chars=48, required=False) or None,
        before=_timestamp(before) if before else None,
        limit=_limit(fields),
    )


def _timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("'before' must be an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise ValidationError("'before' must carry a time zone")
    return parsed
