"""Sampling a server under load with py-spy and summarising where its time goes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def start_py_spy(pid: int, duration: float, out: Path, rate: int = 250) -> subprocess.Popen[bytes]:
    """Record collapsed stacks (py-spy's raw format) of ``pid`` for ``duration`` seconds."""
    beside = Path(sys.executable).parent / "py-spy"
    exe = str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"
    cmd = [
        exe, "record", "--pid", str(pid), "--duration", str(max(1, round(duration))),
        "--rate", str(rate), "--format", "raw", "--nonblocking", "-o", str(out),
    ]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("file")
    for marker in ("site-packages/", "python3.11/", "wt-bench/", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('func')} ({path})"


def summarise(raw: Path, top: int = 25) -> str:
    """Self and inclusive time per function, as shares of all samples, plus idle share."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        self_time[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return "no samples\n"
    lines = [f"samples: {total} (py-spy, idle left out: shares are of busy time)", ""]
    lines.append("top self time:")
    for name, count in self_time.most_common(top):
        lines.append(f"  {100 * count / total:5.1f}%  {name}")
    lines.append("")
    lines.append("top inclusive time:")
    for name, count in inclusive.most_common(top):
        lines.append(f"  {100 * count / total:5.1f}%  {name}")
    return "\n".join(lines) + "\n"
