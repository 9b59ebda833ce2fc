"""``huddle classify`` round trip through the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HUDDLE = Path(sys.executable).parent / "huddle"


def test_classify_streams_one_line_per_input_and_never_breaks() -> None:
    lines = [
        json.dumps({"text": "I want to kill myself"}),
        json.dumps({"text": ""}),
        json.dumps({"text": "word " * 50_000}),
        json.dumps({"text": "Je veux mourir. 我很累。 ☕️ \x00\x07"}),
        "this is not json",
        json.dumps({"nottext": 1}),
        json.dumps({"text": "this rota is killing me"}),
    ]
    out = subprocess.run(
        [str(HUDDLE), "classify"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == len(lines)
    assert results[0]["level"] == "crisis"
    assert results[1] == {"risk": 0.0, "level": "none", "reasons": []}
    assert "error" in results[4] and "error" in results[5]
    assert results[6]["level"] == "none"
    for r in results[:4] + results[6:]:
        assert 0.0 <= r["risk"] <= 1.0 and r["level"] in ("none", "concern", "crisis")
