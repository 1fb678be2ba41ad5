"""Prompt sensitivity in a crossed items x paraphrases design (README, "Probes, prompt sensitivity, power and stratified SE").

Why crossed: every item is scored under every paraphrase, so the two-way decomposition
y_ip = μ + a_i + b_p + (ab)_ip separates prompt variance (σ²_P) from item difficulty (σ²_I).

The naive alternative, a one-way ANOVA over paraphrase groups where each group holds a different
item (or a single item scored repeatedly), attributes item difficulty to the prompt: with no
prompt effect at all, its F-test comes out "significant" whenever items differ in difficulty.
`evalpipe_tests/stats/test_prompt_sensitivity.py::test_naive_oneway_is_fooled` shows it.

What the numbers mean (and what they cannot):
* With one score per (item, paraphrase) the residual is interaction *plus* run-to-run noise;
  they cannot be told apart, so it is reported as `residual_share` and `interaction_share` is
  None.  With replicates (several rows per cell: K samples, repeated judging) the replicated
  two-way ANOVA separates `interaction_share` from `noise_share`.
* The flip rate (share of items whose outcome is not the same under every paraphrase) counts
  noise flips too: with no prompt effect at all, 6 paraphrases of items that pass 30–70% of the
  time "flip" ~75% of them.  It is reported beside `flip_rate_null`, its expectation with no
  prompt effect, and `excess_flip_rate` = flip_rate − flip_rate_null.  The null needs to know the
  noise: from replicates (an item's P·R scores are exchangeable under no prompt effect, so the
  chance that P of them disagree is hypergeometric), or 0 when scoring is deterministic (greedy
  decoding, deterministic metric: every flip is then the paraphrase's doing).  Without either it
  is not identified (NaN): within-item permutation cannot calibrate it, because permuting an
  item's row never changes whether it flips.  Continuous scores have no flip rate (None): any two
  real-valued scores differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import cochrans_q


def _matrix(df: pd.DataFrame) -> tuple[np.ndarray, list, list]:
    wide = df.pivot_table(index="item_id", columns="paraphrase_id", values="value", aggfunc="mean")
    wide = wide.dropna(axis=0, how="any")  # the two-way decomposition needs a complete table
    return wide.to_numpy(dtype=float), list(wide.index), list(wide.columns)


def _replicates(df: pd.DataFrame, items: list, paras: list) -> np.ndarray | None:
    """[I, P, R] array of the first R replicates of every cell (R = the smallest cell count ≥ 2)."""
    d = df[df["item_id"].isin(items)].copy()
    d["_rep"] = d.groupby(["item_id", "paraphrase_id"]).cumcount()
    r = int(d.groupby(["item_id", "paraphrase_id"]).size().min()) if len(d) else 0
    if r < 2:
        return None
    d = d[d["_rep"] < r]
    cube = d.pivot_table(index="item_id", columns=["paraphrase_id", "_rep"], values="value", aggfunc="first")
    cube = cube.reindex(index=items, columns=pd.MultiIndex.from_product([paras, range(r)]))
    return cube.to_numpy(dtype=float).reshape(len(items), len(paras), r)


def anova_two_way_replicated(y: np.ndarray) -> dict:
    """Balanced two-way random-effects ANOVA with R replicates per cell, y [I, P, R].

    σ²_E = MS_E, σ²_IP = (MS_IP − MS_E)/R, σ²_P = (MS_P − MS_IP)/(I·R), σ²_I = (MS_I − MS_IP)/(P·R)
    (negative estimates floored at 0); shares are of their sum.
    """
    n_i, n_p, r = y.shape
    grand = y.mean()
    cell = y.mean(2)
    ri, cp = cell.mean(1), cell.mean(0)
    ms_i = n_p * r * np.sum((ri - grand) ** 2) / (n_i - 1)
    ms_p = n_i * r * np.sum((cp - grand) ** 2) / (n_p - 1)
    ms_ip = r * np.sum((cell - ri[:, None] - cp[None, :] + grand) ** 2) / ((n_i - 1) * (n_p - 1))
    ms_e = np.sum((y - cell[:, :, None]) ** 2) / (n_i * n_p * (r - 1))
    v_e = ms_e
    v_ip = max((ms_ip - ms_e) / r, 0.0)
    v_p = max((ms_p - ms_ip) / (n_i * r), 0.0)
    v_i = max((ms_i - ms_ip) / (n_p * r), 0.0)
    total = v_e + v_ip + v_p + v_i
    share = (lambda v: float(v / total)) if total > 0 else (lambda v: float("nan"))
    return {
        "n_replicates": r,
        "ms_interaction": float(ms_ip),
        "ms_noise": float(ms_e),
        "var_interaction": float(v_ip),
        "var_noise": float(v_e),
        "prompt_icc": share(v_p),
        "item_share": share(v_i),
        "interaction_share": share(v_ip),
        "noise_share": share(v_e),
    }


def _flips(y: np.ndarray) -> np.ndarray:
    return np.any(y != y[:, :1], axis=1)


def flip_null_from_replicates(cube: np.ndarray) -> float:
    """Expected flip rate with no prompt effect: P of an item's P·R exchangeable scores disagree.

    For a binary item with k successes among its N = P·R scores: 1 − C(k, P)/C(N, P) −
    C(N − k, P)/C(N, P) (hypergeometric); ordinal scores: 1 − Σ_levels C(k_l, P)/C(N, P).
    """
    from scipy.special import comb

    n_i, n_p, r = cube.shape
    big = n_p * r
    flat = cube.reshape(n_i, big)
    out = np.empty(n_i)
    for i in range(n_i):
        _, counts = np.unique(flat[i], return_counts=True)
        out[i] = 1.0 - float(np.sum(comb(counts, n_p))) / float(comb(big, n_p))
    return float(out.mean())


def anova_two_way(y: np.ndarray) -> dict:
    """Two-way ANOVA without replication on an I x P table: mean squares and variance components."""
    n_i, n_p = y.shape
    grand = y.mean()
    ri = y.mean(1)
    cp = y.mean(0)
    ss_i = n_p * np.sum((ri - grand) ** 2)
    ss_p = n_i * np.sum((cp - grand) ** 2)
    resid = y - ri[:, None] - cp[None, :] + grand
    ss_res = np.sum(resid**2)
    df_i, df_p, df_r = n_i - 1, n_p - 1, (n_i - 1) * (n_p - 1)
    ms_i, ms_p = ss_i / df_i, ss_p / df_p
    ms_res = ss_res / df_r if df_r > 0 else float("nan")
    var_p = max((ms_p - ms_res) / n_i, 0.0)
    var_i = max((ms_i - ms_res) / n_p, 0.0)
    total = var_p + var_i + ms_res
    with np.errstate(invalid="ignore", divide="ignore"):
        f_p = ms_p / ms_res if ms_res > 0 else float("nan")
    p_f = float(stats.f.sf(f_p, df_p, df_r)) if np.isfinite(f_p) else float("nan")

    def share(v: float) -> float:
        return float(v / total) if total > 0 else float("nan")

    return {
        "n_items": n_i,
        "n_paraphrases": n_p,
        "ms_items": float(ms_i),
        "ms_paraphrases": float(ms_p),
        "ms_residual": float(ms_res),
        "var_prompt": float(var_p),
        "var_item": float(var_i),
        "var_residual": float(ms_res),
        "prompt_icc": share(var_p),
        "item_share": share(var_i),
        "residual_share": share(ms_res),
        "f_paraphrase": float(f_p),
        "p_f_paraphrase": p_f,
    }


def prompt_sensitivity(
    df: pd.DataFrame,
    kind: str | None = None,
    n_perm: int = 2000,
    seed: int = 0,
    deterministic: bool = False,
) -> dict:
    """Decompose score variance into prompt / item / residual and test the prompt effect.

    df: columns item_id, paraphrase_id, value (complete crossed design; items missing a
    paraphrase are dropped and counted); several rows per cell are replicates.  kind: 'binary'
    (Cochran's Q) or 'ordinal'/'continuous' (Friedman); inferred from the values when None.
    deterministic: scores have no run-to-run noise (greedy decoding, deterministic metric), so
    the no-prompt-effect flip rate is 0.
    Returns the ANOVA mean squares and components, prompt ICC = σ²_P/(σ²_P + σ²_I + σ²_res),
    the test, the flip rate with its null and excess (binary/ordinal), the interaction / noise
    shares when replicated, and the max−min spread of paraphrase means with its within-item
    permutation p-value (`spread_p_value`; values shuffled across paraphrases inside each item).
    """
    y, items, paras = _matrix(df)
    n_dropped = int(df["item_id"].nunique() - len(items))
    if y.shape[0] < 2 or y.shape[1] < 2:
        raise ValueError("need at least 2 complete items and 2 paraphrases")
    if kind is None:
        kind = "binary" if np.all((y == 0) | (y == 1)) else "continuous"
    out = anova_two_way(y)
    out.update(kind=kind, n_items_dropped=n_dropped)
    cube = _replicates(df, items, paras)
    out.update(interaction_share=None, noise_share=None, n_replicates=1)
    y_means = y  # cell means: the spread and its null
    if cube is not None:
        rep = anova_two_way_replicated(cube)
        out.update(rep, residual_share=rep["interaction_share"] + rep["noise_share"])
        y = cube.mean(2) if kind == "continuous" else cube[:, :, 0]  # one response per cell
    if kind == "continuous":
        out.update(flip_rate=None, flip_rate_null=None, excess_flip_rate=None, flip_null_basis=None)
    else:
        flip = float(_flips(y).mean())
        if cube is not None:
            null, basis = flip_null_from_replicates(cube), "replicates"
        elif deterministic:
            null, basis = 0.0, "deterministic"
        else:
            null, basis = float("nan"), "unidentified (no replicates, scoring not declared deterministic)"
        out.update(flip_rate=flip, flip_rate_null=null, excess_flip_rate=flip - null, flip_null_basis=basis)
    if kind == "binary":
        if np.all(y == y[:, :1]):
            out.update(test="cochran_q", statistic=0.0, p_value=1.0)
        else:
            r = cochrans_q(y.astype(int))
            out.update(test="cochran_q", statistic=float(r.statistic), p_value=float(r.pvalue))
    else:
        if np.all(y == y[:, :1]):
            out.update(test="friedman", statistic=0.0, p_value=1.0)
        else:
            r = stats.friedmanchisquare(*y.T)
            out.update(test="friedman", statistic=float(r.statistic), p_value=float(r.pvalue))
    y = y_means
    means = y.mean(0)
    spread = float(means.max() - means.min())
    rng = np.random.default_rng(seed)
    null = np.empty(n_perm)
    chunk = 200
    for s in range(0, n_perm, chunk):
        k = min(chunk, n_perm - s)
        perm = rng.permuted(np.broadcast_to(y, (k, *y.shape)), axis=2)
        pm = perm.mean(1)
        null[s : s + k] = pm.max(1) - pm.min(1)
    out.update(
        spread=spread,
        spread_null_95=float(np.quantile(null, 0.95)),
        spread_p_value=float((1 + np.sum(null >= spread - 1e-12)) / (1 + n_perm)),
        paraphrase_means=dict(zip(map(str, paras), means.tolist(), strict=True)),
    )
    return out
