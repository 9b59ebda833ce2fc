"""Small numpy heads over sentence embeddings: crisis risk, abuse, and crisis-kind prototypes.

Each head is a stack of dense layers (ReLU between, sigmoid at the end), so a logistic
regression is a one-layer head. Weights live in one ``.npz`` next to the encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.errors import ModelLoadError

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DenseHead:
    layers: tuple[tuple[Array, Array], ...]

    def predict(self, embeddings: Array) -> Array:
        x = embeddings
        for index, (weights, bias) in enumerate(self.layers):
            x = x @ weights + bias
            if index < len(self.layers) - 1:
                x = np.maximum(x, 0.0)
        logits = np.clip(x[:, 0], -40.0, 40.0)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def to_arrays(self, prefix: str) -> dict[str, Array]:
        arrays: dict[str, Array] = {}
        for index, (weights, bias) in enumerate(self.layers):
            arrays[f"{prefix}_w{index}"] = weights
            arrays[f"{prefix}_b{index}"] = bias
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, Array], prefix: str) -> DenseHead:
        layers = []
        index = 0
        while f"{prefix}_w{index}" in arrays:
            layers.append((arrays[f"{prefix}_w{index}"], arrays[f"{prefix}_b{index}"]))
            index += 1
        if not layers:
            raise ModelLoadError(f"no weights for the {prefix} head")
        return cls(tuple(layers))


@dataclass(frozen=True)
class Prototypes:
    """Mean embedding of each crisis kind in the domain set: explains a model-only flag."""

    vectors: Array
    labels: tuple[str, ...]

    def nearest(self, embeddings: Array) -> list[str]:
        if not self.labels:
            return ["" for _ in range(len(embeddings))]
        best = (embeddings @ self.vectors.T).argmax(axis=1)
        return [self.labels[i] for i in best]


@dataclass(frozen=True)
class Heads:
    """``crisis`` reads the embedding plus lexical features; ``plain`` (embedding only) is
    shipped so the report can show what the features add."""

    crisis: DenseHead
    abuse: DenseHead
    plain: DenseHead
    prototypes: Prototypes

    def save(self, path: Path) -> None:
        arrays = {
            **self.crisis.to_arrays("crisis"),
            **self.abuse.to_arrays("abuse"),
            **self.plain.to_arrays("plain"),
        }
        arrays["prototype_vectors"] = self.prototypes.vectors
        labels = np.array(self.prototypes.labels, dtype=np.str_)
        np.savez_compressed(path, prototype_labels=labels, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> Heads:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot read the heads from {path}") from exc
        labels: Sequence[str] = [str(x) for x in arrays.pop("prototype_labels")]
        prototypes = Prototypes(arrays.pop("prototype_vectors"), tuple(labels))
        return cls(
            DenseHead.from_arrays(arrays, "crisis"),
            DenseHead.from_arrays(arrays, "abuse"),
            DenseHead.from_arrays(arrays, "plain"),
            prototypes,
        )
