"""Integer arithmetic for the encoder's MatMuls, the same on every x86 CPU (needs ``onnx``).

Each MatMul against a weight matrix becomes::

    activations, per token, to 7 bits ──▶ MatMulInteger (uint8 x int8, int32 sums)
    weights, per output column, to int8 ──┘        └──▶ x column scale x token scale

Per token: a token's codes come from its own values only, so a message scores the same
alone or in any batch (per-tensor dynamic int8 moved scores by up to 0.28 with the batch's
neighbours), and int32 sums are exact, so neither padding nor summation order leaks in.

Seven bits: CPUs with AVX2 but no VNNI multiply uint8 by int8 with ``vpmaddubsw``, which
adds each pair of products into a saturating int16. Codes in [1, 127] (zero point 64)
against weights in [-127, 127] keep every pair under 2**15, so no CPU saturates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ACTIVATION_MAX = 63
"""Codes run from -63 to 63 around the zero point; see the module docstring."""
ZERO_POINT = ACTIVATION_MAX + 1
_PREFIX = "tokq_"


def quantise_weight(w: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Symmetric int8 per output column: ``w ~= q * scale``."""
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def _constants() -> list[Any]:
    from onnx import numpy_helper

    values: dict[str, np.ndarray[Any, Any]] = {
        "qmax": np.array(float(ACTIVATION_MAX), np.float32),
        "tiny": np.array(1e-12, np.float32),
        # Cast to uint8 truncates; the codes are positive, so +0.5 makes it round.
        "offset": np.array(ZERO_POINT + 0.5, np.float32),
        "zero_point": np.array(ZERO_POINT, np.uint8),
        "weight_zero_point": np.array(0, np.int8),
    }
    return [numpy_helper.from_array(v, _PREFIX + k) for k, v in values.items()]


def _token_quantiser(x: str, p: str) -> tuple[list[Any], str, str]:
    """Nodes that turn float ``x`` into uint8 codes and a scale per token (last axis)."""
    from onnx import TensorProto, helper

    c = _PREFIX
    nodes = [
        helper.make_node("Abs", [x], [p + "abs"]),
        helper.make_node("ReduceMax", [p + "abs"], [p + "absmax"], axes=[-1], keepdims=1),
        helper.make_node("Max", [p + "absmax", c + "tiny"], [p + "range"]),
        helper.make_node("Div", [p + "range", c + "qmax"], [p + "scale"]),
        helper.make_node("Div", [c + "qmax", p + "range"], [p + "inverse"]),
        helper.make_node("Mul", [x, p + "inverse"], [p + "scaled"]),
        helper.make_node("Add", [p + "scaled", c + "offset"], [p + "shifted"]),
        helper.make_node("Cast", [p + "shifted"], [p + "codes"], to=TensorProto.UINT8),
    ]
    return nodes, p + "codes", p + "scale"


def _integer_matmul(codes: str, token_scale: str, weight: str, output: str) -> list[Any]:
    from onnx import TensorProto, helper

    c = _PREFIX
    return [
        helper.make_node(
            "MatMulInteger",
            [codes, f"{weight}_int8", c + "zero_point", c + "weight_zero_point"],
            [output + "_int32"],
        ),
        helper.make_node("Cast", [output + "_int32"], [output + "_sums"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [output + "_sums", f"{weight}_scale"], [output + "_columns"]),
        helper.make_node("Mul", [output + "_columns", token_scale], [output]),
    ]


def quantise_matmuls(model: Any) -> int:
    """Rewrite every float MatMul against a 2-D initializer in place; returns how many.

    MatMuls that read the same activations (query, key and value) share one quantiser.
    """
    from onnx import numpy_helper

    graph = model.graph
    weights = {i.name: i for i in graph.initializer if len(i.dims) == 2}
    nodes: list[Any] = []
    quantised: dict[str, tuple[str, str]] = {}
    count = 0
    for node in graph.node:
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None:
            nodes.append(node)
            continue
        x = node.input[0]
        if x not in quantised:
            quantiser, codes, scale = _token_quantiser(x, f"{_PREFIX}{len(quantised)}_")
            nodes.extend(quantiser)
            quantised[x] = (codes, scale)
        q, column_scale = quantise_weight(numpy_helper.to_array(weight).astype(np.float32))
        graph.initializer.remove(weight)
        del weights[weight.name]
        graph.initializer.extend(
            [
                numpy_helper.from_array(q, f"{weight.name}_int8"),
                numpy_helper.from_array(column_scale, f"{weight.name}_scale"),
            ]
        )
        nodes.extend(_integer_matmul(*quantised[x], weight.name, node.output[0]))
        count += 1
    graph.initializer.extend(_constants())
    del graph.node[:]
    graph.node.extend(nodes)
    return count
