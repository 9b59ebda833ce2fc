"""Splitting a batch into encoder calls by token length (``moderation.token_groups``)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from moderation.onnx_classifier import OnnxAnalyzer
from moderation.token_groups import (
    CALL_COST_TOKENS,
    MAX_PADDED_TOKENS,
    MAX_ROWS,
    padded_tokens,
    plan_groups,
)


def _plan_cost(lengths: list[int], groups: list[list[int]]) -> int:
    return len(groups) * CALL_COST_TOKENS + padded_tokens(lengths, groups)


def _brute_force_cost(lengths: list[int]) -> int:
    """Every way to cut the sorted lengths into runs: the plan may not beat or lose to it."""
    ordered = sorted(lengths)
    best = None
    for cuts in itertools.product([False, True], repeat=len(ordered) - 1):
        groups, current = [], [0]
        for i, cut in enumerate(cuts, start=1):
            if cut:
                groups.append(current)
                current = []
            current.append(i)
        groups.append(current)
        cost = _plan_cost(ordered, groups)
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(20))
def test_the_plan_is_the_cheapest_cut(seed: int) -> None:
    rng = random.Random(seed)
    lengths = [rng.choice([3, 5, 8, 9, 12, 16, 40, 90]) for _ in range(rng.randint(1, 11))]
    groups = plan_groups(lengths)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert _plan_cost(lengths, groups) == _brute_force_cost(lengths)


def test_equal_lengths_share_one_call_and_outliers_get_their_own() -> None:
    lengths = [12] * 30 + [200]
    groups = plan_groups(lengths)
    assert [sorted(g) for g in groups] == [list(range(30)), [30]]
    assert padded_tokens(lengths, groups) == sum(lengths)


def test_calls_are_bounded_in_rows_and_padded_tokens() -> None:
    lengths = [7] * 500 + [256] * 40
    groups = plan_groups(lengths)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert len(group) <= MAX_ROWS
        assert len(group) * max(lengths[i] for i in group) <= MAX_PADDED_TOKENS


def test_an_empty_batch_has_no_calls() -> None:
    assert plan_groups([]) == []


def test_padding_inside_a_call_does_not_change_an_embedding(analyzer: OnnxAnalyzer) -> None:
    # Lengths close enough that the plan pads some texts to their neighbours' length.
    texts = [f"night shift {'again ' * i}and the bleep never stopped" for i in range(12)]
    encoder = analyzer._encoder
    lengths = [len(ids) for ids in encoder._tokenizer(texts)["input_ids"]]
    assert padded_tokens(lengths, plan_groups(lengths)) > sum(lengths)
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
