"""The one interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from evalpipe.inference.systems import VALID_BACKENDS, SystemConfigError, SystemSpec
from evalpipe.inference.types import GenerationRequest, GenerationResult


class BackendUnavailableError(RuntimeError):
    """The backend's optional dependency or hardware is missing (e.g. vllm without a GPU)."""


class Backend(ABC):
    """Generates completions for pre-templated, pre-tokenized requests of one system.

    Contract: `generate` returns exactly one result per request, in request order; a request that
    fails is returned with finish_reason="error" and an error text, never dropped.
    """

    name: str = "base"
    tokenizer: Any | None = None  # used by the Templater; None for text-only endpoints
    context_window: int | None = None
    # A transformers model with the same weights, when the backend has one in memory (hidden states).
    hf_model: Any | None = None

    def __init__(self, system: SystemSpec):
        self.system = system

    @abstractmethod
    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]: ...

    @property
    def preferred_batch_size(self) -> int:
        """How many requests the runner hands over per call (= per cache checkpoint)."""
        return int(self.system.options.get("batch_size", 32))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (GPU memory, HTTP clients)."""


def make_backend(system: SystemSpec, models_dir: str | None = None, **kwargs: Any) -> Backend:
    """Instantiate the backend named by `system.backend` (heavy imports happen here, lazily)."""
    if system.backend == "transformers":
        from evalpipe.inference.backends.transformers_backend import TransformersBackend

        return TransformersBackend(system, models_dir=models_dir, **kwargs)
    if system.backend == "vllm":
        from evalpipe.inference.backends.vllm_backend import VLLMBackend

        return VLLMBackend(system, models_dir=models_dir, **kwargs)
    if system.backend == "openai":
        from evalpipe.inference.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(system, models_dir=models_dir, **kwargs)
    raise SystemConfigError(
        f"unknown backend {system.backend!r}; valid backends are: {', '.join(VALID_BACKENDS)}"
    )
