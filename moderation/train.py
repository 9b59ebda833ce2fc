"""``huddle train-classifier``: rebuild everything in ``moderation/model`` from the training data.

All-MiniLM-L6-v2, fine-tuned on the training rows (twice, with two seeds, and the weights
averaged) and exported to int8 ONNX (so the heads learn from exactly the embeddings that
are served), with small heads on top. Fixed seeds throughout.
torch, transformers' model code and scikit-learn are imported lazily, only here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation import datasets
from moderation.datasets import Example
from moderation.domain_set.templates import CHATTER_KINDS, CRISIS_KINDS
from moderation.encoder import Embeddings, OnnxSentenceEncoder
from moderation.export import copy_tokenizer, export_fp32, quantise_int8, source_model_dir
from moderation.features import feature_matrix
from moderation.finetune import FineTuneConfig, calibration_mask, finetune, soup
from moderation.heads import Array, DenseHead, Heads, Prototypes
from moderation.model_files import ENCODER_FILE, HEADS_FILE, MODEL_DIR, THRESHOLDS_FILE
from moderation.onnx_classifier import clean_text

logger = logging.getLogger(__name__)

SEED = 1234
# Fine-tuning seeds whose encoders are averaged (see ``finetune.soup`` and MODEL_CARD.md).
SOUP_SEEDS = (1234, 4321)
VAR = datasets.REPO_ROOT / "var"
FP32_ENCODER = VAR / "encoder.fp32.onnx"
FINETUNED = VAR / "finetuned"
LICENCE_SOURCE = Path("/usr/share/common-licenses/Apache-2.0")


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Callable[[], Any]
    cssrs_weight: float = 0.5
    """C-SSRS post labels are inherited from the user, so how much to trust them is tuned."""


def _say(message: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_encoder(source: Path, model_dir: Path = MODEL_DIR) -> None:
    VAR.mkdir(exist_ok=True)
    model_dir.mkdir(exist_ok=True)
    export_fp32(source, FP32_ENCODER)
    quantise_int8(FP32_ENCODER, model_dir / ENCODER_FILE)
    copy_tokenizer(source_model_dir(), model_dir)
    if LICENCE_SOURCE.exists():
        shutil.copy2(LICENCE_SOURCE, model_dir / "LICENSE")


def embed_cached(
    encoder: OnnxSentenceEncoder, texts: Sequence[str], tag: str, model_dir: Path = MODEL_DIR
) -> Embeddings:
    """Embed, reusing vectors cached under var/ (gitignored) per text and encoder file."""
    encoder_id = hashlib.sha256((model_dir / ENCODER_FILE).read_bytes()).hexdigest()[:16]
    path = VAR / f"emb-cache-{encoder_id}.npz"
    cache: dict[str, Embeddings] = {}
    if path.exists():
        with np.load(path) as data:
            cache = {k: data[k] for k in data.files}
    keys = [hashlib.sha1(t.encode("utf-8", "replace")).hexdigest() for t in texts]
    missing = sorted(
        {k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items(),
        key=lambda kv: len(kv[1]),
    )
    started = time.perf_counter()
    for start in range(0, len(missing), 64):
        chunk = missing[start : start + 64]
        vectors = encoder.encode([clean_text(t) or "." for _, t in chunk])
        cache.update({k: v for (k, _), v in zip(chunk, vectors, strict=True)})
    if missing:
        _say(f"embedded {len(missing)} new {tag} texts in {time.perf_counter() - started:.0f}s")
        np.savez(path, **cache)  # type: ignore[arg-type]
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def candidates() -> list[Candidate]:
    from sklearn.linear_model import LogisticRegression

    def lr(c: float) -> Callable[[], Any]:
        return lambda: LogisticRegression(C=c, max_iter=3000, class_weight="balanced")

    # No head learns from C-SSRS any more: on the batches 1-6 encoder the C-SSRS x0.2 head
    # won by 1 point of out-of-fold recall, yet flagged 27% of C-SSRS's own non-crisis
    # posts (rows it had trained on as negatives) against 15.5% without them. The inherited
    # labels teach Reddit's mental-health register, not risk (see MODEL_CARD.md).
    return [
        Candidate("logreg C=2, no C-SSRS", lr(2.0), 0.0),
        Candidate("logreg C=8, no C-SSRS", lr(8.0), 0.0),
    ]


def _fit(model: Any, x: Array, y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]) -> Any:
    try:
        model.fit(x, y, sample_weight=w)
    except TypeError:
        # Older estimators without sample_weight: repeat rows instead, roughly.
        reps = np.maximum(np.rint(w).astype(int), 1)
        model.fit(np.repeat(x, reps, axis=0), np.repeat(y, reps))
    return model


def out_of_fold(build: Callable[[], Any], x: Array, y: Any, w: Any, groups: Any) -> Array:
    from sklearn.model_selection import StratifiedGroupKFold

    oof = np.zeros(len(y), dtype=np.float32)
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train_idx, test_idx in folds.split(x, y, groups):
        model = _fit(build(), x[train_idx], y[train_idx], w[train_idx])
        oof[test_idx] = model.predict_proba(x[test_idx])[:, 1]
    return oof


def to_dense(model: Any) -> DenseHead:
    if hasattr(model, "coefs_"):
        layers = tuple(
            (np.asarray(c, dtype=np.float32), np.asarray(b, dtype=np.float32))
            for c, b in zip(model.coefs_, model.intercepts_, strict=True)
        )
        return DenseHead(layers)
    weights = np.asarray(model.coef_.T, dtype=np.float32)
    return DenseHead(((weights, np.asarray(model.intercept_, dtype=np.float32)),))


def _groups(examples: Sequence[Example]) -> np.ndarray[Any, Any]:
    return np.array([e.group or f"{e.source}:{i}" for i, e in enumerate(examples)])


def recall_at_fpr(pos: Array, neg: Array, fpr: float) -> tuple[float, float]:
    threshold = float(np.quantile(neg, 1.0 - fpr)) if len(neg) else 0.5
    return float((pos >= threshold).mean()) if len(pos) else 0.0, threshold


def _negatives(examples: Sequence[Example]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Masks of the two kinds of negatives the cut-offs cap: domain lookalikes that share
    crisis wording, and everyday chat (outside sources plus the domain set's chatter)."""
    src = np.array([e.source for e in examples])
    y = np.array([e.label for e in examples])
    chatter = np.array([e.kind in CHATTER_KINDS for e in examples])
    domain = (src == "domain") & (y == 0)
    everyday = ["goemotions-reddit", "sad-sms-stress", "counselchat-questions"]
    return domain & ~chatter, (domain & chatter) | (np.isin(src, everyday) & (y == 0))


