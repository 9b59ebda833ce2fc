"""CPU and memory of a process tree, read from /proc (Linux only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            kids.extend(int(k) for k in text)
    except OSError:
        pass
    return kids


def tree(pid: int) -> list[int]:
    """The pid and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process, in seconds (0 once it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # Fields after the command name, which is parenthesised and may contain spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in tree(pid))


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS")


def peak_rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class CpuMeter:
    """CPU share (1.0 = one core) of a set of process trees between start() and stop()."""

    pids: list[int]
    children: bool = True
    _cpu0: float = 0.0
    _t0: float = 0.0

    def _total(self) -> float:
        read = tree_cpu_seconds if self.children else cpu_seconds
        return sum(read(p) for p in self.pids)

    def start(self, now: float) -> None:
        self._cpu0, self._t0 = self._total(), now

    def stop(self, now: float) -> tuple[float, float]:
        """(cores used on average, CPU seconds used)."""
        used = self._total() - self._cpu0
        return (used / (now - self._t0) if now > self._t0 else 0.0), used
