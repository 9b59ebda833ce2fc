"""The E2EE direct-message events: keys, relay, acks, requests, reports and help.

Envelopes pass through as opaque JSON; nothing here logs a payload.
"""

from __future__ import annotations

from typing import Any

from server.dm_protocol import (
    DmAck,
    DmHelp,
    DmReport,
    DmSend,
    KeysUpload,
    PeerRef,
    parse_dm_ack,
    parse_dm_help,
    parse_dm_report,
    parse_dm_send,
    parse_keys_upload,
    parse_peer_ref,
)
from server.domain.dm import DirectMessageService
from server.transport.sockets import Connection, SocketTransport

DM_EVENTS = (
    "keys:upload",
    "keys:bundle",
    "dm:send",
    "dm:ack",
    "dm:request",
    "dm:accept",
    "dm:report",
    "dm:help",
)


def register_dm_events(transport: SocketTransport, dms: DirectMessageService) -> None:
    @transport.on("keys:upload", parse_keys_upload)
    async def keys_upload(conn: Connection, upload: KeysUpload) -> dict[str, Any]:
        return {"opk_count": await dms.upload_keys(conn.user, upload)}

    @transport.on("keys:bundle", parse_peer_ref)
    async def keys_bundle(conn: Connection, request: PeerRef) -> dict[str, Any]:
        return {"bundle": await dms.bundle(conn.user, request.user)}

    @transport.on("dm:send", parse_dm_send)
    async def dm_send(conn: Connection, request: DmSend) -> dict[str, Any]:
        queued = await dms.send(conn.user, request)
        return {"id": queued.id, "seq": queued.seq, "ts": queued.to_wire()["ts"]}

    @transport.on("dm:ack", parse_dm_ack)
    async def dm_ack(conn: Connection, request: DmAck) -> dict[str, Any]:
        return {"deleted": await dms.ack(conn.user, request.ids)}

    @transport.on("dm:request", parse_peer_ref)
    async def dm_request(conn: Connection, request: PeerRef) -> dict[str, Any]:
        await dms.request(conn.user, request.user)
        return {}

    @transport.on("dm:accept", parse_peer_ref)
    async def dm_accept(conn: Connection, request: PeerRef) -> dict[str, Any]:
        await dms.accept(conn.user, request.user)
        return {}

    @transport.on("dm:report", parse_dm_report)
    async def dm_report(conn: Connection, request: DmReport) -> dict[str, Any]:
        filed = await dms.report(conn.user, request)
        return {"report": {"id": filed.id, "urgent": filed.urgent}}

    @transport.on("dm:help", parse_dm_help)
    async def dm_help(conn: Connection, request: DmHelp) -> dict[str, Any]:
        filed = await dms.help(conn.user, request)
        return {"escalation": {"id": filed.id}}

    @transport.on_connect
    async def deliver_queued(conn: Connection) -> None:
        # In seq order; the client acks each once it has stored what it decrypted.
        for queued in await dms.pending(conn.user):
            await conn.emit("dm:envelope", queued.to_wire())