def choose_crisis_thresholds(
    oof: Array, examples: Sequence[Example], scored: np.ndarray[Any, Any]
) -> dict[str, float]:
    """Cut-offs from out-of-fold scores of rows the encoder never saw (``scored``):
    capped false alarms on lookalikes and on everyday chat."""
    lookalikes, chat_rows = _negatives(examples)
    lookalike = oof[lookalikes & scored]
    chat = oof[chat_rows & scored]
    concern = max(float(np.quantile(lookalike, 0.96)), float(np.quantile(chat, 0.99)))
    crisis = max(float(np.quantile(lookalike, 0.99)), float(np.quantile(chat, 0.997)), concern)
    return {"concern": round(concern, 4), "crisis": round(crisis, 4)}


def _weights(examples: Sequence[Example], cssrs_weight: float) -> np.ndarray[Any, Any]:
    return np.array([cssrs_weight if e.source == "cssrs-reddit500" else e.weight for e in examples])


def train_crisis(
    x: Array, examples: Sequence[Example], scored: np.ndarray[Any, Any]
) -> tuple[DenseHead, dict[str, Any]]:
    """Pick the head by out-of-fold recall on domain crises at capped false alarms, counting
    only rows the fine-tuned encoder never saw (``scored``): the rest score too well."""
    y = np.array([e.label for e in examples])
    groups = _groups(examples)
    sources = np.array([e.source for e in examples])
    domain = sources == "domain"
    lookalikes, chat_rows = _negatives(examples)
    results: list[dict[str, Any]] = []
    best: tuple[float, Candidate, Array] | None = None
    for cand in candidates():
        w = _weights(examples, cand.cssrs_weight)
        keep = w > 0
        oof = np.zeros(len(y), dtype=np.float32)
        oof[keep] = out_of_fold(cand.build, x[keep], y[keep], w[keep], groups[keep])
        pos, neg = oof[domain & (y == 1) & scored], oof[lookalikes & scored]
        recall, _ = recall_at_fpr(pos, neg, 0.03)
        chat = oof[chat_rows & keep & scored]
        chat_recall, _ = recall_at_fpr(pos, chat, 0.01)
        # Mean, not min: the min rule picked C-SSRS x0.2, which doubled false alarms on
        # everyday chat; equal weight on both keeps chat quiet (see MODEL_CARD.md).
        score = (recall + chat_recall) / 2
        results.append(
            {
                "head": cand.name,
                "domain_recall_at_3pct_fpr": round(recall, 4),
                "domain_recall_at_1pct_chat_fpr": round(chat_recall, 4),
            }
        )
        _say(
            f"crisis {cand.name}: recall@3% lookalike FPR {recall:.3f}, "
            f"@1% chat FPR {chat_recall:.3f}"
        )
        if best is None or score > best[0]:
            best = (score, cand, oof)
    assert best is not None
    _, chosen, oof = best
    thresholds = choose_crisis_thresholds(oof, examples, scored)
    w = _weights(examples, chosen.cssrs_weight)
    keep = w > 0
    model = _fit(chosen.build(), x[keep], y[keep], w[keep])
    return to_dense(model), {"candidates": results, "chosen": chosen.name, **thresholds}


