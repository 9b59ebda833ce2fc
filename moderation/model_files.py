"""Where the shipped model parts live, and their names. No heavy imports here."""

from __future__ import annotations

from pathlib import Path

MODEL_DIR = Path(__file__).parent / "model"
ENCODER_FILE = "encoder.int8.onnx"
HEADS_FILE = "heads.npz"
THRESHOLDS_FILE = "thresholds.json"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
    "config.json",
)
MAX_TOKENS = 256
"""The encoder's own limit (sentence_bert_config.json); longer text is truncated."""
