"""Prompt sensitivity in a crossed items x paraphrases design (STATISTICS.md, "measurement artifacts").

Why crossed: every item is scored under every paraphrase, so the two-way decomposition
y_ip = μ + a_i + b_p + (ab)_ip separates prompt variance (σ²_P) from item difficulty (σ²_I).

The naive alternative, a one-way ANOVA over paraphrase groups where each group holds a different
item (or a single item scored repeatedly), attributes item difficulty to the prompt: with no
prompt effect at all, its F-test comes out "significant" whenever items differ in difficulty.
`evalpipe_tests/stats/test_prompt_sensitivity.py::test_naive_oneway_is_fooled` shows it.
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


def prompt_sensitivity(df: pd.DataFrame, kind: str | None = None, n_perm: int = 2000, seed: int = 0) -> dict:
    """Decompose score variance into prompt / item / residual and test the prompt effect.

    df: columns item_id, paraphrase_id, value (complete crossed design; items missing a
    paraphrase are dropped and counted).  kind: 'binary' (Cochran's Q, flip rate) or
    'ordinal'/'continuous' (Friedman); inferred from the values when None.
    Returns the ANOVA mean squares and components, prompt ICC = σ²_P/(σ²_P + σ²_I + σ²_res),
    the test, the flip rate (binary), and the max−min spread of paraphrase means with its
    within-item permutation p-value (values shuffled across paraphrases inside each item).
    """
    y, items, paras = _matrix(df)
    n_dropped = int(df["item_id"].nunique() - len(items))
    if y.shape[0] < 2 or y.shape[1] < 2:
        raise ValueError("need at least 2 complete items and 2 paraphrases")
    if kind is None:
        kind = "binary" if np.all((y == 0) | (y == 1)) else "continuous"
    out = anova_two_way(y)
    out.update(kind=kind, n_items_dropped=n_dropped)
    if kind == "binary":
        flips = np.any(y != y[:, :1], axis=1)
        out["flip_rate"] = float(flips.mean())
        if np.all(y == y[:, :1]):
            out.update(test="cochran_q", statistic=0.0, p_value=1.0)
        else:
            r = cochrans_q(y.astype(int))
            out.update(test="cochran_q", statistic=float(r.statistic), p_value=float(r.pvalue))
    else:
        out["flip_rate"] = float(np.mean(np.any(y != y[:, :1], axis=1)))
        if np.all(y == y[:, :1]):
            out.update(test="friedman", statistic=0.0, p_value=1.0)
        else:
            r = stats.friedmanchisquare(*y.T)
            out.update(test="friedman", statistic=float(r.statistic), p_value=float(r.pvalue))
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
