"""Batched inference for systems under test, with an output cache and hidden-state extraction.

Generate, then extract: backends (transformers / vllm / openai) produce completions from
pre-templated token ids; one teacher-forced transformers pass over prompt+completion ids then
yields reduced per-layer hidden states. No Dagster here; `evalpipe.defs` wires it.
"""

from evalpipe.inference.backends.base import Backend, BackendUnavailableError, make_backend
from evalpipe.inference.hidden import (
    LAYER_CONVENTION,
    REDUCTIONS,
    HiddenStates,
    extract_hidden_states,
    hidden_matrix,
    hidden_states_table,
    run_hidden_states,
)
from evalpipe.inference.models import (
    DEFAULT_MODEL,
    ModelNotFoundError,
    build_tiny_llama,
    load_model_and_tokenizer,
    locate_gguf,
    resolve_model_dir,
    save_tiny_llama,
)
from evalpipe.inference.runner import run_inference
from evalpipe.inference.systems import (
    VALID_BACKENDS,
    DecodingParams,
    PromptTemplate,
    SystemConfigError,
    SystemSpec,
    baseline_system,
    load_systems,
    parse_system,
    system_fingerprint,
)
from evalpipe.inference.templating import Templater, normalize_messages
from evalpipe.inference.types import GenerationRequest, GenerationResult

__all__ = [
    "DEFAULT_MODEL",
    "LAYER_CONVENTION",
    "REDUCTIONS",
    "VALID_BACKENDS",
    "Backend",
    "BackendUnavailableError",
    "DecodingParams",
    "GenerationRequest",
    "GenerationResult",
    "HiddenStates",
    "ModelNotFoundError",
    "PromptTemplate",
    "SystemConfigError",
    "SystemSpec",
    "Templater",
    "baseline_system",
    "build_tiny_llama",
    "extract_hidden_states",
    "hidden_matrix",
    "hidden_states_table",
    "load_model_and_tokenizer",
    "load_systems",
    "locate_gguf",
    "make_backend",
    "normalize_messages",
    "parse_system",
    "resolve_model_dir",
    "run_hidden_states",
    "run_inference",
    "save_tiny_llama",
    "system_fingerprint",
]
