import json
import math

import pytest

from evalpipe.metrics.calibration import calibrate, calibrate_judge, load_human_labels
from evalpipe.metrics.judge import CallableJudgeClient, PointwiseJudge
from evalpipe.synth.human_labels import build_labels


def test_perfect_agreement():
    h = [1, 2, 3, 4, 5] * 8
    r = calibrate(h, h, [s >= 4 for s in h], kappa_floor=0.6)
    assert r.kappa_quadratic == pytest.approx(1.0) and r.tpr == 1.0 and r.tnr == 1.0
    assert r.calibrated and r.n == 40 and r.n_failed == 0


def test_known_kappa_value():
    # Hand-checked with sklearn semantics: quadratic weights over labels 1..5.
    from sklearn.metrics import cohen_kappa_score

    h = [1, 2, 3, 4, 5, 5, 4, 3, 2, 1] * 4
    j = [1, 2, 3, 5, 5, 4, 4, 2, 2, 1] * 4
    r = calibrate(j, h, [s >= 4 for s in h])
    assert r.kappa_quadratic == pytest.approx(cohen_kappa_score(h, j, weights="quadratic"))
    assert 0.8 < r.kappa_quadratic < 1.0


def test_reversed_judge_is_uncalibrated_with_reason():
    h = [1, 2, 3, 4, 5] * 8
    j = [6 - s for s in h]
    r = calibrate(j, h, [s >= 4 for s in h], kappa_floor=0.6)
    assert r.kappa_quadratic == pytest.approx(-1.0)
    assert not r.calibrated and r.reason.startswith("quadratic kappa -1.000 (95% CI -1.000 to ")
    assert r.reason.endswith(", n=40) < floor 0.6")
    assert r.tpr == 0.0 and r.tnr == pytest.approx(1 / 3)  # human 3 -> judge 3 is the only agreeing fail


def test_failures_excluded_but_counted():
    h = [1, 2, 3, 4, 5] * 8
    j = list(h)
    j[:10] = [None] * 10
    r = calibrate(j, h, [s >= 4 for s in h], max_failure_rate=0.1)
    assert r.n == 30 and r.n_failed == 10 and not r.calibrated and "judge failed on 10/40" in r.reason


def test_constant_judge_kappa_not_nan_silently():
    h = [1, 2, 3, 4, 5] * 8
    r = calibrate([3.0] * 40, h, [s >= 4 for s in h])
    assert r.kappa_quadratic == pytest.approx(0.0) and not r.calibrated and r.tpr == 0.0 and r.tnr == 1.0
    r2 = calibrate([3.0] * 40, [3] * 40, [False] * 40)
    assert math.isnan(r2.kappa_quadratic) and "kappa undefined" in r2.reason and math.isnan(r2.tpr)


def test_too_few_items():
    r = calibrate([5, 1], [5, 1], [True, False], min_items=30)
    assert not r.calibrated and "only 2 scored items" in r.reason


def test_shipped_labels_match_generator_and_spec():
    df = load_human_labels()
    assert df.to_dict("records") == json.loads(json.dumps(build_labels()))  # file is the generator's output
    assert len(df) >= 100 and df["id"].is_unique
    assert set(df["partition"]) == {"golden", "regression", "adversarial", "distribution"}
    assert set(df["human_score"]) == {1, 2, 3, 4, 5}
    assert (df["human_pass"] == (df["human_score"] >= 4)).all()
    assert {"id", "partition", "question", "answer", "human_score", "human_pass", "note"} <= set(df.columns)


def test_calibrate_judge_end_to_end_with_oracle_and_bad_judge():
    labels = load_human_labels()
    truth = dict(zip(labels["answer"] + "|" + labels["question"], labels["human_score"], strict=True))

    def oracle(batch):
        out = []
        for msgs in batch:
            u = msgs[-1]["content"]
            q = u.split("Question:\n")[1].split("\n\n")[0]
            a = u.split("Answer to grade:\n")[1]
            out.append(json.dumps({"score": int(truth[a + "|" + q]), "reason": "oracle"}))
        return out

    res, per_item = calibrate_judge(
        PointwiseJudge(CallableJudgeClient(oracle, "oracle")), labels, kappa_floor=0.6
    )
    assert res.calibrated and res.kappa_quadratic == pytest.approx(1.0) and len(per_item) == len(labels)

    lazy = PointwiseJudge(
        CallableJudgeClient(lambda b: ['{"score": 5, "reason": "looks fine"}'] * len(b), "lazy")
    )
    res2, _ = calibrate_judge(lazy, labels, kappa_floor=0.6)
    assert not res2.calibrated and res2.tpr == 1.0 and res2.tnr == 0.0


# ---------------------------------------------------------------------------------------------- CI, floor, alpha


def test_quadratic_kappa_equals_sklearn_and_bootstrap_equals_a_plain_loop():
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    from evalpipe.metrics.calibration import kappa_bootstrap_ci, quadratic_kappa

    rng = np.random.default_rng(7)
    h = rng.integers(1, 6, 60)
    j = np.clip(h + rng.integers(-1, 2, 60), 1, 5)
    assert quadratic_kappa(h, j) == pytest.approx(
        cohen_kappa_score(h, j, weights="quadratic", labels=[1, 2, 3, 4, 5])
    )
    lo, hi = kappa_bootstrap_ci(h, j, n_boot=300, seed=11)
    idx = np.random.default_rng(11).integers(0, 60, size=(300, 60))  # the same resamples, one by one
    ks = [cohen_kappa_score(h[i], j[i], weights="quadratic", labels=[1, 2, 3, 4, 5]) for i in idx]
    assert (lo, hi) == pytest.approx((np.quantile(ks, 0.025), np.quantile(ks, 0.975)))
    assert lo < quadratic_kappa(h, j) < hi
    assert kappa_bootstrap_ci(h, j, n_boot=300, seed=11) == (lo, hi)  # seeded


