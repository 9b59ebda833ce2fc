"""The escalation and safety events: leads triage crises; writers ask for a lead."""

from __future__ import annotations

from typing import Any

from moderation.escalations import EscalationService
from server.domain.models import Role
from server.moderation_protocol import (
    EscalationListQuery,
    EscalationResolve,
    IdRef,
    LeadRequest,
    parse_escalation_list,
    parse_escalation_resolve,
    parse_id_ref,
    parse_lead_request,
)
from server.protocol import parse_empty
from server.transport.sockets import Connection, SocketTransport


def register_escalation_events(transport: SocketTransport, escalations: EscalationService) -> None:
    @transport.on("escalation:list", parse_escalation_list)
    async def escalation_list(conn: Connection, query: EscalationListQuery) -> dict[str, Any]:
        listed = await escalations.listed(conn.user, query.state, query.limit)
        return {"escalations": [e.to_wire() for e in listed]}

    @transport.on("escalation:get", parse_id_ref)
    async def escalation_get(conn: Connection, ref: IdRef) -> dict[str, Any]:
        return await escalations.get(conn.user, ref.id)

    @transport.on("escalation:claim", parse_id_ref)
    async def escalation_claim(conn: Connection, ref: IdRef) -> dict[str, Any]:
        return {"escalation": (await escalations.claim(conn.user, ref.id)).to_wire()}

    @transport.on("escalation:next", parse_empty)
    async def escalation_next(conn: Connection, _: None) -> dict[str, Any]:
        claimed = await escalations.claim_next(conn.user)
        return {"escalation": claimed.to_wire() if claimed else None}

    @transport.on("escalation:resolve", parse_escalation_resolve)
    async def escalation_resolve(conn: Connection, request: EscalationResolve) -> dict[str, Any]:
        resolved = await escalations.resolve(conn.user, request.id, request.outcome, request.note)
        return {"escalation": resolved.to_wire()}

    @transport.on("safety:request_lead", parse_lead_request)
    async def request_lead(conn: Connection, request: LeadRequest) -> dict[str, Any]:
        await escalations.request_lead(conn.user, request.escalation_id)
        return {}

    @transport.on_connect
    async def push_unclaimed(conn: Connection) -> None:
        # A lead who was offline when an escalation opened gets it pushed on connect.
        if conn.user.role < Role.LEAD:
            return
        for escalation in await escalations.unclaimed(conn.user):
            await conn.emit("escalation:new", {**escalation.to_wire(), "catch_up": True})
