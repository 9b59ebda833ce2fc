"""Load generator and step test: N simulated staff over R rooms, against each server in turn.

    python -m bench.load --servers baseline,huddle --clients 2000 --rooms 20 \\
        --rates 50,100,150,200,250 --step-seconds 8 --json docs/bench/run.json

Every client joins one room (client i joins room i % R) and all of them send, round robin,
so the offered load is ``rate`` messages/s and ``rate * clients / rooms`` deliveries/s.
Each step runs open-loop for ``--step-seconds``; its first ``--warmup`` seconds are not
measured, and after it the generator waits for queues to drain. A step is *sustained*
when at least 95% of the offered deliveries arrive in the window and p99 latency is at
most ``--max-p99-ms``; the figure that matters is the highest sustained delivered rate.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from bench import procstat
from bench.profiling import start_py_spy, summarise
from bench.targets import BaselineTarget, HuddleTarget, Target, checkout
from bench.worker import ClientSpec, worker_main
from server.app import GC_THRESHOLDS

SUSTAINED_SHARE = 0.95


def machine() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg_start": procstat.loadavg(),
    }


def percentiles(raw: list[bytes], scale: float = 1e-3) -> dict[str, float]:
    values = np.concatenate([np.frombuffer(b, dtype=np.int64) for b in raw] or [np.empty(0)])
    if values.size == 0:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"),
                "max": float("nan")}  # fmt: skip
    p50, p95, p99 = np.percentile(values, [50, 95, 99]) * scale
    return {"n": int(values.size), "p50": float(p50), "p95": float(p95), "p99": float(p99),
            "max": float(values.max() * scale)}  # fmt: skip


class WorkerPool:
    def __init__(self, count: int, host: str) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for i in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child, i, host), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def ask_all(self, command: str, args: list[Any]) -> list[Any]:
        for pipe, arg in zip(self.pipes, args, strict=True):
            pipe.send((command, arg))
        return [pipe.recv() for pipe in self.pipes]

    def close(self) -> None:
        try:
            self.ask_all("close", [None] * len(self.pipes))
        finally:
            for proc in self.procs:
                proc.join(5)
                if proc.is_alive():
                    proc.kill()


@dataclass
class Options:
    clients: int
    rooms: int
    workers: int
    rates: list[float]
    step_seconds: float
    warmup: float
    settle_max: float
    max_p99_ms: float
    crisis_rate: float
    crisis_text: str
    hold: float
    stop_after: int
    profile_dir: Path | None
    profile_rate: float | None
    concurrency: int
    affinity: str


def _connect(target: Target, pool: WorkerPool, opts: Options) -> dict[str, Any]:
    provisioned = target.provision(opts.clients, opts.rooms)
    ports = target.ports
    specs: list[list[ClientSpec]] = [[] for _ in range(opts.workers)]
    for i in range(opts.clients):
        if opts.affinity == "room":
            # Every member of room r on one process, as a room-sticky balancer would place them.
            port = ports[(i % opts.rooms) % len(ports)]
        else:
            # Room r's members alternate between server processes, so fan-out crosses them.
            port = ports[(i // opts.rooms) % len(ports)]
        room = provisioned.rooms[i % opts.rooms]
        specs[i % opts.workers].append(ClientSpec(port, room, provisioned.auths[i]))
    if provisioned.lead_auth is not None:
        specs[0].append(ClientSpec(ports[0], None, provisioned.lead_auth))
    rss_before = sum(procstat.rss_kb(p) for p in target.pids)
    t0 = time.monotonic()
    per_worker = max(1, opts.concurrency // opts.workers)
    replies = pool.ask_all("connect", [{"specs": s, "concurrency": per_worker} for s in specs])
    connect_wall = time.monotonic() - t0
    time.sleep(opts.hold)
    rss_after = sum(procstat.rss_kb(p) for p in target.pids)
    census = pool.ask_all("census", [None] * opts.workers)
    held = sum(c["open"] for c in census)
    connect_ms = [x for r in replies for x in r["connect_ms"]]
    join_ms = [x for r in replies for x in r["join_ms"]]
    errors: dict[str, int] = {}
    for r in replies:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    wanted = opts.clients + (provisioned.lead_auth is not None)
    to_us = [np.array(connect_ms, dtype=np.int64) * 1000]
    return {
        "wanted": wanted,
        "held": held,
        "connect_wall_s": connect_wall,
        "connect_ms": percentiles([a.tobytes() for a in to_us], 1e-3),
        "join_ms": percentiles([(np.array(join_ms, dtype=np.int64) * 1000).tobytes()], 1e-3),
        "errors": errors,
        "rss_idle_kb": rss_after,
        "rss_per_conn_kb": (rss_after - rss_before) / held if held else float("nan"),
    }


def _step(
    target: Target, pool: WorkerPool, opts: Options, rate: float, extra_pids: list[int]
) -> dict[str, Any]:
    room_size = opts.clients / opts.rooms
    start = time.monotonic() + 0.5
    arg = {
        "rate": rate / opts.workers,
        "start": start,
        "duration": opts.step_seconds,
        "warmup": opts.warmup,
        "crisis_rate": opts.crisis_rate,
        "crisis_text": opts.crisis_text,
        "settle_max": opts.settle_max,
    }
    _send_run(pool, arg)
    server_cpu = procstat.CpuMeter(target.pids)
    main_cpu = procstat.CpuMeter(target.pids, children=False)
    gen_cpu = procstat.CpuMeter(pool.pids)
    other_cpu = procstat.CpuMeter(extra_pids)
    # CPU is metered over the same window as latency and delivered rate.
    time.sleep(max(0.0, start + opts.warmup - time.monotonic()))
    for meter in (server_cpu, main_cpu, gen_cpu, other_cpu):
        meter.start(time.monotonic())
    time.sleep(max(0.0, start + opts.step_seconds - time.monotonic()))
    now = time.monotonic()
    server_cores, _ = server_cpu.stop(now)
    main_cores, _ = main_cpu.stop(now)
    gen_cores, _ = gen_cpu.stop(now)
    other_cores, _ = other_cpu.stop(now)
    replies = [pipe.recv() for pipe in pool.pipes]
    window = opts.step_seconds - opts.warmup
    in_window = sum(r["in_window"] for r in replies)
    sent = sum(r["sent"] for r in replies)
    delivered_s = in_window / window
    offered_s = rate * room_size
    latency = percentiles([r["latencies"] for r in replies])
    ack = percentiles([r["ack_latencies"] for r in replies])
    escalation = percentiles([r["escalations"] for r in replies])
    ack_errors: dict[str, int] = {}
    for r in replies:
        for k, v in r["ack_errors"].items():
            ack_errors[k] = ack_errors.get(k, 0) + v
    sustained = delivered_s >= SUSTAINED_SHARE * offered_s and latency["p99"] <= opts.max_p99_ms
    return {
        "offered_msgs_s": rate,
        "offered_deliveries_s": offered_s,
        "sent": sent,
        "deliveries_total": sum(r["deliveries"] for r in replies),
        "expected_total": sent * room_size,
        "delivered_s": delivered_s,
        "delivered_share": delivered_s / offered_s if offered_s else float("nan"),
        "latency_ms": latency,
        "ack_ms": ack,
        "acks_ok": sum(r["acks_ok"] for r in replies),
        "acks_failed": sum(r["acks_failed"] for r in replies),
        "ack_errors": dict(list(ack_errors.items())[:5]),
        "escalation_ms": escalation,
        "server_cores": server_cores,
        "server_main_cores": main_cores,
        "server_cpu_us_per_delivery": server_cores * 1e6 / delivered_s if delivered_s else None,
        "generator_cores": gen_cores,
        "other_cores": other_cores,
        "open": sum(r["open"] for r in replies),
        "loadavg": procstat.loadavg(),
        "sustained": bool(sustained),
    }


def _send_run(pool: WorkerPool, arg: dict[str, Any]) -> None:
    for pipe in pool.pipes:
        pipe.send(("run", arg))


def print_step(name: str, s: dict[str, Any]) -> None:
    lat = s["latency_ms"]
    print(
        f"  {name:<14} offered {s['offered_msgs_s']:7.0f} msg/s {s['offered_deliveries_s']:8.0f}"
        f" dlv/s | delivered {s['delivered_s']:8.0f}/s ({100 * s['delivered_share']:5.1f}%)"
        f" | p50 {lat['p50']:7.1f} p95 {lat['p95']:7.1f} p99 {lat['p99']:7.1f} ms"
        f" | ack p99 {s['ack_ms']['p99']:7.1f} | srv {s['server_cores']:.2f}"
        f" (main {s['server_main_cores']:.2f}) gen"
        f" {s['generator_cores']:.2f} cores | load {s['loadavg']}"
        f"{' | ok' if s['sustained'] else ' | --'}",
        flush=True,
    )


def run_target(target: Target, opts: Options) -> dict[str, Any]:
    print(f"[{target.name}] starting {target.processes} process(es)", flush=True)
    target.start()
    pool = WorkerPool(opts.workers, "127.0.0.1")
    result: dict[str, Any] = {"name": target.name, "processes": target.processes}
    try:
        conn = _connect(target, pool, opts)
        result["connect"] = conn
        print(
            f"[{target.name}] held {conn['held']}/{conn['wanted']} connections,"
            f" connect p50 {conn['connect_ms']['p50']:.1f} ms p99 {conn['connect_ms']['p99']:.1f}"
            f" ms, join p99 {conn['join_ms']['p99']:.1f} ms, RSS/idle conn"
            f" {conn['rss_per_conn_kb']:.1f} KB, errors {conn['errors'] or 'none'}",
            flush=True,
        )
        extra = [target.redis_server.proc.pid] if target.redis_server else []
        result["steps"] = run_steps(target, pool, opts, extra)
        result["sustained"] = best_sustained(result["steps"])
        result["capacity"] = capacity(result["steps"])
        if opts.profile_dir is not None:
            result["profile"] = profile(target, pool, opts, result["sustained"], extra)
        result["peak_rss_kb"] = [procstat.peak_rss_kb(p) for p in target.pids]
    except Exception:
        print(target.log_tail(), file=sys.stderr)
        raise
    finally:
        pool.close()
        target.stop()
    return result


def run_steps(
    target: Target, pool: WorkerPool, opts: Options, extra: list[int]
) -> list[dict[str, Any]]:
    steps = []
    failures = 0
    for rate in opts.rates:
        step = _step(target, pool, opts, rate, extra)
        steps.append(step)
        print_step(target.name, step)
        # Past p99 the steps go on, for the plot and the capacity figure, until the server
        # stops keeping up with the offered load.
        saturated = step["delivered_share"] < SUSTAINED_SHARE
        failures = failures + 1 if saturated else 0
        if failures >= opts.stop_after or step["latency_ms"]["p99"] > 5000:
            break
    return steps


def best_sustained(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    ok = [s for s in steps if s["sustained"]]
    return max(ok, key=lambda s: s["delivered_s"]) if ok else None


def capacity(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The highest step that still delivered what was offered, whatever its latency."""
    ok = [s for s in steps if s["delivered_share"] >= SUSTAINED_SHARE]
    return max(ok, key=lambda s: s["delivered_s"]) if ok else None


