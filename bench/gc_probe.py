"""Run the baseline server with the cyclic GC timed: ``python bench/gc_probe.py [ARGS...]``.

py-spy attributes collection time to whatever allocation triggered it, so GC cost hides
in a profile. This prints, at exit, per generation: (collections, total ms, longest ms).
``BENCH_GC_THRESHOLDS=50000,20,10`` also sets the thresholds first. Used through
``BENCH_BASELINE_WRAPPER=bench/gc_probe.py`` to probe the baseline server.
"""

from __future__ import annotations

import atexit
import gc
import os
import runpy
import sys
import time

sys.path.insert(0, os.getcwd())
stats: dict[int, tuple[int, float, float]] = {}
started = [0.0]


def _timer(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - started[0]) * 1000
    n, total, longest = stats.get(info["generation"], (0, 0.0, 0.0))
    stats[info["generation"]] = (n + 1, total + ms, max(longest, ms))


def _report() -> None:
    shown = {g: (n, round(t), round(m)) for g, (n, t, m) in sorted(stats.items())}
    sys.stderr.write(f"GCSTATS {shown}\n")


if __name__ == "__main__":
    thresholds = os.environ.get("BENCH_GC_THRESHOLDS")
    if thresholds:
        gc.set_threshold(*(int(t) for t in thresholds.split(",")))
    gc.callbacks.append(_timer)
    atexit.register(_report)
    module = os.environ.get("BENCH_GC_MODULE", "bench.baseline_server")
    sys.argv = [module, *sys.argv[1:]]
    runpy.run_module(module, run_name="__main__")
