"""The encoder's integer MatMuls (``moderation.quantise``): exact, per token, never saturated."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from moderation.quantise import ACTIVATION_MAX, quantise_matmuls, quantise_weight

Array = np.ndarray[Any, Any]


def _quantised_matmul(w: Array) -> ort.InferenceSession:
    """A one-MatMul float graph, rewritten exactly as the encoder's are at export."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "tokens", w.shape[0]])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "tokens", w.shape[1]])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "one_matmul",
        [x],
        [y],
        [numpy_helper.from_array(w.astype(np.float32), "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    assert quantise_matmuls(model) == 1
    assert [n.op_type for n in model.graph.node].count("MatMulInteger") == 1
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _reference(x: Array, w: Array) -> Array:
    """The same arithmetic in numpy, in float64: what exact integer sums must give."""
    q, column_scale = quantise_weight(w.astype(np.float32))
    token_range = np.maximum(np.abs(x).max(axis=-1, keepdims=True), 1e-12)
    codes = np.floor(x * (ACTIVATION_MAX / token_range) + 0.5)
    sums = codes.astype(np.float64) @ q.astype(np.float64)
    return sums * column_scale * (token_range / ACTIVATION_MAX)  # type: ignore[no-any-return]


def _run(session: ort.InferenceSession, x: Array) -> Array:
    (y,) = session.run(None, {"x": x.astype(np.float32)})
    return y  # type: ignore[no-any-return]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_largest_codes_against_the_largest_weights_do_not_saturate(sign: float) -> None:
    # Every activation at its top code against every weight at +127: the pairs that
    # vpmaddubsw adds into int16 on AVX2 without VNNI. 8-bit codes would clip here.
    k = 384
    w = np.full((k, 4), 0.5, dtype=np.float32)
    x = np.full((1, 2, k), sign * 3.0, dtype=np.float32)
    y = _run(_quantised_matmul(w), x)
    np.testing.assert_allclose(y, np.full((1, 2, 4), sign * 3.0 * 0.5 * k), rtol=1e-5)


def test_integer_sums_are_exact() -> None:
    rng = np.random.default_rng(7)
    w = rng.normal(size=(384, 96)).astype(np.float32)
    x = rng.normal(size=(3, 11, 384)).astype(np.float32) * rng.uniform(0.01, 50, (3, 11, 1))
    np.testing.assert_allclose(_run(_quantised_matmul(w), x), _reference(x, w), rtol=1e-5)


def test_each_token_is_quantised_from_its_own_values() -> None:
    # A token's result must not move with a loud neighbour in its batch.
    rng = np.random.default_rng(8)
    w = rng.normal(size=(64, 16)).astype(np.float32)
    session = _quantised_matmul(w)
    quiet = rng.normal(size=(1, 5, 64)).astype(np.float32) * 0.01
    loud = rng.normal(size=(1, 5, 64)).astype(np.float32) * 1000
    together = _run(session, np.concatenate([quiet, loud]))
    np.testing.assert_array_equal(together[0], _run(session, quiet)[0])


def test_the_result_stays_close_to_float() -> None:
    rng = np.random.default_rng(9)
    w = rng.normal(size=(384, 384)).astype(np.float32)
    x = rng.normal(size=(2, 20, 384)).astype(np.float32)
    exact = x @ w
    error = np.abs(_run(_quantised_matmul(w), x) - exact).mean() / np.abs(exact).mean()
    assert error < 0.02
