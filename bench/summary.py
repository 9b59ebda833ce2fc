"""``make bench``: a short run (under 3 minutes on 2 cores) that prints one summary table.

Baseline and Huddle (persistence on, no-op classifier) at two load points, first as one
process each, then as two processes sharing a private redis-server, with Huddle's figures
as ratios to the baseline's. The full step test is ``python -m bench.load`` (see
docs/performance.md).
"""

from __future__ import annotations

import shutil
import sys
import time

from bench import load
from bench.report import points_table, summary_table

ARGS = [
    "--servers", "baseline,huddle",
    "--clients", "1000",
    "--rooms", "10",
    "--rates", "20,60",
    "--step-seconds", "4",
    "--warmup", "1",
    "--settle-max", "3",
    "--stop-after", "3",
    "--hold", "1",
]  # fmt: skip


def main() -> None:
    started = time.monotonic()
    processes = "1,2" if shutil.which("redis-server") else "1"
    if processes == "1":
        print("redis-server not found: skipping the two-process run", file=sys.stderr)
    report = load.run(load.parse_args([*ARGS, "--processes", processes, *sys.argv[1:]]))
    print()
    print("Summary (rooms of 100; ratios are Huddle / baseline at the same offered load):")
    print(points_table(report["results"]))
    print()
    print(summary_table(report["results"]))
    print(f"\nmachine: {report['machine']['nproc']} x {report['machine']['cpu']}, load average"
          f" {report['machine']['loadavg_start']} -> {report['machine']['loadavg_end']};"
          f" took {time.monotonic() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
