import numpy as np
import pytest

from evalpipe.metrics.embedding import Embedder, semantic_similarity, shipped_model_dir, text_key

from .conftest import CountingEncoder


def test_text_key_is_stable_blake2b():
    assert text_key("hello") == text_key("hello") != text_key("hello ")
    assert len(text_key("x")) == 32


def test_batching_dedup_and_lru_cache():
    enc = CountingEncoder()
    emb = Embedder(enc, fingerprint="bow", batch_size=8)
    texts = ["a b c", "a b c", "x y z", "a b c"]
    v = emb.encode(texts)
    assert v.shape == (4, 512)
    assert enc.calls == [2]  # two distinct texts, one batch
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-6)
    emb.encode(["x y z", "a b c"])
    assert enc.calls == [2]  # all from the LRU
    assert emb.stats["hits_memory"] == 2 and emb.stats["encoded"] == 2


def test_lru_evicts():
    enc = CountingEncoder()
    emb = Embedder(enc, fingerprint="bow", lru_size=2)
    emb.encode(["one", "two", "three"])
    emb.encode(["one"])  # evicted -> re-encoded
    assert enc.calls == [3, 1]


def test_empty_texts_give_zero_vectors():
    emb = Embedder(CountingEncoder(), fingerprint="bow")
    v = emb.encode(["", None, "word"])
    assert not v[0].any() and not v[1].any() and v[2].any()
    assert emb.similarity([""], ["word"])[0] == 0.0


def test_disk_cache_survives_process(tmp_path):
    enc1 = CountingEncoder()
    Embedder(enc1, fingerprint="bow", cache_dir=tmp_path).encode(["alpha beta", "gamma"])
    enc2 = CountingEncoder()
    emb2 = Embedder(enc2, fingerprint="bow", cache_dir=tmp_path)
    v = emb2.encode(["gamma", "alpha beta", "new text"])
    assert enc2.calls == [1] and emb2.stats["hits_disk"] == 2
    assert v.shape == (3, 512)
    # another fingerprint does not see these vectors
    enc3 = CountingEncoder()
    Embedder(enc3, fingerprint="other", cache_dir=tmp_path).encode(["gamma"])
    assert enc3.calls == [1]


def test_similarity_length_mismatch():
    with pytest.raises(ValueError):
        Embedder(CountingEncoder()).similarity(["a"], ["a", "b"])


def test_shipped_model_dir_exists():
    assert (shipped_model_dir() / "model.safetensors").exists()


def test_real_minilm_similarity(real_embedder):
    sims = semantic_similarity(
        ["Team is $29/user/month.", "You can cancel anytime.", "Der Team-Plan kostet 29 $ pro Nutzer."],
        ["The Team plan costs $29 per user per month."] * 3,
        real_embedder,
    )
    assert sims[0] > 0.75 and sims[1] < 0.3
    assert sims[0] > sims[2] > sims[1]
    assert real_embedder.encode(["x"]).shape == (1, 384)