def train_plain(x: Array, examples: Sequence[Example]) -> DenseHead:
    """Embedding-only logistic regression, shipped for the ablation in the report."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([e.label for e in examples])
    w = _weights(examples, 0.2)
    model = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")
    return to_dense(_fit(model, x, y, w))


def train_abuse(x: Array, examples: Sequence[Example]) -> tuple[DenseHead, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression

    y = np.array([e.label for e in examples])
    w = np.array([e.weight for e in examples])

    def build() -> Any:
        return LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")

    oof = out_of_fold(build, x, y, w, _groups(examples))
    staff = np.array([e.source == "domain" for e in examples])
    # Staff chat must pass: at most 1% of ordinary domain messages may be hidden.
    threshold = max(0.5, float(np.quantile(oof[staff], 0.99)))
    davidson = np.array([e.source == "davidson" for e in examples])
    recall = float((oof[davidson & (y == 1)] >= threshold).mean())
    fpr = float((oof[davidson & (y == 0)] >= threshold).mean())
    _say(f"abuse: threshold {threshold:.3f}, Davidson recall {recall:.3f}, FPR {fpr:.3f}")
    model = _fit(build(), x, y, w)
    summary = {
        "abuse": round(threshold, 4),
        "abuse_oof_davidson_recall": round(recall, 4),
        "abuse_oof_davidson_fpr": round(fpr, 4),
    }
    return to_dense(model), summary


def prototypes(x: Array, examples: Sequence[Example]) -> Prototypes:
    labels = sorted(k for k in CRISIS_KINDS if any(e.kind == k for e in examples))
    vectors = []
    for kind in labels:
        mean = x[[i for i, e in enumerate(examples) if e.kind == kind]].mean(axis=0)
        vectors.append(mean / np.linalg.norm(mean))
    return Prototypes(np.asarray(vectors, dtype=np.float32), tuple(labels))


def train(model_dir: Path = MODEL_DIR) -> dict[str, Any]:
    np.random.seed(SEED)
    crisis_set = datasets.crisis_training_set(SEED)
    calibration = calibration_mask(crisis_set)
    rows = [e for e, held in zip(crisis_set, calibration, strict=True) if not held]
    runs = [VAR / f"finetuned-{seed}" for seed in SOUP_SEEDS]
    for seed, run in zip(SOUP_SEEDS, runs, strict=True):
        _say(f"fine-tuning the encoder on {len(rows)} rows, seed {seed}")
        finetune(source_model_dir(), rows, run, FineTuneConfig(seed=seed))
    soup(runs, FINETUNED)
    _say("exporting the encoder to int8 ONNX")
    build_encoder(FINETUNED, model_dir)
    encoder = OnnxSentenceEncoder(model_dir, threads=2)
    abuse_set = datasets.abuse_training_set(SEED)
    _say(f"{len(crisis_set)} crisis and {len(abuse_set)} abuse training rows")
    x_crisis = embed_cached(encoder, datasets.texts(crisis_set), "crisis", model_dir)
    x_abuse = embed_cached(encoder, datasets.texts(abuse_set), "abuse", model_dir)
    features = feature_matrix(datasets.texts(crisis_set))
    crisis_head, crisis_summary = train_crisis(
        np.hstack([x_crisis, features]), crisis_set, calibration
    )
    plain_head = train_plain(x_crisis, crisis_set)
    abuse_head, abuse_summary = train_abuse(x_abuse, abuse_set)
    domain_idx = [i for i, e in enumerate(crisis_set) if e.source == "domain"]
    protos = prototypes(x_crisis[domain_idx], [crisis_set[i] for i in domain_idx])
    Heads(crisis_head, abuse_head, plain_head, protos).save(model_dir / HEADS_FILE)
    thresholds = {
        "concern": crisis_summary["concern"],
        "crisis": crisis_summary["crisis"],
        "abuse": abuse_summary["abuse"],
    }
    (model_dir / THRESHOLDS_FILE).write_text(json.dumps(thresholds, indent=2) + "\n")
    summary = {
        "seed": SEED,
        "finetune_seeds": list(SOUP_SEEDS),
        "rows": _counts(crisis_set, abuse_set),
        **crisis_summary,
        **abuse_summary,
    }
    (model_dir / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    _say(f"wrote {model_dir}: thresholds {thresholds}")
    return summary


def _counts(crisis_set: Sequence[Example], abuse_set: Sequence[Example]) -> dict[str, Any]:
    out: dict[str, dict[str, int]] = {"crisis": {}, "abuse": {}}
    for name, rows in (("crisis", crisis_set), ("abuse", abuse_set)):
        for e in rows:
            key = f"{e.source} label={e.label}"
            out[name][key] = out[name].get(key, 0) + 1
    return out
