"""How often the abusive-language screen hides ordinary messages (its false-positive rate).

Run ``python -m bench.abuse_false_positives [kind]`` (kind: onnx, the default, or keyword).
A message the screen calls abusive is hidden from the room pending review, so a false
positive silences someone who did nothing wrong. Measured on:

- staff chat: the domain set's non-crisis rows (UK healthcare staff voice, including
  clinical talk about overdoses and death, and figurative speech such as "this rota is
  killing me"), which contain no abuse;
- everyday Reddit comments (GoEmotions) and help-seekers' chat turns (ESConv test split):
  ordinary and distressed conversation from outside healthcare, profanity included;
- the crisis rows of the domain set: people in distress must never be hidden (the policy
  also never hides a crisis, but the screen's own rate is reported);
- Davidson et al.'s tweets labelled "neither" (not hate, not offensive), and its
  "offensive"/"hate" rows for the detection rate the threshold buys.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from moderation.classifier import load_analyzer

REPO = Path(__file__).resolve().parents[1]
DOMAIN_SET = REPO / "moderation" / "domain_set" / "domain_set.csv"
DATA = REPO.parent / "shared" / "data"
DAVIDSON = DATA / "train" / "davidson-hate-offensive"
GOEMOTIONS = DATA / "train" / "goemotions-reddit"
ESCONV = DATA / "eval" / "esconv-seeker-turns"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _folder(folder: Path) -> list[dict[str, str]]:
    files = sorted(folder.glob("*.csv"))
    return _rows(files[0]) if files else []


def flagged_rate(kind: str, texts: Sequence[str]) -> tuple[int, int]:
    analyzer = load_analyzer(kind)
    flagged = 0
    for start in range(0, len(texts), 64):
        batch = list(texts[start : start + 64])
        flagged += sum(a.abuse.abusive for a in analyzer.analyze(batch))
    return flagged, len(texts)


def main(argv: Sequence[str]) -> int:
    kind = argv[0] if argv else "onnx"
    domain = _rows(DOMAIN_SET)
    davidson = _folder(DAVIDSON)
    esconv = [r for r in _folder(ESCONV) if r.get("split", "test") == "test"]
    sets = {
        "staff chat (domain set, crisis=0)": [r["text"] for r in domain if r["crisis"] == "0"],
        "staff in crisis (domain set, crisis=1)": [r["text"] for r in domain if r["crisis"] == "1"],
        "everyday comments (GoEmotions, first 2000)": [r["text"] for r in _folder(GOEMOTIONS)][
            :2000
        ],
        "distressed help-seeker chat (ESConv test, first 2000)": [r["text"] for r in esconv][:2000],
        "tweets labelled neither (Davidson)": [
            r["text"] for r in davidson if r["label"] == "neither"
        ][:2000],
        "tweets labelled offensive or hate (Davidson)": [
            r["text"] for r in davidson if r["label"] != "neither"
        ][:2000],
    }
    results = {}
    for name, texts in sets.items():
        if not texts:
            continue
        flagged, total = flagged_rate(kind, texts)
        results[name] = {"flagged": flagged, "total": total, "rate": round(flagged / total, 4)}
        print(f"{name:50s} {flagged:5d}/{total:<5d} = {flagged / total:.2%}")
    print(json.dumps({"analyzer": kind, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
