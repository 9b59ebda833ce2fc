"""``huddle eval-classifier``: measure the shipped model and the keyword baseline.

Writes ``docs/classifier-report.md`` and ``docs/classifier-pr.png``. Reads the domain
held-out split and ``../shared/data/eval``; nothing here is ever trained on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation import datasets
from moderation.assessment import RiskLevel
from moderation.datasets import Example
from moderation.domain_set.build import HANDWRITTEN
from moderation.heads import Array
from moderation.lexicon import crisis_hits, keyword_match
from moderation.onnx_classifier import OnnxAnalyzer, clean_text
from moderation.report import write_report

DOCS = datasets.REPO_ROOT / "docs"
MILD_SWEARING = (
    "this shift was shit",
    "fucking hell what a night, three arrests",
    "the rota is a pile of crap again",
    "bloody printer jammed during the drug round",
    "absolute shitshow on the ward today, no beds anywhere",
    "pissed off that my annual leave got cancelled",
    "damn, forgot my lunch again",
    "what a crap day, need wine",
    "the car park is a fucking joke",
    "knackered and grumpy, this job is shit some days",
)

# Plain room and one-to-one chatter, written for this probe (not in the domain set). The
# batches-1-16 model paged a lead on 2 of these, the batches-1-19 model on 1, both
# batches-1-22 models, both batches-1-23 models (one seed, two) and the batches-1-24 to
# 1-26 models on none; the batches-1-25 model put "sorry for the slow reply, been on
# nights" at `concern` (0.85), the batches-1-26 model none (0.20).
ORDINARY_CHAT = (
    "night all x",
    "sorry I'm late, handover ran over",
    "thanks so much for listening tonight",
    "ok bye for now, speak tomorrow",
    "anyone fancy swapping a late on Friday for an early on Sunday?",
    "thanks everyone, you're all lovely",
    "right, off to pick the kids up, back later",
    "finally booked a week in Cornwall for the summer",
    "revalidation is due next month, anyone got a reflection template?",
    "made a massive lasagne, the kids demolished it",
    "sorry for the slow reply, been on nights",
    "see you all next week",
    "that's really kind, thank you for saying that",
    "appreciate you all",
    "that's a good idea, I'll give it a go",
    "haha same",
    "gotta run, the bleep is going off",
    "going to bed now, long day tomorrow",
    "thanks for checking in on me",
    "who is bringing snacks for nights tomorrow?",
)


# Everyday lines that use the words crisis messages also use (plans, dates, notes, last
# shifts, goodbyes), written for this probe after the calibration chat rows that scored
# highest turned out to be of this shape ("... don't want to miss the date.", 1.00); not in the
# domain set. The batches-1-24 model paged a lead on 8 of these 20 and put 3 more at
# `concern`; the batches-1-25 model, trained on a batch aimed at this weakness, paged on 5
# and put 3 more at `concern`, and the batches-1-26 model, with a second such batch, pages
# on 6 and puts 2 more at `concern` (MODEL_CARD.md, Known limits).
SHARED_WORDS = (
    "don't want to miss the date",
    "we've set a date for the wedding",
    "got a date for my driving test finally",
    "I've planned it all for Saturday, bring a bottle",
    "Stuff I had planned is being cancelled again",
    "the plan is sorted for Sunday",
    "pub after the last night?",
    "last night shift of the block, then four off",
    "it's my last shift before annual leave",
    "my surgery got postponed again",
    "I'm way behind on my mortgage",
    "I'm so behind on my mandatory training",
    "I've been saving up my annual leave for August",
    "written my note for the handover",
    "I've given away all my old scrubs to the new starters",
    "I won't be here next week, on holiday",
    "said my goodbyes to the night team, moving to days",
    "sorted everything out for the kids this weekend",
    "can't wait for it all to be over, this audit is endless",
    "I've got it all worked out, the rota finally works",
)


@dataclass(frozen=True)
class SetScores:
    name: str
    examples: list[Example]
    labels: Array
    shipped: Array
    no_floor: Array
    plain: Array
    keyword: Array
    abuse: Array


def _score(analyzer: OnnxAnalyzer, name: str, examples: list[Example]) -> SetScores:
    texts = datasets.texts(examples)
    s = analyzer.scores(texts)
    t = analyzer.thresholds
    floors = np.array(
        [max((t.floor(h.floor) for h in crisis_hits(clean_text(x))), default=0.0) for x in texts],
        dtype=np.float32,
    )
    keyword = np.array([float(keyword_match(x)) for x in texts], dtype=np.float32)
    labels = np.array([e.label for e in examples], dtype=np.float32)
    return SetScores(
        name, examples, labels, np.maximum(s.crisis, floors), s.crisis, s.plain, keyword, s.abuse
    )


def _rates(labels: Array, scores: Array, threshold: float) -> dict[str, float]:
    flagged = scores >= threshold
    pos, neg = labels == 1, labels == 0
    return {
        "recall": float(flagged[pos].mean()) if pos.any() else float("nan"),
        "false_alarms": float(flagged[neg].mean()) if neg.any() else float("nan"),
    }


def _recall_at_fpr(labels: Array, scores: Array, fpr: float) -> float:
    neg = scores[labels == 0]
    pos = scores[labels == 1]
    if not len(neg) or not len(pos):
        return float("nan")
    cut = np.sort(neg)[::-1][int(np.floor(fpr * len(neg)))] if fpr * len(neg) < len(neg) else 0.0
    return float((pos > cut).mean())


def _ap(labels: Array, scores: Array) -> float:
    from sklearn.metrics import average_precision_score

    if labels.min() == labels.max():
        return float("nan")
    return float(average_precision_score(labels, scores))


def summarise(s: SetScores, concern: float, crisis: float) -> dict[str, Any]:
    return {
        "set": s.name,
        "rows": len(s.examples),
        "crisis_rows": int(s.labels.sum()),
        "flagged": _rates(s.labels, s.shipped, concern),
        "crisis_level": _rates(s.labels, s.shipped, crisis),
        "no_lexical_floor": _rates(s.labels, s.no_floor, concern),
        "keyword": _rates(s.labels, s.keyword, 0.5),
        "recall_at_10pct_fpr": {
            "shipped": _recall_at_fpr(s.labels, s.shipped, 0.10),
            "no_lexical_floor": _recall_at_fpr(s.labels, s.no_floor, 0.10),
            "embedding_only": _recall_at_fpr(s.labels, s.plain, 0.10),
        },
        "average_precision": {
            "shipped": _ap(s.labels, s.shipped),
            "no_lexical_floor": _ap(s.labels, s.no_floor),
            "embedding_only": _ap(s.labels, s.plain),
            "keyword": _ap(s.labels, s.keyword),
        },
    }


def targets(sets: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 3's evaluation targets against the summaries of ``summarise``: the domain and
    ESConv ones at the shipped thresholds, tsid-twitter's on its precision-recall curve, as
    the issue states it ("recall >= 0.85 at <= 10% false alarms")."""
    by_name = {s["set"]: s for s in sets}
    domain = by_name["domain held-out"]["flagged"]
    tsid = by_name["tsid-twitter"]["recall_at_10pct_fpr"]["shipped"]
    esconv = by_name["esconv-seeker-turns (test)"]["flagged"]["false_alarms"]
    return [
        {
            "target": "domain held-out: recall >= 95% and lookalike false alarms <= 5% (flagged)",
            "measured": [domain["recall"], domain["false_alarms"]],
            "met": domain["recall"] >= 0.95 and domain["false_alarms"] <= 0.05,
        },
        {
            "target": "tsid-twitter: recall >= 85% at 10% false alarms (precision-recall curve)",
            "measured": [tsid],
            "met": tsid >= 0.85,
        },
        {
            "target": "esconv-seeker-turns (test): false alarms <= 2% (flagged)",
            "measured": [esconv],
            "met": esconv <= 0.02,
        },
    ]


