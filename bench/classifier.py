"""Classifier speed: latency, throughput, CPU time, memory and cold start. Prints figures only.

    python -m bench.classifier [--quick] [--threads N]

The "domain" row uses held-out domain messages, whose lengths are real (5 to 200+
tokens); the rest use eight short chat lines. Each analyzer runs in a fresh subprocess
so that peak RSS and cold start are its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moderation.classifier import Analyzer

DOMAIN_SET = Path(__file__).parent.parent / "moderation" / "domain_set" / "domain_set.csv"
MESSAGES = [
    "Long day on the ward, handover ran late again and I'm exhausted",
    "this rota is killing me",
    "I keep thinking about taking the insulin from the fridge",
    "Risk assessment done for bed 4, referred to liaison psych",
    "Last shift tonight before I move trusts, thank you all",
    "I don't want to be here anymore",
    "Anyone know the paracetamol overdose treatment line?",
    "Cried in the car park but I'll be fine after some sleep",
]


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def domain_texts(limit: int) -> list[str]:
    """Held-out domain messages: real lengths (5 to 200+ tokens), not eight short lines."""
    with DOMAIN_SET.open(encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh) if row["split"] == "heldout"]
    return texts[:limit]


def _in_batches(analyzer: Analyzer, texts: list[str]) -> tuple[float, float]:
    """CPU and wall seconds to analyse ``texts`` in batches of 64."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for start in range(0, len(texts), 64):
        analyzer.analyze(texts[start : start + 64])
    return time.process_time() - cpu0, time.perf_counter() - wall0


def measure(kind: str, quick: bool, threads: int) -> dict[str, float]:
    started = time.perf_counter()
    from moderation.classifier import load_analyzer

    analyzer = load_analyzer(kind, threads=threads)
    analyzer.analyze(["warm up"])
    cold_start = time.perf_counter() - started

    singles = 100 if quick else 500
    latencies = []
    for i in range(singles):
        text = MESSAGES[i % len(MESSAGES)]
        t0 = time.perf_counter()
        analyzer.analyze([text])
        latencies.append(time.perf_counter() - t0)

    batch_total = 640 if quick else 3200
    texts = [MESSAGES[i % len(MESSAGES)] + f" #{i}" for i in range(batch_total)]
    cpu, wall = _in_batches(analyzer, texts)
    domain = domain_texts(320 if quick else 1280)
    domain_cpu, _ = _in_batches(analyzer, domain)
    latencies.sort()
    return {
        "cold_start_s": cold_start,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
        "batch_msgs_per_s": batch_total / wall,
        "cpu_ms_per_msg": cpu / batch_total * 1000,
        "domain_cpu_ms_per_msg": domain_cpu / len(domain) * 1000,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _run_child(kind: str, quick: bool, threads: int) -> dict[str, float]:
    args = [sys.executable, "-m", "bench.classifier", "--child", kind, "--threads", str(threads)]
    out = subprocess.run(
        args + (["--quick"] if quick else []), capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (< 30 s)")
    parser.add_argument("--threads", type=int, default=2, help="ONNX intra-op threads")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.quick, args.threads)))
        return
    results = {kind: _run_child(kind, args.quick, args.threads) for kind in ("onnx", "keyword")}
    keys = list(results["onnx"])
    print(f"{'metric':<18}{'onnx':>12}{'keyword':>12}{'onnx/keyword':>14}")
    for key in keys:
        a, b = results["onnx"][key], results["keyword"][key]
        ratio = a / b if b else float("inf")
        print(f"{key:<18}{a:>12.3f}{b:>12.3f}{ratio:>14.1f}")


if __name__ == "__main__":
    main()
