"""End to end on the real default model (SmolLM2-135M-Instruct from the pip GGUF, cached)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from evalpipe.inference.hidden import LAYER_CONVENTION, hidden_matrix, run_hidden_states
from evalpipe.inference.models import DEFAULT_MODEL, resolve_model_dir
from evalpipe.inference.runner import run_inference
from evalpipe.inference.systems import parse_system


@pytest.mark.slow
def test_default_model_generate_and_extract(tmp_path):
    import torch

    torch.set_num_threads(2)
    path = resolve_model_dir(DEFAULT_MODEL)  # converts the GGUF once (~20 s), then cached
    assert (path / "model.safetensors").is_file()
    system = parse_system(
        "e2e",
        {
            "backend": "transformers",
            "model": DEFAULT_MODEL,
            "template": {"name": "plain", "version": "1", "system_prompt": "You are a helpful assistant."},
            "decoding": {"max_new_tokens": 24, "temperature": 0.0},
            "options": {"batch_size": 8, "num_threads": 2},
        },
    )
    questions = ["What is the capital of France?", "What is 2 + 2?", "Name a primary colour."]
    exs = [
        {"example_id": f"q{i}", "content_hash": f"h{i}", "messages": [{"role": "user", "content": q}]}
        for i, q in enumerate(questions)
    ]
    t0 = time.perf_counter()
    df, stats = run_inference(system, exs, tmp_path, progress=False)
    assert time.perf_counter() - t0 < 300
    assert stats["failures"] == 0 and stats["generated_tokens"] > 0
    assert "Paris" in df.loc[0, "text"]
    assert all(len(t) > 0 for t in df["text"])

    table, hstats = run_hidden_states(system, df, tmp_path, logprob="always")
    assert hstats["layers"] == list(range(31))  # 30 decoder layers + embeddings
    assert table.num_rows == 3 * 31
    assert table.schema.metadata[b"layer_convention"].decode() == LAYER_CONVENTION
    ids, mat = hidden_matrix(table, 30, "last_completion")
    assert ids == ["q0", "q1", "q2"] and mat.shape == (3, 576) and np.isfinite(mat).all()
    lp = table["mean_logprob"].to_numpy()
    assert np.all(lp < 0) and np.all(lp > -10)
    # The extraction pass and generation agree on the model's own log-probabilities.
    np.testing.assert_allclose(lp[::31], df["mean_logprob"].to_numpy(), atol=2e-3)


@pytest.mark.slow
def test_gguf_conversion_from_scratch(tmp_path):
    """The GGUF in the pip package converts once to safetensors; later loads hit the cache."""
    import json

    from transformers import AutoModelForCausalLM

    t0 = time.perf_counter()
    path = resolve_model_dir(DEFAULT_MODEL, models_dir=tmp_path)
    convert_s = time.perf_counter() - t0
    assert path == tmp_path / DEFAULT_MODEL and (path / "model.safetensors").is_file()
    cfg = json.loads((path / "config.json").read_text())
    assert cfg["num_hidden_layers"] == 30 and cfg["hidden_size"] == 576 and cfg["vocab_size"] == 49152
    assert "quantization_config" not in cfg and (path / "chat_template.jinja").is_file()
    assert not list(tmp_path.glob("*.tmp-*"))  # atomic: no leftovers
    t1 = time.perf_counter()
    assert resolve_model_dir(DEFAULT_MODEL, models_dir=tmp_path) == path
    model = AutoModelForCausalLM.from_pretrained(path)
    load_s = time.perf_counter() - t1
    assert model.config.num_hidden_layers == 30
    assert load_s < max(15.0, convert_s / 2), (load_s, convert_s)
