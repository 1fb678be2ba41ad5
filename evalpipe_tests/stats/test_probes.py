import time

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from evalpipe.stats.probes import layer_probes, weighted_auroc


def _planted(n_items=100, reps=3, n_layers=31, dim=576, k=12, strength=0.35, seed=0):
    rng = np.random.default_rng(seed)
    items = np.repeat(np.arange(n_items), reps)
    y = rng.integers(0, 2, n_items)[items]
    h = rng.normal(size=(items.size, n_layers, dim)).astype(np.float32)
    direction = rng.normal(size=dim)
    direction /= np.linalg.norm(direction)
    signal = (2 * y - 1)[:, None] * direction[None, :] * strength * np.sqrt(dim) / 4
    h[:, k:, :] += signal[:, None, :]
    return h.astype(np.float16), y, items, rng


def test_weighted_auroc_matches_sklearn():
    rng = np.random.default_rng(0)
    s = np.round(rng.normal(size=200), 1)  # ties
    y = rng.integers(0, 2, 200)
    w = rng.integers(0, 3, 200).astype(float)
    assert weighted_auroc(s, y, np.ones((1, 200)))[0] == pytest.approx(roc_auc_score(y, s))
    assert weighted_auroc(s, y, w[None])[0] == pytest.approx(roc_auc_score(y, s, sample_weight=w))


def test_planted_emergence_layer_found_and_fast():
    h, y, items, rng = _planted(k=12)
    t = time.perf_counter()
    df, summary = layer_probes(
        h,
        y,
        items,
        baseline_features={"length": rng.normal(size=y.size), "mean_logprob": rng.normal(size=y.size)},
    )
    elapsed = time.perf_counter() - t
    assert summary["emergence_layer"] == 12
    assert summary["peak_layer"] >= 12
    assert df["auroc"].iloc[:12].max() < 0.7 and df["auroc"].iloc[12:].min() > 0.9
    assert summary["emergence_rel_depth"] == pytest.approx(12 / 30)
    assert set(df.columns) >= {"layer", "rel_depth", "auroc", "ci_low", "ci_high", "null_95"}
    assert elapsed < 45, elapsed  # 300 x 31 x 576: a few seconds on 2 cores


def test_baseline_that_beats_early_layers_delays_emergence():
    """Layers 2-4 carry a weak signal, 5+ a strong one; a good output-level baseline moves emergence to 5."""
    rng = np.random.default_rng(3)
    items = np.repeat(np.arange(150), 2)
    y = rng.integers(0, 2, 150)[items]
    h = rng.normal(size=(items.size, 9, 32))
    sgn = (2 * y - 1).astype(float)
    h[:, 2:5, 0] += 0.9 * sgn[:, None]  # AUROC ≈ 0.8
    h[:, 5:, 0] += 3.0 * sgn[:, None]  # AUROC ≈ 1
    strong = sgn * 1.2 + rng.normal(0, 1, y.size)  # output-level feature, AUROC ≈ 0.9
    df0, s0 = layer_probes(h, y, items, n_perm=1, n_boot=400)
    df1, s1 = layer_probes(h, y, items, baseline_features={"logprob": strong}, n_perm=1, n_boot=400)
    assert s0["emergence_layer"] == 2
    assert 0.85 < s1["best_baseline_auroc"] < 0.97
    assert s1["emergence_layer"] == 5


def test_shuffled_labels_give_chance():
    h, y, items, rng = _planted(n_layers=6, dim=64, k=0)
    y_shuf = rng.permutation(np.unique(items))  # unrelated item-level labels
    y_bad = (y_shuf[items] % 2).astype(int)
    df, s = layer_probes(h, y_bad, items, n_perm=2)
    assert abs(df["auroc"].mean() - 0.5) < 0.06
    assert s["emergence_layer"] is None
    assert 0.5 < s["null_95"] < 0.65
