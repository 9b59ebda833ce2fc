"""Stream JSON lines through an analyzer: one output line per input line, in order."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from moderation.classifier import load_analyzer


def _parse(line: str) -> str | None:
    """The text of one input line, or None when the line is not ``{"text": str}``."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    text = value.get("text") if isinstance(value, dict) else None
    return text if isinstance(text, str) else None


def _batches(lines: Iterable[str], size: int) -> Iterable[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_stream(
    source: IO[str], sink: IO[str], kind: str = "onnx", batch_size: int = 64
) -> int:
    analyzer = load_analyzer(kind)
    for batch in _batches(source, max(batch_size, 1)):
        parsed = [_parse(line) for line in batch]
        texts = [t for t in parsed if t is not None]
        results = iter(analyzer.analyze(texts))
        for text in parsed:
            if text is None:
                sink.write(json.dumps({"error": 'expected a JSON object {"text": string}'}) + "\n")
                continue
            sink.write(json.dumps(next(results).risk.to_json(), ensure_ascii=False) + "\n")
        sink.flush()
    return 0
