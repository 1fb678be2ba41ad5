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


def _replicated(cube: np.ndarray) -> pd.DataFrame:
    i, p, r = np.meshgrid(*(np.arange(k) for k in cube.shape), indexing="ij")
    return pd.DataFrame(
        {"item_id": i.ravel(), "paraphrase_id": p.ravel(), "rep": r.ravel(), "value": cube.ravel()}
    )


def test_flip_rate_is_calibrated_against_no_prompt_effect():
    """Issue 17 item 10: with no prompt effect, noisy items 'flip' under ~75% of 6 paraphrases.
    Reported against its null (from replicates) the excess is ≈ 0; a real prompt effect shows."""
    rng = np.random.default_rng(5)
    n_items, n_p, reps = 150, 6, 3
    p_item = rng.uniform(0.3, 0.7, n_items)[:, None, None]
    y = (rng.random((n_items, n_p, reps)) < p_item).astype(float)
    r = prompt_sensitivity(_replicated(y), kind="binary", n_perm=200)
    assert r["flip_rate"] > 0.6  # the raw rate looks alarming...
    assert r["flip_rate_null"] == pytest.approx(r["flip_rate"], abs=0.06)  # ...and is all noise
    assert abs(r["excess_flip_rate"]) < 0.06 and r["flip_null_basis"] == "replicates"
    # deterministic scoring (greedy decoding): the null is 0 and every flip is the paraphrase's doing
    logit = rng.normal(0, 2, (n_items, 1)) + np.array([-1.5, -0.5, 0, 0.5, 1, 1.5])[None, :]
    det = (logit > 0).astype(float)
    rd = prompt_sensitivity(_crossed(det), n_perm=200, deterministic=True)
    assert rd["flip_rate_null"] == 0.0 and rd["excess_flip_rate"] == rd["flip_rate"] > 0.2
    # not declared, no replicates: not identified rather than silently "flip rate 0.75"
    assert np.isnan(prompt_sensitivity(_crossed(y[:, :, 0]), n_perm=50)["flip_rate_null"])


def test_continuous_metric_has_no_flip_rate():
    rng = np.random.default_rng(6)
    y = rng.normal(0, 1, (40, 1)) + rng.normal(0, 0.1, (40, 5))
    r = prompt_sensitivity(_crossed(y), kind="continuous", n_perm=50)
    assert r["flip_rate"] is None  # was always 1.0: any two real numbers differ


def test_interaction_separated_from_noise_with_replicates():
    """Issue 17 item 10: the 'interaction share' was interaction plus residual noise."""
    rng = np.random.default_rng(7)
    n_i, n_p, reps = 80, 5, 4
    inter = rng.normal(0, 0.6, (n_i, n_p, 1))
    y = rng.normal(0, 1, (n_i, 1, 1)) + inter + rng.normal(0, 0.6, (n_i, n_p, reps))
    r = prompt_sensitivity(_replicated(y), kind="continuous", n_perm=50)
    assert r["n_replicates"] == reps
    assert r["interaction_share"] == pytest.approx(r["noise_share"], rel=0.35)  # equal variances planted
    assert r["var_interaction"] == pytest.approx(0.36, rel=0.3) and r["var_noise"] == pytest.approx(
        0.36, rel=0.15
    )
    assert r["prompt_icc"] + r["item_share"] + r["interaction_share"] + r["noise_share"] == pytest.approx(1.0)
    one = prompt_sensitivity(_crossed(y[:, :, 0]), kind="continuous", n_perm=50)
    assert one["interaction_share"] is None  # without replicates it is not claimed


def test_summary_columns_of_the_asset_exist():
    """Issue 17 item 10: the asset's summary asked for `spread_p`, a key that never existed."""
    from evalpipe.defs.reports.assets import SENSITIVITY_SUMMARY

    rng = np.random.default_rng(8)
    r = prompt_sensitivity(_crossed((rng.random((20, 5)) < 0.5).astype(float)), n_perm=50, deterministic=True)
    assert set(SENSITIVITY_SUMMARY) <= set(r)
