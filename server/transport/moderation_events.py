"""The moderation events: reports for everyone, room safety tools for supporters, audit."""

from __future__ import annotations

from typing import Any

from moderation.room_moderation import ModerationService
from server.domain.audit import AuditLog, AuditQuery, require_audit_reader
from server.domain.models import iso
from server.moderation_protocol import (
    LockChange,
    MessageReport,
    Redaction,
    ReportListQuery,
    ReportResolve,
    SlowModeChange,
    UserAction,
    parse_audit_query,
    parse_ban,
    parse_lock,
    parse_message_report,
    parse_redaction,
    parse_removal,
    parse_report_list,
    parse_report_resolve,
    parse_slowmode,
    parse_timeout,
)
from server.transport.sockets import Connection, SocketTransport


def register_moderation_events(
    transport: SocketTransport, moderation: ModerationService, audit: AuditLog
) -> None:
    @transport.on("message:report", parse_message_report)
    async def message_report(conn: Connection, request: MessageReport) -> dict[str, Any]:
        report = await moderation.report(conn.user, request.message_id, request.reason)
        return {"report": report.update_for_reporter()}

    @transport.on("reports:list", parse_report_list)
    async def reports_list(conn: Connection, query: ReportListQuery) -> dict[str, Any]:
        return {"reports": await moderation.list_reports(conn.user, query.state, query.limit)}

    @transport.on("report:resolve", parse_report_resolve)
    async def report_resolve(conn: Connection, request: ReportResolve) -> dict[str, Any]:
        report = await moderation.resolve_report(
            conn.user, request.id, request.outcome, request.note
        )
        return {"report": report.update_for_reporter()}

    @transport.on("mod:redact", parse_redaction)
    async def redact(conn: Connection, request: Redaction) -> dict[str, Any]:
        message = await moderation.redact(conn.user, request.message_id, request.reason)
        return {"message": message.to_wire()}

    @transport.on("mod:timeout", parse_timeout)
    async def timeout(conn: Connection, request: UserAction) -> dict[str, Any]:
        assert request.room is not None
        sanction = await moderation.timeout(
            conn.user, request.user, request.room, request.seconds, request.reason
        )
        until = iso(sanction.until) if sanction.until else None
        return {"user": request.user, "room": request.room, "until": until}

    @transport.on("mod:remove", parse_removal)
    async def remove(conn: Connection, request: UserAction) -> dict[str, Any]:
        assert request.room is not None
        await moderation.remove(conn.user, request.user, request.room, request.reason)
        return {"user": request.user, "room": request.room}

    @transport.on("mod:ban", parse_ban)
    async def ban(conn: Connection, request: UserAction) -> dict[str, Any]:
        await moderation.ban(conn.user, request.user, request.room, request.reason)
        return {"user": request.user, "room": request.room}

    @transport.on("mod:unban", parse_ban)
    async def unban(conn: Connection, request: UserAction) -> dict[str, Any]:
        lifted = await moderation.unban(conn.user, request.user, request.room, request.reason)
        return {"user": request.user, "room": request.room, "lifted": lifted}

    @transport.on("room:slowmode", parse_slowmode)
    async def slowmode(conn: Connection, request: SlowModeChange) -> dict[str, Any]:
        room = await moderation.slowmode(conn.user, request.room, request.seconds)
        return {"room": room.to_wire()}

    @transport.on("room:lock", parse_lock)
    async def lock(conn: Connection, request: LockChange) -> dict[str, Any]:
        room = await moderation.lock(conn.user, request.room, request.locked)
        return {"room": room.to_wire()}

    @transport.on("audit:list", parse_audit_query)
    async def audit_list(conn: Connection, query: AuditQuery) -> dict[str, Any]:
        require_audit_reader(conn.user)
        return {"entries": [e.to_wire() for e in await audit.list(query)]}