def profile(
    target: Target,
    pool: WorkerPool,
    opts: Options,
    sustained: dict[str, Any] | None,
    extra: list[int],
) -> dict[str, Any]:
    assert opts.profile_dir is not None
    rate = opts.profile_rate or (0.8 * sustained["offered_msgs_s"] if sustained else opts.rates[0])
    opts.profile_dir.mkdir(parents=True, exist_ok=True)
    # An overloaded last step may leave a backlog: a step that sends nothing drains it.
    _step(target, pool, opts, 0.0, extra)
    # The server process and its children (Huddle's embedded store is one).
    pids = procstat.tree(target.pids[0])
    raws = [opts.profile_dir / f"{target.name}-{i}-pyspy.txt" for i in range(len(pids))]
    spies = [start_py_spy(p, opts.step_seconds, raw) for p, raw in zip(pids, raws, strict=True)]
    step = _step(target, pool, opts, rate, extra)
    for spy in spies:
        spy.wait(30)
    print_step(f"{target.name}+spy", step)
    parts = [f"server: {target.name}, offered {rate:.0f} msg/s\n"]
    for pid, raw in zip(pids, raws, strict=True):
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
        parts.append(f"\n== pid {pid}: {cmd}\n")
        parts.append(summarise(raw) if raw.exists() else "py-spy wrote nothing\n")
    out = opts.profile_dir / f"{target.name}-profile.txt"
    out.write_text("".join(parts))
    print(f"[{target.name}] profile summary in {out}", flush=True)
    return {"rate": rate, "summary_file": str(out), "step": step}


