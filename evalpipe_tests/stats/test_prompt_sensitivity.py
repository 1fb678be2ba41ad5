import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalpipe.stats.prompt_sensitivity import anova_two_way, prompt_sensitivity


def _crossed(y: np.ndarray) -> pd.DataFrame:
    i, p = np.meshgrid(np.arange(y.shape[0]), np.arange(y.shape[1]), indexing="ij")
    return pd.DataFrame({"item_id": i.ravel(), "paraphrase_id": p.ravel(), "value": y.ravel()})


def test_anova_mean_squares_hand():
    y = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 3.0], [0.0, 1.0, 5.0]])
    r = anova_two_way(y)
    g = y.mean()
    ms_i = 3 * np.sum((y.mean(1) - g) ** 2) / 2
    ms_p = 3 * np.sum((y.mean(0) - g) ** 2) / 2
    res = y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + g
    ms_r = np.sum(res**2) / 4
    assert (r["ms_items"], r["ms_paraphrases"], r["ms_residual"]) == pytest.approx((ms_i, ms_p, ms_r))
    assert r["var_prompt"] == pytest.approx(max((ms_p - ms_r) / 3, 0))
    assert r["prompt_icc"] + r["item_share"] + r["residual_share"] == pytest.approx(1.0)


def test_planted_prompt_effect_binary():
    rng = np.random.default_rng(0)
    n_items, n_p = 120, 6
    item = rng.normal(0, 1, n_items)[:, None]
    prompt = np.array([-2.0, -1.0, 0.0, 0.5, 1.5, 2.5])[None, :]
    y = (rng.random((n_items, n_p)) < 1 / (1 + np.exp(-(item + prompt)))).astype(float)
    r = prompt_sensitivity(_crossed(y), n_perm=500)
    assert r["kind"] == "binary" and r["test"] == "cochran_q"
    assert r["p_value"] < 1e-6
    assert r["prompt_icc"] > 0.15
    assert r["flip_rate"] > 0.5
    assert r["spread"] > r["spread_null_95"] and r["spread_p_value"] < 0.01


def test_items_only_gives_zero_icc_continuous():
    """Items differ, prompts do not: ICC ≈ 0 and the tests reject at about their nominal 5%."""
    rng = np.random.default_rng(1)
    n_items, n_p, reps = 100, 6, 60
    iccs, rej_f, rej_spread = [], 0, 0
    for s in range(reps):
        y = rng.normal(0, 1.0, (n_items, 1)) + rng.normal(0, 0.3, (n_items, n_p))
        r = prompt_sensitivity(_crossed(y), kind="ordinal", n_perm=200, seed=s)
        assert r["test"] == "friedman" and r["item_share"] > 0.8
        iccs.append(r["prompt_icc"])
        rej_f += r["p_value"] < 0.05
        rej_spread += r["spread_p_value"] < 0.05
    assert np.mean(iccs) < 0.005 and np.max(iccs) < 0.02
    assert rej_f / reps <= 0.15 and rej_spread / reps <= 0.15


def test_naive_oneway_is_fooled():
    """Items-only variation: a one-way ANOVA over paraphrase groups that each hold one item (scored
    20 times) reports a 'prompt effect' (it is item difficulty); the crossed design does not."""
    rng = np.random.default_rng(2)
    n_p, k = 6, 20
    difficulty = rng.normal(0, 1.0, n_p)
    groups = [difficulty[p] + rng.normal(0, 0.3, k) for p in range(n_p)]  # paraphrase p ↔ item p
    assert stats.f_oneway(*groups).pvalue < 1e-6  # fooled
    y = rng.normal(0, 1.0, (60, 1)) + rng.normal(0, 0.3, (60, n_p))  # same world, crossed design
    r = prompt_sensitivity(_crossed(y), kind="continuous", n_perm=200)
    assert r["prompt_icc"] < 0.02 and r["p_f_paraphrase"] > 0.05


def test_incomplete_items_are_dropped_and_constant_table():
    y = np.ones((5, 5))
    df = _crossed(y)
    df = df[~((df.item_id == 0) & (df.paraphrase_id == 3))]
    r = prompt_sensitivity(df, n_perm=50)
    assert r["n_items"] == 4 and r["n_items_dropped"] == 1
    assert r["p_value"] == 1.0 and r["flip_rate"] == 0.0