def per_kind(s: SetScores, concern: float, crisis: float) -> list[dict[str, Any]]:
    rows = []
    for kind in sorted({e.kind for e in s.examples}):
        idx = np.array([e.kind == kind for e in s.examples])
        rows.append(
            {
                "kind": kind,
                "crisis": int(s.labels[idx][0]),
                "n": int(idx.sum()),
                "flagged": float((s.shipped[idx] >= concern).mean()),
                "crisis_level": float((s.shipped[idx] >= crisis).mean()),
                "keyword": float(s.keyword[idx].mean()),
            }
        )
    return rows


def abuse_false_alarms(analyzer: OnnxAnalyzer, domain: SetScores) -> dict[str, Any]:
    cut = analyzer.thresholds.abuse
    swearing = analyzer.scores(list(MILD_SWEARING)).abuse
    venting = np.array([e.kind == "venting" for e in domain.examples])
    return {
        "threshold": cut,
        "domain_heldout_all": float((domain.abuse >= cut).mean()),
        "domain_heldout_venting": float((domain.abuse[venting] >= cut).mean()),
        "mild_swearing_probe": float((swearing >= cut).mean()),
        "mild_swearing_probe_n": len(MILD_SWEARING),
    }


def chat_probe(analyzer: OnnxAnalyzer, lines: Sequence[str]) -> dict[str, Any]:
    """How many lines of a fixed probe would reach a supporter, or page a lead."""
    levels = [r.level for r in analyzer.assess(list(lines))]
    pairs = list(zip(lines, levels, strict=True))
    return {
        "n": len(lines),
        "flagged": [text for text, level in pairs if level is not RiskLevel.NONE],
        "crisis_level": [text for text, level in pairs if level is RiskLevel.CRISIS],
    }