def make_target(name: str, processes: int) -> Target:
    label = name if processes == 1 else f"{name}-{processes}p"
    if name == "baseline":
        return BaselineTarget(label, processes=processes, redis=processes > 1)
    if name == "baseline-gc":
        # The bare baseline with Huddle's GC thresholds: what that setting alone is worth.
        gc_thresholds = ",".join(str(t) for t in GC_THRESHOLDS)
        return BaselineTarget(label, processes=processes, redis=processes > 1,
                              gc_thresholds=gc_thresholds)  # fmt: skip
    if name == "huddle":
        return HuddleTarget(label, processes=processes, redis=processes > 1)
    if name.startswith("huddle@"):
        # huddle@PATH runs another checkout; huddle@REV the tree of a git revision (with this
        # venv), e.g. main before this branch's server changes.
        where = name.split("@", 1)[1]
        source = Path(where).resolve() if Path(where).is_dir() else checkout(where)
        label = f"huddle@{where.rstrip('/').rsplit('/', 1)[-1]}"
        label += "" if processes == 1 else f"-{processes}p"
        return HuddleTarget(label, processes=processes, redis=processes > 1, source=source)
    raise SystemExit(f"unknown server {name!r}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", default="baseline", help="comma-separated, run in order")
    parser.add_argument("--processes", default="1", help="server processes, e.g. 1 or 1,2")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="generator processes")
    parser.add_argument("--rates", default="50,100,150,200,250,300",
                        help="offered messages/s per step (comma-separated)")  # fmt: skip
    parser.add_argument("--step-seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--settle-max", type=float, default=10.0)
    parser.add_argument("--max-p99-ms", type=float, default=100.0)
    parser.add_argument("--stop-after", type=int, default=2,
                        help="stop a server after this many saturated steps in a row")  # fmt: skip
    parser.add_argument("--crisis-rate", type=float, default=0.0,
                        help="fraction of messages that are crisis messages")  # fmt: skip
    parser.add_argument("--crisis-text", default="I can't do this anymore, I want to end my life")
    parser.add_argument("--hold", type=float, default=2.0, help="idle seconds before RSS is read")
    parser.add_argument("--concurrency", type=int, default=100, help="connects in flight")
    parser.add_argument("--affinity", choices=["spread", "room"], default="spread",
                        help="several processes: spread each room over them, or not")  # fmt: skip
    parser.add_argument("--profile-dir", type=Path, default=None,
                        help="after the steps, profile each server with py-spy here")  # fmt: skip
    parser.add_argument("--profile-rate", type=float, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    parser.add_argument("--plot", type=Path, default=None, help="write the latency PNG here")
    return parser.parse_args(argv)


def options(args: argparse.Namespace) -> Options:
    return Options(
        clients=args.clients,
        rooms=args.rooms,
        workers=args.workers,
        rates=[float(r) for r in args.rates.split(",")],
        step_seconds=args.step_seconds,
        warmup=args.warmup,
        settle_max=args.settle_max,
        max_p99_ms=args.max_p99_ms,
        crisis_rate=args.crisis_rate,
        crisis_text=args.crisis_text,
        hold=args.hold,
        stop_after=args.stop_after,
        profile_dir=args.profile_dir,
        profile_rate=args.profile_rate,
        concurrency=args.concurrency,
        affinity=args.affinity,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.report import plot, steps_table, summary_table

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    opts = options(args)
    info = machine()
    print(f"machine: {info['nproc']} x {info['cpu']}, load average {info['loadavg_start']}")
    results = []
    for processes in (int(p) for p in args.processes.split(",")):
        for name in args.servers.split(","):
            results.append(run_target(make_target(name.strip(), processes), opts))
    info["loadavg_end"] = procstat.loadavg()
    report = {"machine": info, "argv": sys.argv, "options": vars(args), "results": results}
    print()
    for result in results:
        print(steps_table(result))
        print()
    print(summary_table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=str))
    if args.plot:
        plot(results, args.plot, args.max_p99_ms)
    return report


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
