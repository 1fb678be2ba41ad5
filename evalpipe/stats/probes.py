"""Layer-wise linear probes: where in the network does "this answer will be correct" become decodable?

Per layer: StandardScaler + L2 logistic regression (lbfgs) in one Pipeline, fitted in-fold with
StratifiedGroupKFold grouped by item (paraphrases / samples of one item never straddle train and
test).  Metric: out-of-fold AUROC with a cluster (item) bootstrap CI.  Controls: a shuffled-label
null, output-level baselines (mean logprob, length, ...) scored through the same folds, and layer
0 itself.  Emergence layer: the first layer whose CI lower bound beats both the null's 95th
percentile and the best baseline's AUROC, and stays above for the next two layers.

BLAS threads are limited to `n_threads` (default 1) while fitting: for these small problems
multi-threaded BLAS is ~10x slower on a shared machine than one thread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def weighted_auroc(scores: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """AUROC (Mann-Whitney, ties count ½) for each row of a (B, n) weight matrix; vectorised."""
    order = np.argsort(scores, kind="mergesort")
    s, yy = scores[order], y[order].astype(float)
    w = np.atleast_2d(weights)[:, order]
    starts = np.flatnonzero(np.r_[True, np.diff(s) != 0])
    pos = np.add.reduceat(w * yy, starts, axis=1)
    neg = np.add.reduceat(w * (1 - yy), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos * (below + 0.5 * neg)).sum(1) / (pos.sum(1) * neg.sum(1))


def _pipe(c: float, max_iter: int) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=c, max_iter=max_iter))])


def _oof_scores(x: np.ndarray, y: np.ndarray, folds: list, c: float, max_iter: int) -> np.ndarray:
    oof = np.full(y.shape[0], np.nan)
    for train, test in folds:
        if np.unique(y[train]).size < 2:
            oof[test] = 0.0
            continue
        oof[test] = _pipe(c, max_iter).fit(x[train], y[train]).decision_function(x[test])
    return oof


def _emergence(ci_low: np.ndarray, threshold: float, run: int = 3) -> int | None:
    above = ci_low > threshold
    for i in range(len(above)):
        if above[i : i + run].all():
            return i
    return None


def layer_probes(
    hidden: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    baseline_features: dict[str, np.ndarray] | pd.DataFrame | None = None,
    n_splits: int = 5,
    c: float = 1.0,
    max_iter: int = 200,
    n_boot: int = 1000,
    n_perm: int = 3,
    confidence: float = 0.95,
    seed: int = 0,
    n_threads: int = 1,
) -> tuple[pd.DataFrame, dict]:
    """Probe every layer of `hidden` [n_examples, n_layers, dim] for the binary `labels`.

    groups: item id per example (fold grouping and bootstrap clusters).  baseline_features:
    {name: array [n] or [n, k]} of output-level features (mean logprob, length), each scored
    with the same pipeline and folds.  The null: labels permuted across examples `n_perm` times
    per layer, same folds; its 95th percentile pooled over all layers is the null threshold
    (per-layer 95th percentiles are reported too).

    Returns (per-layer DataFrame: layer, rel_depth (= l/L, L = n_layers − 1), auroc, ci_low,
    ci_high, null_95; summary dict: emergence_layer, peak_layer, peak_auroc, null_95,
    best_baseline, baselines {name: (auroc, ci_low, ci_high)}, threshold).
    """
    hidden = np.asarray(hidden)
    if hidden.ndim != 3:
        raise ValueError("hidden must be [n_examples, n_layers, dim]")
    n, n_layers, _ = hidden.shape
    y = np.asarray(labels).astype(int).ravel()
    g = np.asarray(groups).ravel()
    rng = np.random.default_rng(seed)
    folds = list(
        StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(np.zeros(n), y, g)
    )
    _, g_inv = np.unique(g, return_inverse=True)
    n_groups = int(g_inv.max()) + 1
    counts = (
        np.stack(
            [np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups) for _ in range(n_boot)]
        )
        if n_boot
        else np.zeros((0, n_groups))
    )
    w = counts[:, g_inv].astype(float)
    alpha = (1 - confidence) / 2
    perms = [rng.permutation(y) for _ in range(n_perm)]

    def score(x: np.ndarray) -> tuple[float, float, float, np.ndarray]:
        oof = _oof_scores(x, y, folds, c, max_iter)
        auc = float(weighted_auroc(oof, y, np.ones((1, n)))[0])
        boot = weighted_auroc(oof, y, w) if n_boot else np.array([np.nan])
        lo, hi = np.nanquantile(boot, [alpha, 1 - alpha])
        return auc, float(lo), float(hi), oof

    rows = []
    null_all = []
    with threadpool_limits(n_threads):
        for layer in range(n_layers):
            x = hidden[:, layer, :].astype(np.float64)
            auc, lo, hi, _ = score(x)
            nulls = []
            for yp in perms:
                oof = _oof_scores(x, yp, folds, c, max_iter)
                nulls.append(float(weighted_auroc(oof, yp, np.ones((1, n)))[0]))
            null_all.extend(nulls)
            rows.append(
                {
                    "layer": layer,
                    "rel_depth": layer / max(n_layers - 1, 1),
                    "auroc": auc,
                    "ci_low": lo,
                    "ci_high": hi,
                    "null_95": float(np.quantile(nulls, 0.95)) if nulls else np.nan,
                }
            )
        baselines = {}
        feats = dict(baseline_features.items()) if baseline_features is not None else {}
        for name, f in feats.items():
            f = np.asarray(f, dtype=float)
            f = f.reshape(n, -1)
            auc, lo, hi, _ = score(f)
            baselines[name] = (auc, lo, hi)
    df = pd.DataFrame(rows)
    null_95 = float(np.quantile(null_all, 0.95)) if null_all else 0.5
    best_name = max(baselines, key=lambda k: baselines[k][0]) if baselines else None
    best = baselines[best_name][0] if best_name else 0.5
    threshold = max(null_95, best)
    em = _emergence(df["ci_low"].to_numpy(), threshold)
    peak = int(df["auroc"].idxmax())
    summary = {
        "emergence_layer": em,
        "emergence_rel_depth": (em / max(n_layers - 1, 1)) if em is not None else None,
        "peak_layer": peak,
        "peak_auroc": float(df["auroc"].iloc[peak]),
        "layer0_auroc": float(df["auroc"].iloc[0]),  # the embedding layer: a lexical-cue control
        "null_95": null_95,
        "best_baseline": best_name,
        "best_baseline_auroc": float(best),
        "baselines": baselines,
        "threshold": threshold,
        "n_examples": n,
        "n_groups": n_groups,
    }
    return df, summary
