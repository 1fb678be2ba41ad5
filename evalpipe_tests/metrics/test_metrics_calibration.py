import json
import math

import pytest

from evalpipe.metrics.calibration import calibrate, calibrate_judge, load_human_labels
from evalpipe.metrics.human_labels_gen import build_labels
from evalpipe.metrics.judge import CallableJudgeClient, PointwiseJudge


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
    assert not r.calibrated and "quadratic kappa -1.000 < floor 0.6" in r.reason
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
