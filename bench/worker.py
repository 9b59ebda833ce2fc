"""One load-generator process: holds a share of the simulated staff and reports what it saw.

The parent drives it over a pipe with ``(command, argument)`` pairs: ``connect``, ``run``,
``census`` and ``close``; each gets one reply. Latencies are microseconds on CLOCK_MONOTONIC,
which every process on the machine shares, so a send stamped in one worker can be timed at
a receiver in another.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from bench.sio_client import SioConnection, connect

MESSAGE_PREFIX = b'42["room:message"'
ESCALATION_PREFIX = b'42["escalation:new"'
STAMP = re.compile(rb"bt(\d+)_")
FILLER_JSON = json.dumps("a quiet word from the bench, nothing to see here, just load")


def clock_us() -> int:
    return time.monotonic_ns() // 1000


@dataclass
class ClientSpec:
    port: int
    room: str | None
    auth: dict[str, Any] | None


class Worker:
    def __init__(self, worker_id: int, host: str) -> None:
        self.id = worker_id
        self.host = host
        self.conns: list[SioConnection] = []
        self.rooms: list[str] = []
        self.window = (0, 0)
        self.deliveries = 0
        self.in_window = 0
        self.latencies = array("q")
        self.ack_latencies = array("q")
        self.acks_ok = 0
        self.acks_failed = 0
        self.ack_errors: dict[str, int] = {}
        self.escalations = array("q")
        self.seen_escalations: set[int] = set()
        self.sent = 0

    # -- receiving: the hot path, kept to a byte search and an integer parse ------------
    def on_event(self, conn: SioConnection, payload: bytes, now_us: int) -> None:
        if payload.startswith(MESSAGE_PREFIX):
            self.deliveries += 1
            w0, w1 = self.window
            if w0 <= now_us < w1:
                i = payload.find(b'"bt') + 3
                self.latencies.append(now_us - int(payload[i : payload.find(b"_", i)]))
                self.in_window += 1
        elif payload.startswith(ESCALATION_PREFIX):
            match = STAMP.search(payload)
            if match is not None:
                sent = int(match.group(1))
                if sent not in self.seen_escalations:
                    self.seen_escalations.add(sent)
                    self.escalations.append(now_us - sent)

    def on_ack(self, sent_us: int) -> Any:
        def acked(args: bytes, now_us: int) -> None:
            if b'"ok": true' in args or b'"ok":true' in args:
                self.acks_ok += 1
                w0, w1 = self.window
                if w0 <= now_us < w1:
                    self.ack_latencies.append(now_us - sent_us)
            else:
                self.acks_failed += 1
                key = args[:120].decode(errors="replace")
                self.ack_errors[key] = self.ack_errors.get(key, 0) + 1

        return acked

    # -- commands -------------------------------------------------------------------
    async def connect_all(self, specs: list[ClientSpec], concurrency: int) -> dict[str, Any]:
        gate = asyncio.Semaphore(concurrency)
        connect_ms: list[float] = []
        join_ms: list[float] = []
        errors: dict[str, int] = {}

        async def one(spec: ClientSpec) -> None:
            async with gate:
                t0 = time.perf_counter()
                try:
                    conn = await connect(self.host, spec.port, spec.auth, self.on_event, clock_us)
                    t1 = time.perf_counter()
                    if spec.room is not None:
                        ack = await conn.call("room:join", {"room": spec.room})
                        if not (isinstance(ack, list) and ack and ack[0].get("ok")):
                            raise RuntimeError(f"join refused: {str(ack)[:100]}")
                except Exception as exc:
                    key = f"{type(exc).__name__}: {str(exc)[:100]}"
                    errors[key] = errors.get(key, 0) + 1
                    return
                connect_ms.append((t1 - t0) * 1000)
                join_ms.append((time.perf_counter() - t1) * 1000)
                self.conns.append(conn)
                self.rooms.append(spec.room or "")

        await asyncio.gather(*(one(s) for s in specs))
        return {"connect_ms": connect_ms, "join_ms": join_ms, "errors": errors}

    def census(self) -> dict[str, Any]:
        return {"open": sum(not c.closed for c in self.conns), "total": len(self.conns)}

    async def run(
        self,
        rate: float,
        start: float,
        duration: float,
        warmup: float,
        crisis_rate: float,
        crisis_text: str,
        settle_max: float,
    ) -> dict[str, Any]:
        """Send ``rate`` messages/s for ``duration`` s from monotonic time ``start``."""
        self._reset()
        start_us = int(start * 1e6)
        self.window = (start_us + int(warmup * 1e6), start_us + int(duration * 1e6))
        senders = [(c, r) for c, r in zip(self.conns, self.rooms, strict=True) if r]
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        if senders and rate > 0:
            await self._send_loop(senders, rate, start, duration, crisis_rate, crisis_text)
        else:
            await asyncio.sleep(max(0.0, start + duration - time.monotonic()))
        await self._settle(settle_max)
        return {
            "sent": self.sent,
            "deliveries": self.deliveries,
            "in_window": self.in_window,
            "latencies": self.latencies.tobytes(),
            "ack_latencies": self.ack_latencies.tobytes(),
            "acks_ok": self.acks_ok,
            "acks_failed": self.acks_failed,
            "ack_errors": self.ack_errors,
            "escalations": self.escalations.tobytes(),
            "open": sum(not c.closed for c in self.conns),
        }

    def _reset(self) -> None:
        self.deliveries = self.in_window = self.sent = 0
        self.acks_ok = self.acks_failed = 0
        self.ack_errors = {}
        self.latencies = array("q")
        self.ack_latencies = array("q")
        self.escalations = array("q")

    async def _send_loop(
        self,
        senders: list[tuple[SioConnection, str]],
        rate: float,
        start: float,
        duration: float,
        crisis_rate: float,
        crisis_text: str,
    ) -> None:
        n = len(senders)
        crisis_every = round(1 / crisis_rate) if crisis_rate > 0 else 0
        end = start + duration
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - start) * rate) - self.sent
            for _ in range(due):
                k = self.sent
                conn, room = senders[k % n]
                t = clock_us()
                client_id = f"bt{t}_{self.id}_{k}"
                if crisis_every and k % crisis_every == crisis_every - 1:
                    text = json.dumps(f"{crisis_text} bt{t}_")
                else:
                    text = FILLER_JSON
                conn.emit(
                    "room:send",
                    f'{{"room":"{room}","text":{text},"client_id":"{client_id}"}}',
                    self.on_ack(t),
                )
                self.sent += 1
            await asyncio.sleep(0.005)

    async def _settle(self, settle_max: float) -> None:
        """Wait until deliveries stop arriving (queues drained), at most settle_max s."""
        deadline = time.monotonic() + settle_max
        last = -1
        while time.monotonic() < deadline:
            if self.deliveries == last:
                return
            last = self.deliveries
            await asyncio.sleep(0.3)

    async def close(self) -> None:
        for conn in self.conns:
            conn.close()
        await asyncio.sleep(0.2)


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _serve(pipe: Connection, worker_id: int, host: str) -> None:
    worker = Worker(worker_id, host)
    loop = asyncio.get_running_loop()
    while True:
        command, arg = await loop.run_in_executor(None, pipe.recv)
        if command == "connect":
            reply: Any = await worker.connect_all(arg["specs"], arg["concurrency"])
        elif command == "run":
            reply = await worker.run(**arg)
        elif command == "census":
            reply = worker.census()
        elif command == "close":
            await worker.close()
            pipe.send(None)
            return
        else:
            reply = {"error": f"unknown command {command!r}"}
        pipe.send(reply)


def worker_main(pipe: Connection, worker_id: int, host: str) -> None:
    _raise_fd_limit()
    try:
        # libuv's loop costs the generator about a third of asyncio's CPU per read.
        import uvloop
    except ImportError:
        asyncio.run(_serve(pipe, worker_id, host))
    else:
        uvloop.run(_serve(pipe, worker_id, host))
