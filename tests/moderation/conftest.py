from __future__ import annotations

import pytest

from moderation.onnx_classifier import OnnxAnalyzer


@pytest.fixture(scope="session")
def analyzer() -> OnnxAnalyzer:
    """The shipped model, loaded once: every test here uses the real artefacts."""
    return OnnxAnalyzer.from_model_dir(threads=2)
