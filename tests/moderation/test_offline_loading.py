"""Loading the shipped model must never touch the network."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from moderation.assessment import RiskLevel
from moderation.classifier import load_analyzer


def test_loads_and_classifies_with_the_network_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access during model load")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    analyzer = load_analyzer("onnx")
    (analysis,) = analyzer.analyze(["I want to kill myself"])
    assert analysis.risk.level is RiskLevel.CRISIS


def test_serving_path_works_without_torch() -> None:
    """torch is only in the train extra: block it and serve anyway."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from moderation.classifier import load_analyzer\n"
        "print(load_analyzer('onnx').analyze(['I want to kill myself'])[0].risk.level.value)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "crisis"


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown analyzer kind"):
        load_analyzer("bert")


def test_keyword_and_noop_kinds() -> None:
    keyword = load_analyzer("keyword").analyze(["risk assessment done for an overdose"])
    noop = load_analyzer("noop").analyze(["I want to kill myself"])
    assert keyword[0].risk.level is RiskLevel.CRISIS  # the baseline's known weakness
    assert noop[0].risk.level is RiskLevel.NONE
