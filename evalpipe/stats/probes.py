"""Layer-wise linear probes: where in the network does "this answer will be correct" become decodable?

Per layer: StandardScaler + L2 logistic regression (lbfgs) in one Pipeline, fitted in-fold with
StratifiedGroupKFold grouped by item (paraphrases / samples of one item never straddle train and
test).  Controls: an item-level shuffled-label null, output-level baselines (mean logprob,
length, ...) scored through the same folds, and layer 0 itself.

Why the CI refits: the out-of-fold AUROC depends on the fitted models as much as on the test
items, so a bootstrap of *fixed* out-of-fold scores is too narrow (10% of pure-noise layers
excluded 0.5).  Instead the grouped K-fold CV is repeated `n_repeats` times with fresh splits;
the estimate is the mean fold AUROC and its SE is the corrected repeated-CV variance of
Nadeau & Bengio (2003) / Bouckaert & Frank (2004): SE² = (1/J + n_test/n_train)·s²_folds over
the J = n_repeats·n_splits fold AUROCs, with a t_{K−1} interval.  The second term is what the
naive 1/J misses: overlapping training sets make fold scores positively correlated.

Why the null permutes items: labels and hidden states are correlated within an item, so the
effective sample size is the number of items.  Permuting labels across *examples* breaks that
and gives a null that is too narrow (95th percentile 0.57 instead of 0.65 in the audit design).
The null permutes whole items' label blocks among items of the same size, `n_perm` (≥ 200)
times in total, spread round-robin over the layers and pooled (each permutation refits one
layer's K folds once; a single CV repetition makes the null slightly wider than the repeated-CV
statistic, i.e. conservative).

Emergence layer: the first layer whose CI lower bound beats both the null's 95th percentile and
the best baseline's AUROC and stays above for the next two layers; a layer with fewer than two
layers after it cannot be confirmed.

BLAS threads are limited to `n_threads` (default 1) while fitting: for these small problems
multi-threaded BLAS is ~10x slower on a shared machine than one thread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
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


def _auroc(scores: np.ndarray, y: np.ndarray) -> float:
    if np.unique(y).size < 2:
        return float("nan")
    return float(weighted_auroc(scores, y, np.ones((1, y.size)))[0])


def _pipe(c: float, max_iter: int) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=c, max_iter=max_iter))])


def _fold_aurocs(x: np.ndarray, y: np.ndarray, folds: list, c: float, max_iter: int) -> np.ndarray:
    """AUROC on each test fold of a model fitted on the rest (NaN where a fold lacks a class)."""
    out = np.full(len(folds), np.nan)
    for j, (train, test) in enumerate(folds):
        if np.unique(y[train]).size < 2 or np.unique(y[test]).size < 2:
            continue
        s = _pipe(c, max_iter).fit(x[train], y[train]).decision_function(x[test])
        out[j] = _auroc(s, y[test])
    return out


def _fit_many(xtr: np.ndarray, ytr: np.ndarray, c: float, max_iter: int) -> np.ndarray:
    """L2 logistic regressions for M label columns at once: the sklearn objective, one L-BFGS run.

    Minimises Σ_m [C·Σ_i logloss(y_im, x_i·w_m + b_m) + ½‖w_m‖²] (intercepts unpenalised, as in
    sklearn's lbfgs); the sum is separable, so its optimum is the M separate fits.  Used for the
    null's permutations, where thousands of small fits would be dominated by per-call overhead.
    Returns coefficients [d + 1, M] (last row: intercepts).
    """
    n, d = xtr.shape
    m = ytr.shape[1]
    x1 = np.c_[xtr, np.ones(n)]

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta.reshape(d + 1, m)
        z = x1 @ w
        loss = c * float(np.sum(np.logaddexp(0.0, z) - ytr * z)) + 0.5 * float(np.sum(w[:d] ** 2))
        grad = c * (x1.T @ (special.expit(z) - ytr))
        grad[:d] += w[:d]
        return loss, grad.ravel()

    res = optimize.minimize(
        f, np.zeros((d + 1) * m), jac=True, method="L-BFGS-B", options={"maxiter": 5 * max_iter, "gtol": 1e-6}
    )
    return res.x.reshape(d + 1, m)


def _null_fold_aurocs(x: np.ndarray, yperm: np.ndarray, folds: list, c: float, max_iter: int) -> np.ndarray:
    """Mean test-fold AUROC for each permuted label column of `yperm` [n, M] (in-fold scaling)."""
    m = yperm.shape[1]
    out = np.full((len(folds), m), np.nan)
    for j, (train, test) in enumerate(folds):
        mu = x[train].mean(0)
        sd = x[train].std(0)
        sd[sd == 0] = 1.0
        xtr, xte = (x[train] - mu) / sd, (x[test] - mu) / sd
        if xtr.shape[1] > xtr.shape[0]:
            # The penalised optimum lies in the row space of xtr: fit in that basis (exact, faster).
            _, sv, vt = np.linalg.svd(xtr, full_matrices=False)
            keep = sv > sv[0] * 1e-10
            xtr, xte = xtr @ vt[keep].T, xte @ vt[keep].T
        coef = _fit_many(xtr, yperm[train].astype(float), c, max_iter)
        scores = xte @ coef[:-1] + coef[-1]
        for k in range(m):
            if np.unique(yperm[train, k]).size == 2:
                out[j, k] = _auroc(scores[:, k], yperm[test, k])
    with np.errstate(invalid="ignore"):
        return np.nanmean(out, axis=0)


def corrected_cv_interval(
    fold_scores: np.ndarray, n_splits: int, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """(mean, se, low, high) of repeated K-fold scores with the Nadeau-Bengio correction.

    SE² = (1/J + n_test/n_train)·s², n_test/n_train = 1/(K − 1), J finite fold scores.  The
    interval uses t with K − 1 degrees of freedom, not J − 1: repetitions re-split the same items,
    so there are only K disjoint test sets' worth of information.  Measured on pure-noise layers
    (benchmarks/monitoring.py --part probes): t_{J−1} excludes 0.5 in 6–11% of layers, t_{K−1} in
    3–6%.  Clipped to [0, 1] (AUROC scale).
    """
    a = np.asarray(fold_scores, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        m = float(a.mean()) if a.size else float("nan")
        return m, float("nan"), float("nan"), float("nan")
    m = float(a.mean())
    se = float(np.sqrt((1 / a.size + 1 / (n_splits - 1)) * a.var(ddof=1)))
    t = float(stats.t.ppf(0.5 + confidence / 2, max(min(n_splits, a.size) - 1, 1)))
    return m, se, float(np.clip(m - t * se, 0, 1)), float(np.clip(m + t * se, 0, 1))


def item_permutation(y: np.ndarray, g_inv: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Labels with whole items' label blocks permuted among items of the same size.

    Valid under H0 (features independent of labels, items exchangeable): it keeps the within-item
    label correlation that an example-level shuffle destroys.
    """
    sizes = np.bincount(g_inv)
    order = np.argsort(g_inv, kind="stable")
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    out = y.copy()
    for s in np.unique(sizes):
        gs = np.flatnonzero(sizes == s)
        if gs.size < 2:
            continue
        idx = order[starts[gs][:, None] + np.arange(s)[None, :]]  # [groups of size s, s]
        out[idx] = y[idx[rng.permutation(gs.size)]]
    return out


def _emergence(ci_low: np.ndarray, threshold: float, run: int = 3) -> int | None:
    """First layer whose CI lower bound is above `threshold` for it and the next run − 1 layers."""
    above = np.asarray(ci_low, dtype=float) > threshold
    for i in range(len(above) - run + 1):
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
    n_repeats: int = 3,
    n_perm: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    n_threads: int = 1,
) -> tuple[pd.DataFrame, dict]:
    """Probe every layer of `hidden` [n_examples, n_layers, dim] for the binary `labels`.

    groups: item id per example (fold grouping, permutation blocks).  baseline_features:
    {name: array [n] or [n, k]} of output-level features (mean logprob, length), each scored
    with the same pipeline and splits.  n_repeats: CV repetitions behind each estimate and CI.
    n_perm: item-level label permutations in total for the pooled null (round-robin over layers).

    Returns (per-layer DataFrame: layer, rel_depth (= l/L, L = n_layers − 1), auroc (mean fold
    AUROC), ci_low, ci_high, null_95 (the pooled null quantile); summary dict: emergence_layer, peak_layer, peak_auroc, null_95, n_perm,
    best_baseline, baselines {name: (auroc, ci_low, ci_high)}, threshold, ci_method).
    """
    hidden = np.asarray(hidden)
    if hidden.ndim != 3:
        raise ValueError("hidden must be [n_examples, n_layers, dim]")
    if n_repeats < 1 or n_splits < 2:
        raise ValueError("need n_repeats >= 1 and n_splits >= 2")
    n, n_layers, _ = hidden.shape
    y = np.asarray(labels).astype(int).ravel()
    g = np.asarray(groups).ravel()
    rng = np.random.default_rng(seed)
    splits = [
        list(
            StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + r).split(
                np.zeros(n), y, g
            )
        )
        for r in range(n_repeats)
    ]
    folds = [f for rep in splits for f in rep]
    _, g_inv = np.unique(g, return_inverse=True)
    n_groups = int(g_inv.max()) + 1
    perm_layer = np.arange(n_perm) % max(n_layers, 1)
    perms = [item_permutation(y, g_inv, rng) for _ in range(n_perm)]

    def score(x: np.ndarray) -> tuple[float, float, float, float]:
        return corrected_cv_interval(_fold_aurocs(x, y, folds, c, max_iter), n_splits, confidence)

    rows = []
    null_all = []
    with threadpool_limits(n_threads):
        for layer in range(n_layers):
            x = hidden[:, layer, :].astype(np.float64)
            auc, _, lo, hi = score(x)
            mine = [perms[j] for j in np.flatnonzero(perm_layer == layer)]
            if mine:
                null_all.extend(_null_fold_aurocs(x, np.stack(mine, axis=1), splits[0], c, max_iter).tolist())
            rows.append(
                {
                    "layer": layer,
                    "rel_depth": layer / max(n_layers - 1, 1),
                    "auroc": auc,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        baselines = {}
        feats = dict(baseline_features.items()) if baseline_features is not None else {}
        for name, f in feats.items():
            f = np.asarray(f, dtype=float).reshape(n, -1)
            auc, _, lo, hi = score(f)
            baselines[name] = (auc, lo, hi)
    df = pd.DataFrame(rows)
    null_vals = np.asarray(null_all, dtype=float)
    null_vals = null_vals[np.isfinite(null_vals)]
    null_95 = float(np.quantile(null_vals, 0.95)) if null_vals.size else 0.5
    df["null_95"] = null_95  # same columns as before (warehouse schema); pooled over layers
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
        "n_perm": int(null_vals.size),
        "best_baseline": best_name,
        "best_baseline_auroc": float(best),
        "baselines": baselines,
        "threshold": threshold,
        "ci_method": f"corrected repeated CV ({n_repeats}x{n_splits}-fold, Nadeau-Bengio)",
        "n_examples": n,
        "n_groups": n_groups,
    }
    return df, summary
