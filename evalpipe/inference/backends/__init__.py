"""Inference backends behind one interface: transformers (CPU/GPU), vllm (GPU), openai (HTTP)."""

from evalpipe.inference.backends.base import Backend, BackendUnavailableError, make_backend

__all__ = ["Backend", "BackendUnavailableError", "make_backend"]
