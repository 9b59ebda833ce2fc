"""Partial fine-tuning of the sentence encoder for crisis detection (training only: needs torch).

A frozen all-MiniLM-L6-v2 embeds "I want to die" and "the patient says he wants to die"
almost identically, because it was trained for topical similarity. Fine-tuning its
transformer layers on the writer's own risk against the lookalikes moves those apart.
Whatever sits below the first trained layer (the token embeddings always; lower layers
too when ``top_layers`` is under six) stays frozen, so its output is computed once and
cached; only the layers above it (and a throwaway linear head) train, which keeps
``make train`` to minutes on two CPU cores.

The result is an ordinary BERT checkpoint under ``var/``: it is exported to int8 ONNX and
served exactly like the stock encoder, mean pooling and all, with the numpy heads refitted
on its embeddings (see ``moderation.train``).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation.datasets import Example
from moderation.features import feature_matrix
from moderation.onnx_classifier import clean_text


@dataclass(frozen=True)
class FineTuneConfig:
    top_layers: int = 6
    epochs: int = 3
    batch_size: int = 32
    max_tokens: int = 64
    encoder_lr: float = 4e-5
    head_lr: float = 3e-3
    seed: int = 1234


def _say(message: str) -> None:
    print(f"[finetune {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length ("sortish"), so little of each batch is padding."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + size] for i in range(0, len(part), size)]
    rng.shuffle(batches)
    return batches


class _Trainer:
    def __init__(self, source: Path, config: FineTuneConfig) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(config.seed)
        torch.set_num_threads(2)
        self.torch = torch
        self.config = config
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
        self.bert: Any = AutoModel.from_pretrained(str(source), local_files_only=True)
        self.bert.eval()
        n_layers = len(self.bert.encoder.layer)
        self.split = n_layers - config.top_layers
        self.top = self.bert.encoder.layer[self.split :]

    def _mask(self, hidden: Any, attention: Any) -> Any:
        from transformers.masking_utils import create_bidirectional_mask

        return create_bidirectional_mask(
            config=self.bert.config, inputs_embeds=hidden, attention_mask=attention
        )

    def frozen_states(self, texts: Sequence[str]) -> list[Any]:
        """Hidden states entering the first trainable layer, one (tokens, 384) tensor per text."""
        torch = self.torch
        ids = [
            self.tokenizer(t, truncation=True, max_length=self.config.max_tokens)["input_ids"]
            for t in texts
        ]
        out: list[Any] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        with torch.no_grad():
            for start in range(0, len(order), 64):
                chunk = order[start : start + 64]
                width = max(len(ids[i]) for i in chunk)
                input_ids = torch.zeros((len(chunk), width), dtype=torch.long)
                attention = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, i in enumerate(chunk):
                    input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                    attention[row, : len(ids[i])] = 1
                hidden = self.bert.embeddings(input_ids=input_ids)
                mask = self._mask(hidden, attention)
                for layer in self.bert.encoder.layer[: self.split]:
                    hidden = layer(hidden, mask)
                for row, i in enumerate(chunk):
                    out[i] = hidden[row, : len(ids[i])].to(torch.float16).clone()
        return out

    def pooled(self, states: Sequence[Any]) -> Any:
        """Top layers, mean pooling and L2 normalisation, as served."""
        torch = self.torch
        width = max(s.shape[0] for s in states)
        hidden = torch.zeros((len(states), width, states[0].shape[1]))
        attention = torch.zeros((len(states), width), dtype=torch.long)
        for row, s in enumerate(states):
            hidden[row, : s.shape[0]] = s.float()
            attention[row, : s.shape[0]] = 1
        mask = self._mask(hidden, attention)
        for layer in self.top:
            hidden = layer(hidden, mask)
        weights = attention.unsqueeze(-1).float()
        mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=1)

    def fit(self, examples: Sequence[Example]) -> None:
        torch = self.torch
        config = self.config
        texts = [clean_text(e.text) or "." for e in examples]
        started = time.perf_counter()
        states = self.frozen_states(texts)
        _say(
            f"cached layer-{self.split} states of {len(texts)} texts"
            f" in {time.perf_counter() - started:.0f}s"
        )
        features = torch.tensor(feature_matrix(texts))
        labels = torch.tensor([float(e.label) for e in examples])
        weights = torch.tensor([float(e.weight) for e in examples])
        weights = weights / weights.mean()
        head = torch.nn.Linear(384 + features.shape[1], 1)
        for layer in self.top:
            layer.train()
        optimiser = torch.optim.AdamW(
            [
                {"params": [p for layer in self.top for p in layer.parameters()]},
                {"params": head.parameters(), "lr": config.head_lr},
            ],
            lr=config.encoder_lr,
            weight_decay=0.01,
        )
        rng = random.Random(config.seed)
        lengths = [s.shape[0] for s in states]
        for epoch in range(config.epochs):
            batches = _batches(lengths, config.batch_size, rng)
            total = 0.0
            epoch_started = time.perf_counter()
            for step, batch in enumerate(batches):
                # Linear decay over all steps, the usual schedule for BERT fine-tuning.
                progress = (epoch * len(batches) + step) / (config.epochs * len(batches))
                for group, base in zip(
                    optimiser.param_groups, (config.encoder_lr, config.head_lr), strict=True
                ):
                    group["lr"] = base * (1.0 - progress)
                emb = self.pooled([states[i] for i in batch])
                logits = head(torch.cat([emb * 8.0, features[batch]], dim=1)).squeeze(1)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, labels[batch], weight=weights[batch]
                )
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += float(loss.detach())
            _say(
                f"epoch {epoch + 1}/{config.epochs}: loss {total / len(batches):.4f} "
                f"({time.perf_counter() - epoch_started:.0f}s)"
            )
        self.bert.eval()

    def save(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        self.bert.save_pretrained(str(target))
        self.tokenizer.save_pretrained(str(target))


def calibration_mask(examples: Sequence[Example], share: float = 0.2) -> np.ndarray[Any, Any]:
    """Rows kept out of fine-tuning, so thresholds are chosen on text the encoder never saw.

    Chosen by a hash of the text (stable across runs and data additions); template rows of
    the domain set always train, as their wording is shared between rows.
    """
    keep = np.zeros(len(examples), dtype=bool)
    for i, e in enumerate(examples):
        bucket = int(hashlib.sha1(e.text.encode("utf-8", "replace")).hexdigest()[:8], 16)
        templated = e.source == "domain" and e.group == "template"
        keep[i] = not templated and bucket % 1000 < share * 1000
    return keep


def stamp(examples: Sequence[Example], config: FineTuneConfig) -> str:
    """What a fine-tuned checkpoint was trained from: its rows, their weights, the settings."""
    digest = hashlib.sha256(repr(config).encode())
    for e in examples:
        digest.update(f"{e.label}\t{e.weight}\t{e.text}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def finetune(
    source: Path, examples: Sequence[Example], target: Path, config: FineTuneConfig
) -> None:
    """Fine-tune into ``target``, unless it already holds a checkpoint of the same inputs
    (so re-running ``make train`` after a change to the heads costs minutes, not an hour)."""
    expected = stamp(examples, config)
    stamp_file = target / "finetune.stamp"
    if stamp_file.exists() and stamp_file.read_text().strip() == expected:
        _say(f"{target} is up to date with the training rows; not fine-tuning again")
        return
    trainer = _Trainer(source, config)
    trainer.fit(examples)
    trainer.save(target)
    stamp_file.write_text(expected + "\n")
    _say(f"saved the fine-tuned encoder to {target}")


def soup(sources: Sequence[Path], target: Path) -> None:
    """Average the weights of fine-tunes that differ only in their seed (a "uniform soup",
    Wortsman et al., ICML 2022). All start from the same encoder, so their weights stay
    close and the average is itself a good encoder: it keeps the served size and speed,
    and it damps the seed-to-seed swings of any one run."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    models = [AutoModel.from_pretrained(str(s), local_files_only=True) for s in sources]
    states = [m.state_dict() for m in models]
    averaged = {
        key: torch.stack([s[key] for s in states]).mean(0) if value.is_floating_point() else value
        for key, value in states[0].items()
    }
    models[0].load_state_dict(averaged)
    target.mkdir(parents=True, exist_ok=True)
    # A one-seed run once fine-tuned straight into this folder; its stamp would describe
    # weights that are no longer there.
    (target / "finetune.stamp").unlink(missing_ok=True)
    models[0].save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(sources[0]), local_files_only=True).save_pretrained(
        str(target)
    )
    _say(f"averaged {len(sources)} fine-tuned encoders into {target}")