def test_floor_uses_the_ci_lower_bound_so_few_lucky_items_do_not_calibrate():
    hb = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    jb = [1, 2, 3, 4, 5, 2, 1, 4, 5, 3]  # kappa 0.8 on every repetition of the block
    few = calibrate(jb * 2, hb * 2, [s >= 4 for s in hb * 2], kappa_floor=0.7, min_items=10)
    many = calibrate(jb * 20, hb * 20, [s >= 4 for s in hb * 20], kappa_floor=0.7, min_items=10)
    assert few.kappa_quadratic == pytest.approx(0.8) == many.kappa_quadratic
    assert few.kappa_ci_low < 0.7 < few.kappa_quadratic and not few.calibrated
    assert f"CI lower bound {few.kappa_ci_low:.3f} < floor 0.7" in few.reason
    assert few.reason.startswith("quadratic kappa 0.800 (95% CI ") and "n=20" in few.reason
    assert many.calibrated and many.kappa_ci_low > 0.7 and many.kappa_ci_high - many.kappa_ci_low < 0.15
    assert f"CI lower bound {many.kappa_ci_low:.3f} >= floor 0.7" in many.reason


def test_spearman_and_per_partition_figures():
    from scipy.stats import spearmanr

    h = [1, 2, 3, 4, 5] * 8
    j = [1.2, 2.5, 2.9, 4.4, 4.8] * 4 + [5.0, 4.0, 3.0, 2.0, 1.0] * 4
    parts = ["golden"] * 20 + ["adversarial"] * 20
    r = calibrate(j, h, [s >= 4 for s in h], partitions=parts, min_items=10)
    assert r.spearman == pytest.approx(spearmanr(j, h).statistic)
    assert r.per_partition["golden"]["kappa"] == pytest.approx(1.0)
    assert r.per_partition["adversarial"]["kappa"] == pytest.approx(-1.0)
    assert r.per_partition["golden"]["n"] == 20 and r.per_partition["golden"]["spearman"] == pytest.approx(
        1.0
    )
    assert json.loads(r.row()["per_partition"])["adversarial"]["n"] == 20


def _hand_alpha(matrix, metric):
    """Krippendorff's alpha from the coincidence matrix, written out from the 2011 definition."""
    import itertools

    import numpy as np

    values = sorted({v for row in matrix for v in row if v == v})
    pos = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for u in range(len(matrix[0])):
        vals = [row[u] for row in matrix if row[u] == row[u]]
        m = len(vals)
        if m < 2:
            continue
        for a, b in itertools.permutations(range(m), 2):
            o[pos[vals[a]], pos[vals[b]]] += 1 / (m - 1)
    nc = o.sum(1)
    n = nc.sum()

    def d2(c, k):
        if metric == "nominal":
            return float(c != k)
        if metric == "interval":
            return (values[c] - values[k]) ** 2
        lo, hi = min(c, k), max(c, k)
        return (nc[lo : hi + 1].sum() - (nc[c] + nc[k]) / 2) ** 2

    idx = range(len(values))
    do = sum(o[c, k] * d2(c, k) for c in idx for k in idx)
    de = sum(nc[c] * nc[k] * d2(c, k) for c in idx for k in idx) / (n - 1)
    return 1 - do / de


def test_krippendorff_alpha_against_published_example_and_hand_computation():
    import krippendorff

    from evalpipe.metrics.calibration import krippendorff_alpha

    nan = float("nan")
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units;
    # published alpha: nominal 0.743, ordinal 0.815, interval 0.849.
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    for metric in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(data, metric) == pytest.approx(_hand_alpha(data, metric))
    # Two annotators on 1-5 scores, with gaps
    two = [[5, 4, 1, 2, 3, 5, nan, 1], [4, 4, 2, 2, 1, 5, 3, nan]]
    assert krippendorff_alpha(two) == pytest.approx(_hand_alpha(two, "ordinal"))
    assert krippendorff_alpha(two) == pytest.approx(
        krippendorff.alpha(reliability_data=two, level_of_measurement="ordinal")
    )
    assert math.isnan(krippendorff_alpha([[1, 2, 3], [nan, nan, 3]]))  # one pairable item only


def test_agreement_with_each_annotator_and_between_annotators():
    import pandas as pd

    from evalpipe.metrics.calibration import krippendorff_alpha

    ids = [f"i{k}" for k in range(40)]
    h = [1, 2, 3, 4, 5] * 8
    judge = list(h)
    ann = pd.DataFrame(
        [{"item_id": i, "annotator": "ann-a", "score": s} for i, s in zip(ids, h, strict=True)]
        + [
            {"item_id": i, "annotator": "ann-b", "score": 6 - s}
            for i, s in zip(ids[:20], h[:20], strict=True)
        ]
    )
    r = calibrate(judge, h, [s >= 4 for s in h], item_ids=ids, annotations=ann)
    assert r.per_annotator["ann-a"] == {"n": 40, "kappa": 1.0, "spearman": 1.0}
    assert r.per_annotator["ann-b"]["n"] == 20 and r.per_annotator["ann-b"]["kappa"] == pytest.approx(-1.0)
    assert r.n_multi_annotated == 20
    wide = ann.pivot_table(index="annotator", columns="item_id", values="score").to_numpy(dtype=float)
    assert r.annotators_alpha == pytest.approx(krippendorff_alpha(wide)) and r.annotators_alpha < 0
