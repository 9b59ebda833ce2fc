"""Issue 3's targets in the classifier report: computed from the summaries, printed so that
a near miss cannot round to a pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moderation.evaluate import targets
from moderation.report import write_report


def _set(name: str, recall: float, false_alarms: float, at_10pct: float = 0.0) -> dict[str, Any]:
    return {
        "set": name,
        "flagged": {"recall": recall, "false_alarms": false_alarms},
        "recall_at_10pct_fpr": {"shipped": at_10pct},
    }


def _summaries(domain: tuple[float, float], tsid: float, esconv: float) -> list[dict[str, Any]]:
    return [
        _set("domain held-out", *domain),
        _set("tsid-twitter", 0.80, 0.03, tsid),
        _set("esconv-seeker-turns (test)", float("nan"), esconv),
    ]


def test_each_target_is_met_only_at_or_past_its_bound() -> None:
    met = targets(_summaries((0.95, 0.05), 0.85, 0.02))
    assert [t["met"] for t in met] == [True, True, True]
    missed = targets(_summaries((0.9464, 0.0243), 0.849, 0.0205))
    assert [t["met"] for t in missed] == [False, False, False]
    # The domain target needs both halves: recall alone is not enough.
    assert not targets(_summaries((0.99, 0.051), 0.9, 0.01))[0]["met"]


def test_the_report_prints_a_near_miss_as_missed_with_two_decimals(tmp_path: Path) -> None:
    results = {
        "thresholds": {"concern": 0.73, "crisis": 0.981, "abuse": 0.5},
        "targets": targets(_summaries((0.9464, 0.0243), 0.9148, 0.0205)),
        "sets": [],
        "domain_per_kind": [],
        "abuse": {
            "domain_heldout_all": 0.005,
            "domain_heldout_venting": 0.005,
            "mild_swearing_probe": 0.0,
            "mild_swearing_probe_n": 10,
        },
        "ordinary_chat": {"n": 20, "flagged": [], "crisis_level": []},
        "shared_words": {
            "n": 3,
            "flagged": ["the plan is sorted for Sunday", "pub after the last night?"],
            "crisis_level": ["the plan is sorted for Sunday"],
        },
    }
    path = tmp_path / "report.md"
    write_report(results, path)
    text = path.read_text(encoding="utf-8")
    assert "| esconv-seeker-turns (test): false alarms <= 2% (flagged) | 2.05% | **no** |" in text
    assert "| 94.64% / 2.43% | **no** |" in text
    assert "| 91.48% | yes |" in text
    assert "Of 20 plain chat lines" in text and "0 would reach a supporter" in text
    # A probe line that pages a lead is told apart from one that only reaches a supporter.
    assert "2 would reach a supporter and 1 would page a lead" in text
    assert "- pages a lead: the plan is sorted for Sunday" in text
    assert "- flagged: pub after the last night?" in text
