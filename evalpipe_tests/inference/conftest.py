"""Shared fixtures: a tiny random Llama (+ the offline SmolLM2 tokenizer) and systems using it."""

from __future__ import annotations

import hashlib
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # shared CPUs: no spinning OpenMP threads

import pytest
import torch

from evalpipe.inference.backends.transformers_backend import TransformersBackend
from evalpipe.inference.models import build_tiny_llama
from evalpipe.inference.systems import parse_system

PROMPTS = [
    "What is the capital of France?",
    "hi",
    "My invoice for March shows a charge twice and I would like a refund for the duplicate, please.",
    "How do I reset my password?",
    "Can I export my data to CSV from the dashboard, and if so where is the button?",
    "Thanks!",
    "Is there a student discount?",
    "The app crashes when I upload a photo larger than 10 MB on Android 14. What can I do?",
]


def make_example(i: int, text: str) -> dict:
    return {
        "example_id": f"ex-{i}",
        "content_hash": hashlib.blake2b(text.encode(), digest_size=8).hexdigest(),
        "messages": [{"role": "user", "content": text}],
    }


@pytest.fixture(scope="session")
def tiny():
    torch.set_num_threads(2)
    return build_tiny_llama(seed=0, max_position_embeddings=128)


def tiny_system(name: str = "tiny", max_new_tokens: int = 8, batch_size: int = 4, **kw):
    raw = {
        "backend": "transformers",
        "model": "tiny-random-llama",
        "template": {"name": "t", "version": "1", "system_prompt": "You are a support assistant."},
        "decoding": {"max_new_tokens": max_new_tokens, "temperature": 0.0, "seed": 0},
        "options": {"batch_size": batch_size, "device": "cpu"},
    }
    for k, v in kw.items():
        if isinstance(v, dict) and isinstance(raw.get(k), dict):
            raw[k] = {**raw[k], **v}
        else:
            raw[k] = v
    return parse_system(name, raw)


@pytest.fixture
def tiny_backend(tiny):
    model, tok = tiny
    return TransformersBackend(tiny_system(), model=model, tokenizer=tok)


@pytest.fixture
def examples():
    return [make_example(i, t) for i, t in enumerate(PROMPTS)]
