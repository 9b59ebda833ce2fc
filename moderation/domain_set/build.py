"""Rebuild ``domain_set.csv`` from the hand-written messages plus seeded template variations.

Run ``python -m moderation.domain_set.build``. The output is deterministic: the same
inputs give the same rows and the same held-out split.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections import defaultdict
from pathlib import Path

from moderation.domain_set.templates import CRISIS_KINDS, TEMPLATES, fill

HERE = Path(__file__).parent
HANDWRITTEN = {
    # origin -> files. Each batch is split on its own, so adding a batch never moves a row
    # of an earlier batch between train and held-out.
    "handwritten": ("handwritten.tsv",),
    "handwritten-2": ("handwritten_2_crisis.tsv", "handwritten_2_lookalike.tsv"),
    "handwritten-3": (
        "handwritten_3_crisis_a.tsv",
        "handwritten_3_crisis_b.tsv",
        "handwritten_3_lookalike_a.tsv",
        "handwritten_3_lookalike_b.tsv",
    ),
    "handwritten-4": (
        "handwritten_4_crisis_c.tsv",
        "handwritten_4_crisis_d.tsv",
        "handwritten_4_lookalike_c.tsv",
        "handwritten_4_lookalike_d.tsv",
    ),
    "handwritten-5": (
        "handwritten_5_crisis_e.tsv",
        "handwritten_5_crisis_f.tsv",
        "handwritten_5_lookalike_e.tsv",
        "handwritten_5_lookalike_f.tsv",
    ),
    "handwritten-6": (
        "handwritten_6_crisis_g.tsv",
        "handwritten_6_crisis_h.tsv",
        "handwritten_6_lookalike_g.tsv",
        "handwritten_6_lookalike_h.tsv",
    ),
    "handwritten-7": (
        "handwritten_7_crisis_i.tsv",
        "handwritten_7_crisis_j.tsv",
        "handwritten_7_lookalike_i.tsv",
        "handwritten_7_lookalike_j.tsv",
    ),
    "handwritten-8": (
        "handwritten_8_crisis_k.tsv",
        "handwritten_8_crisis_l.tsv",
        "handwritten_8_lookalike_k.tsv",
        "handwritten_8_lookalike_l.tsv",
    ),
    "handwritten-9": (
        "handwritten_9_crisis_m.tsv",
        "handwritten_9_crisis_n.tsv",
        "handwritten_9_lookalike_m.tsv",
        "handwritten_9_lookalike_n.tsv",
    ),
    "handwritten-10": (
        "handwritten_10_crisis_o.tsv",
        "handwritten_10_crisis_p.tsv",
        "handwritten_10_lookalike_o.tsv",
        "handwritten_10_lookalike_p.tsv",
    ),
    "handwritten-11": (
        "handwritten_11_crisis_q.tsv",
        "handwritten_11_crisis_r.tsv",
        "handwritten_11_lookalike_q.tsv",
        "handwritten_11_lookalike_r.tsv",
    ),
    "handwritten-12": (
        "handwritten_12_crisis_s.tsv",
        "handwritten_12_crisis_t.tsv",
        "handwritten_12_lookalike_s.tsv",
        "handwritten_12_lookalike_t.tsv",
    ),
    "handwritten-13": (
        "handwritten_13_crisis_u.tsv",
        "handwritten_13_crisis_v.tsv",
        "handwritten_13_lookalike_u.tsv",
        "handwritten_13_lookalike_v.tsv",
    ),
    "handwritten-14": (
        "handwritten_14_crisis_w.tsv",
        "handwritten_14_crisis_x.tsv",
        "handwritten_14_lookalike_w.tsv",
        "handwritten_14_lookalike_x.tsv",
    ),
    "handwritten-15": (
        "handwritten_15_crisis_y.tsv",
        "handwritten_15_crisis_z.tsv",
        "handwritten_15_lookalike_y.tsv",
        "handwritten_15_lookalike_z.tsv",
    ),
    "handwritten-16": (
        "handwritten_16_crisis_a.tsv",
        "handwritten_16_crisis_b.tsv",
        "handwritten_16_lookalike_a.tsv",
        "handwritten_16_lookalike_b.tsv",
    ),
    "handwritten-17": (
        "handwritten_17_crisis_c.tsv",
        "handwritten_17_crisis_d.tsv",
        "handwritten_17_lookalike_e.tsv",
        "handwritten_17_lookalike_f.tsv",
    ),
    "handwritten-18": (
        "handwritten_18_crisis_g.tsv",
        "handwritten_18_crisis_h.tsv",
        "handwritten_18_lookalike_g.tsv",
        "handwritten_18_lookalike_h.tsv",
    ),
    "handwritten-19": (
        "handwritten_19_crisis_i.tsv",
        "handwritten_19_crisis_j.tsv",
        "handwritten_19_lookalike_i.tsv",
        "handwritten_19_lookalike_j.tsv",
    ),
    "handwritten-20": (
        "handwritten_20_crisis_k.tsv",
        "handwritten_20_crisis_l.tsv",
        "handwritten_20_lookalike_k.tsv",
        "handwritten_20_lookalike_l.tsv",
    ),
    "handwritten-21": (
        "handwritten_21_crisis_m.tsv",
        "handwritten_21_crisis_n.tsv",
        "handwritten_21_lookalike_m.tsv",
        "handwritten_21_lookalike_n.tsv",
    ),
    "handwritten-22": (
        "handwritten_22_crisis_o.tsv",
        "handwritten_22_crisis_p.tsv",
        "handwritten_22_lookalike_o.tsv",
        "handwritten_22_lookalike_p.tsv",
    ),
    "handwritten-23": (
        "handwritten_23_crisis_q.tsv",
        "handwritten_23_crisis_r.tsv",
        "handwritten_23_lookalike_q.tsv",
        "handwritten_23_lookalike_r.tsv",
    ),
    "handwritten-24": (
        "handwritten_24_crisis_s.tsv",
        "handwritten_24_crisis_t.tsv",
        "handwritten_24_lookalike_s.tsv",
        "handwritten_24_lookalike_t.tsv",
    ),
    "handwritten-25": (
        "handwritten_25_crisis_u.tsv",
        "handwritten_25_crisis_v.tsv",
        "handwritten_25_lookalike_u.tsv",
        "handwritten_25_lookalike_v.tsv",
    ),
    "handwritten-26": (
        "handwritten_26_crisis_w.tsv",
        "handwritten_26_crisis_x.tsv",
        "handwritten_26_lookalike_w.tsv",
        "handwritten_26_lookalike_x.tsv",
    ),
}
OUTPUT = HERE / "domain_set.csv"
SEED = 20261123
PER_KIND = 14
HELDOUT_EVERY = 4  # one in four hand-written rows of each kind is held out (25%)


def _read_handwritten() -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for origin, names in HANDWRITTEN.items():
        for name in names:
            with (HERE / name).open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t"))
            out += [(row["text"].strip(), row["kind"], origin) for row in rows]
    return out


def _templated(rng: random.Random) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for kind, templates in sorted(TEMPLATES.items()):
        seen: set[str] = set()
        attempts = 0
        while len(seen) < PER_KIND and attempts < PER_KIND * 50:
            attempts += 1
            text = fill(rng.choice(templates), rng)
            if text not in seen:
                seen.add(text)
                out.append((text, kind, "template"))
    return out


def _assign_splits(rows: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    by_kind: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for row in rows:
        by_kind[row[1]].append(row)
    result: list[dict[str, str]] = []
    for kind in sorted(by_kind):
        ordered = sorted(by_kind[kind], key=lambda r: hashlib.sha1(r[0].encode()).hexdigest())
        heldout: set[str] = set()
        for origin in HANDWRITTEN:
            batch = [r for r in ordered if r[2] == origin]
            heldout |= {r[0] for i, r in enumerate(batch) if i % HELDOUT_EVERY == 0}
        for text, _, origin in ordered:
            # Template rows share wording, so they stay in train: held-out is hand-written only.
            split = "heldout" if text in heldout else "train"
            crisis = "1" if kind in CRISIS_KINDS else "0"
            result.append(
                {"text": text, "crisis": crisis, "kind": kind, "split": split, "origin": origin}
            )
    return result


def build() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    rows = _read_handwritten() + _templated(rng)
    unique: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        unique.setdefault(row[0].lower(), row)
    return _assign_splits(list(unique.values()))


def main() -> None:
    rows = build()
    with OUTPUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "crisis", "kind", "split", "origin"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUTPUT}")


if __name__ == "__main__":
    main()