def plot_pr(sets: Sequence[SetScores], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    fig, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 4.2))
    for ax, s in zip(np.atleast_1d(axes), sets, strict=True):
        for label, scores in (
            ("shipped", s.shipped),
            ("no lexical floor", s.no_floor),
            ("embedding only", s.plain),
        ):
            p, r, _ = precision_recall_curve(s.labels, scores)
            ax.plot(r, p, label=label)
        kw = _rates(s.labels, s.keyword, 0.5)
        kw_prec = float(s.labels[s.keyword >= 0.5].mean()) if (s.keyword >= 0.5).any() else 0.0
        ax.scatter([kw["recall"]], [kw_prec], marker="x", color="k", label="keyword baseline")
        ax.set_title(s.name)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _subset(s: SetScores, name: str, texts: set[str]) -> SetScores:
    """The rows of ``s`` whose text is in ``texts``, without scoring them again."""
    keep = np.array([e.text in texts for e in s.examples])
    examples = [e for e, k in zip(s.examples, keep, strict=True) if k]
    return SetScores(
        name,
        examples,
        s.labels[keep],
        s.shipped[keep],
        s.no_floor[keep],
        s.plain[keep],
        s.keyword[keep],
        s.abuse[keep],
    )


def evaluate() -> dict[str, Any]:
    analyzer = OnnxAnalyzer.from_model_dir(threads=2)
    t = analyzer.thresholds
    domain = _score(analyzer, "domain held-out", datasets.domain_set("heldout"))
    # Each hand-written batch on its own too. Batches after the first were written after
    # earlier results were seen, by writers who never saw any held-out row: the fairer
    # estimate of how the model meets new staff messages.
    batches = [
        _subset(
            domain,
            f"domain held-out, batch {number}",
            set(datasets.texts(datasets.domain_set("heldout", origin))),
        )
        for number, origin in enumerate(HANDWRITTEN, start=1)
    ]
    sets = [
        domain,
        _score(analyzer, "tsid-twitter", datasets.eval_set("tsid-twitter")),
        *batches,
        _score(
            analyzer, "esconv-seeker-turns (test)", datasets.eval_set("esconv-seeker-turns", "test")
        ),
        _score(analyzer, "sdcnl-reddit (test)", datasets.eval_set("sdcnl-reddit", "test")),
        _score(analyzer, "dreaddit-stress (test)", datasets.eval_set("dreaddit-stress", "test")),
    ]
    summaries = [summarise(s, t.concern, t.crisis) for s in sets]
    results = {
        "thresholds": {"concern": t.concern, "crisis": t.crisis, "abuse": t.abuse},
        "targets": targets(summaries),
        "sets": summaries,
        "domain_per_kind": per_kind(sets[0], t.concern, t.crisis),
        "abuse": abuse_false_alarms(analyzer, sets[0]),
        "ordinary_chat": chat_probe(analyzer, ORDINARY_CHAT),
        "shared_words": chat_probe(analyzer, SHARED_WORDS),
    }
    DOCS.mkdir(exist_ok=True)
    plot_pr(sets[:2], DOCS / "classifier-pr.png")
    (DOCS / "classifier-metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    write_report(results, DOCS / "classifier-report.md")
    print(f"wrote {DOCS / 'classifier-report.md'}")
    return results
