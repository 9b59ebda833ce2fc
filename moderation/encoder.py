"""Sentence embeddings from the shipped ONNX encoder, with no torch.

Mean pooling over the attention mask followed by L2 normalisation, exactly as
sentence-transformers does for all-MiniLM-L6-v2.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.errors import ModelLoadError
from moderation.model_files import ENCODER_FILE, MAX_TOKENS, MODEL_DIR
from moderation.token_groups import plan_groups

Embeddings = npt.NDArray[np.float32]


def _offline_env() -> None:
    # Belt and braces: the files are local, and the hub must never be asked.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class OnnxSentenceEncoder:
    """Tokenise with ``transformers`` and run the encoder with ONNX Runtime."""

    def __init__(
        self,
        model_dir: Path = MODEL_DIR,
        encoder_file: str = ENCODER_FILE,
        threads: int = 1,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        _offline_env()
        try:
            import onnxruntime as ort
            from transformers import AutoTokenizer

            self._tokenizer: Any = AutoTokenizer.from_pretrained(
                str(model_dir), local_files_only=True
            )
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            if threads > 1:
                # Idle workers that spin burn the core the event loop needs. Not spinning,
                # batches of 64 took 10-25% less CPU per message, at the same throughput.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(
                str(model_dir / encoder_file), options, providers=["CPUExecutionProvider"]
            )
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load the encoder from {model_dir}") from exc
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._pad_id = int(self._tokenizer.pad_token_id or 0)
        self.max_tokens = max_tokens

    def encode(self, texts: Sequence[str]) -> Embeddings:
        """Unit-length embeddings in input order, in as few padded tokens as pays."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        batch = self._tokenizer(list(texts), truncation=True, max_length=self.max_tokens)
        columns = {k: v for k, v in batch.items() if k in self._input_names}
        lengths = [len(ids) for ids in batch["input_ids"]]
        for group in plan_groups(lengths):
            feeds = {
                k: _padded([v[i] for i in group], self._pad_id if k == "input_ids" else 0)
                for k, v in columns.items()
            }
            out[group] = self._encode_padded(feeds)
        return out

    def _encode_padded(self, feeds: dict[str, npt.NDArray[np.int64]]) -> Embeddings:
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        mask = feeds["attention_mask"].astype(np.float32)[:, :, None]
        summed = (hidden * mask).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Embeddings = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result


def _padded(rows: Sequence[Sequence[int]], pad: int) -> npt.NDArray[np.int64]:
    """Right-padded with ``pad`` to the longest row."""
    width = max(len(r) for r in rows)
    array = np.full((len(rows), width), pad, dtype=np.int64)
    for i, row in enumerate(rows):
        array[i, : len(row)] = row
    return array
