"""The summary table (with ratios to the baseline) and the latency-against-load plot."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any


def is_bare_baseline(name: str) -> bool:
    return re.fullmatch(r"baseline(-\d+p)?", name) is not None


def _fmt(value: float | None, spec: str = ".0f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or base is None or not base or math.isnan(value) or math.isnan(base):
        return "-"
    return f"{value / base:.2f}x"


def _cpu_per_delivery(result: dict[str, Any]) -> float | None:
    """Median server CPU µs per delivery over the steps that kept up: robust to neighbours."""
    values = sorted(
        s["server_cpu_us_per_delivery"]
        for s in result.get("steps", [])
        if s["delivered_share"] >= 0.95 and s["server_cpu_us_per_delivery"]
    )
    return values[len(values) // 2] if values else None


def _headline(result: dict[str, Any]) -> dict[str, float | None]:
    best = result.get("sustained")
    cap = result.get("capacity")
    conn = result.get("connect", {})
    return {
        "capacity": cap["delivered_s"] if cap else 0.0,
        "cpu_med": _cpu_per_delivery(result),
        "sustained": best["delivered_s"] if best else 0.0,
        "msgs": best["offered_msgs_s"] if best else 0.0,
        "p99": best["latency_ms"]["p99"] if best else None,
        "cpu_us": best["server_cpu_us_per_delivery"] if best else None,
        "cores": best["server_cores"] if best else None,
        "held": conn.get("held"),
        "rss_conn": conn.get("rss_per_conn_kb"),
        "connect_p99": conn.get("connect_ms", {}).get("p99"),
        "peak_rss_mb": sum(result.get("peak_rss_kb", [0])) / 1024,
    }


def summary_table(results: list[dict[str, Any]], baseline: str | None = None) -> str:
    """Markdown table: one row per server, with ratios to the bare baseline run with as many
    processes (or to ``baseline`` when named)."""
    named = next((r for r in results if r["name"] == baseline), None)
    bases = {r["processes"]: r for r in results if is_bare_baseline(r["name"])}
    rows = [
        "| server | procs | sustained deliveries/s (p99 ≤ 100 ms) | ratio | msgs/s | p99 ms |"
        " capacity deliveries/s (any p99) | ratio | median CPU µs/delivery |"
        " CPU ratio (baseline / this) | held | RSS KB/idle conn | connect p99 ms |"
        " peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        h = _headline(result)
        base_result = named or bases.get(result["processes"]) or results[0]
        base = _headline(base_result)
        rows.append(
            f"| {result['name']} | {result['processes']} | {_fmt(h['sustained'])} |"
            f" {_ratio(h['sustained'], base['sustained'])} | {_fmt(h['msgs'])} |"
            f" {_fmt(h['p99'], '.1f')} | {_fmt(h['capacity'])} |"
            f" {_ratio(h['capacity'], base['capacity'])} | {_fmt(h['cpu_med'], '.1f')} |"
            f" {_ratio(base['cpu_med'], h['cpu_med'])} | {h['held']} |"
            f" {_fmt(h['rss_conn'], '.1f')} | {_fmt(h['connect_p99'], '.1f')} |"
            f" {_fmt(h['peak_rss_mb'], '.0f')} |"
        )
    return "\n".join(rows)


def steps_table(result: dict[str, Any]) -> str:
    rows = [
        f"{result['name']}:",
        "| offered msg/s | offered dlv/s | delivered/s | share | p50 ms | p95 ms | p99 ms |"
        " ack p99 ms | esc p99 ms | server cores | gen cores | all delivered | load avg |"
        " sustained |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in result.get("steps", []):
        lat = s["latency_ms"]
        rows.append(
            f"| {s['offered_msgs_s']:.0f} | {s['offered_deliveries_s']:.0f} |"
            f" {s['delivered_s']:.0f} | {100 * s['delivered_share']:.1f}% | {lat['p50']:.1f} |"
            f" {lat['p95']:.1f} | {lat['p99']:.1f} | {_fmt(s['ack_ms']['p99'], '.1f')} |"
            f" {_fmt(s['escalation_ms']['p99'], '.0f')} | {s['server_cores']:.2f} |"
            f" {s['generator_cores']:.2f} | {_all_delivered(s)} | {s['loadavg']} |"
            f" {'yes' if s['sustained'] else 'no'} |"
        )
    return "\n".join(rows)


def _all_delivered(step: dict[str, Any]) -> str:
    """Deliveries seen over the whole step (drained) against sends x room size."""
    expected = step.get("expected_total") or 0
    if not expected:
        return "-"
    return f"{step['deliveries_total']}/{expected:.0f}"


def plot(results: list[dict[str, Any]], out: Path, max_p99_ms: float = 100.0) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for result in results:
        steps = result.get("steps", [])
        if not steps:
            continue
        x = [s["offered_deliveries_s"] for s in steps]
        (line,) = ax.plot(x, [s["latency_ms"]["p99"] for s in steps], "o-",
                          label=f"{result['name']} p99")  # fmt: skip
        ax.plot(x, [s["latency_ms"]["p50"] for s in steps], "x--", color=line.get_color(),
                alpha=0.6, label=f"{result['name']} p50")  # fmt: skip
    ax.axhline(max_p99_ms, color="grey", linestyle=":", label=f"p99 target {max_p99_ms:.0f} ms")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (deliveries/s = messages/s x room size)")
    ax.set_ylabel("send-to-receive latency (ms, log)")
    ax.set_title("Latency against offered load, 2 cores, generator on the same machine")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def points_table(results: list[dict[str, Any]]) -> str:
    """Each server at each offered load, with ratios to the baseline run with as many processes."""
    bases = {r["processes"]: r for r in results if is_bare_baseline(r["name"])}
    rows = [
        "| server | procs | offered msg/s | delivered/s | ratio | p99 ms | p99 ratio |"
        " server cores | CPU µs/delivery | CPU ratio | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        base = bases.get(result["processes"])
        base_steps = {s["offered_msgs_s"]: s for s in base.get("steps", [])} if base else {}
        for s in result.get("steps", []):
            b = base_steps.get(s["offered_msgs_s"])
            rows.append(
                f"| {result['name']} | {result['processes']} | {s['offered_msgs_s']:.0f} |"
                f" {s['delivered_s']:.0f} | {_ratio(s['delivered_s'], b and b['delivered_s'])} |"
                f" {s['latency_ms']['p99']:.1f} |"
                f" {_ratio(s['latency_ms']['p99'], b and b['latency_ms']['p99'])} |"
                f" {s['server_cores']:.2f} | {_fmt(s['server_cpu_us_per_delivery'], '.1f')} |"
                f" {_ratio(s['server_cpu_us_per_delivery'], b and b['server_cpu_us_per_delivery'])}"
                f" | {s['loadavg']} |"
            )
    return "\n".join(rows)


def main() -> None:
    """Print the tables of saved runs: ``python -m bench.report RUN.json [...]``."""
    import json
    import sys

    for path in sys.argv[1:]:
        report = json.loads(Path(path).read_text())
        results = report["results"]
        print(f"## {path}: load average {report['machine']['loadavg_start']} ->"
              f" {report['machine'].get('loadavg_end')}\n")  # fmt: skip
        print(summary_table(results), end="\n\n")
        print(points_table(results), end="\n\n")
        for result in results:
            print(steps_table(result), end="\n\n")


if __name__ == "__main__":
    main()
