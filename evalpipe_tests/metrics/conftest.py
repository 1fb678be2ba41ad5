"""Shared fixtures: a deterministic bag-of-words embedder (fast, model-free) and the real one."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from evalpipe.metrics.embedding import Embedder


def bow_encode(texts: list[str], dim: int = 512) -> np.ndarray:
    """Hashing bag-of-words: texts sharing words get high cosine; deterministic across runs."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in re.findall(r"\w+", t.lower()):
            out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % dim] += 1.0
    return out


class CountingEncoder:
    def __init__(self):
        self.calls: list[int] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return bow_encode(texts)


@pytest.fixture
def bow_embedder() -> Embedder:
    return Embedder(bow_encode, fingerprint="bow")


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    return Embedder()
