"""The baseline: a bare python-socketio AsyncServer on aiohttp that only joins rooms and broadcasts.

No auth, no storage, no classification. It answers the same events with the same wire shape
as Huddle (``room:join`` and ``room:send``, pushing ``room:message``), so the load generator
drives both servers identically and Huddle's figures can be read as ratios to this one.

    python -m bench.baseline_server --port 8765 [--redis-url redis://127.0.0.1:6390/0]
"""

from __future__ import annotations

import argparse
import gc
import secrets
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import socketio
from aiohttp import web


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_app(redis_url: str | None) -> web.Application:
    manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
    sio = socketio.AsyncServer(
        async_mode="aiohttp", cors_allowed_origins="*", client_manager=manager
    )
    seqs: defaultdict[str, int] = defaultdict(int)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
        await sio.save_session(sid, {"pseudonym": f"bench-{sid[:6]}"})

    @sio.on("room:join")
    async def room_join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = data["room"]
        await sio.enter_room(sid, room)
        return {"ok": True, "room": {"id": room}, "history": []}

    @sio.on("room:send")
    async def room_send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        room = data["room"]
        session = await sio.get_session(sid)
        # Per process; with several processes seq is not global, which the bench ignores.
        seqs[room] += 1
        message = {
            "id": secrets.token_hex(12),
            "room": room,
            "seq": seqs[room],
            "author": {"pseudonym": session["pseudonym"], "role": "member"},
            "text": data["text"],
            "ts": _now_iso(),
            "client_id": data["client_id"],
        }
        await sio.emit("room:message", message, room=room)
        return {"ok": True, "message": message}

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    sio.attach(app)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument(
        "--gc-thresholds",
        default=None,
        help="e.g. 50000,20,10: Huddle's setting, to show what it alone is worth",
    )
    args = parser.parse_args()
    if args.gc_thresholds:
        gc.set_threshold(*(int(t) for t in args.gc_thresholds.split(",")))
        gc.freeze()
    web.run_app(
        build_app(args.redis_url),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
        backlog=1024,
    )


if __name__ == "__main__":
    main()
