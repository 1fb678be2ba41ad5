"""Judge calibration against human labels: quadratic-weighted Cohen's kappa and TPR/TNR.

A judge whose kappa falls below the configured floor is marked uncalibrated, with a reason, and
the gate must ignore it (STATISTICS.md). Items the judge failed on (parse failure, refusal,
error) are excluded from kappa but counted, and too high a failure share is itself a reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class CalibrationResult:
    judge: str
    n: int  # items with both a human label and a usable judge score
    n_failed: int  # items the judge produced no score for
    kappa_quadratic: float
    tpr: float  # judge says pass | human pass
    tnr: float  # judge says fail | human fail
    agreement: float  # pass/fail raw agreement
    kappa_floor: float
    calibrated: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def calibrate(
    judge_scores: Sequence[float | None],
    human_scores: Sequence[int],
    human_pass: Sequence[bool],
    *,
    judge_name: str = "judge",
    pass_score: float = 4.0,
    kappa_floor: float = 0.6,
    min_items: int = 30,
    max_failure_rate: float = 0.1,
) -> CalibrationResult:
    """Compare judge scores (1-5, None = judge failure) with human scores and pass labels."""
    from sklearn.metrics import cohen_kappa_score

    if not (len(judge_scores) == len(human_scores) == len(human_pass)):
        raise ValueError("judge_scores, human_scores and human_pass must be equally long")
    js = [None if s is None or (isinstance(s, float) and math.isnan(s)) else s for s in judge_scores]
    keep = [i for i, s in enumerate(js) if s is not None]
    n, n_failed = len(keep), len(js) - len(keep)
    j = np.array([int(round(js[i])) for i in keep], dtype=int)
    h = np.array([int(human_scores[i]) for i in keep], dtype=int)
    hp = np.array([bool(human_pass[i]) for i in keep], dtype=bool)
    jp = j >= pass_score
    if n >= 2 and len(set(j.tolist()) | set(h.tolist())) > 1:
        kappa = float(cohen_kappa_score(h, j, weights="quadratic", labels=[1, 2, 3, 4, 5]))
    else:
        kappa = math.nan
    tpr = float(jp[hp].mean()) if hp.any() else math.nan
    tnr = float((~jp[~hp]).mean()) if (~hp).any() else math.nan
    agreement = float((jp == hp).mean()) if n else math.nan
    reasons = []
    if n < min_items:
        reasons.append(f"only {n} scored items (< {min_items})")
    if js and n_failed / len(js) > max_failure_rate:
        reasons.append(f"judge failed on {n_failed}/{len(js)} items (> {max_failure_rate:.0%})")
    if math.isnan(kappa):
        reasons.append("kappa undefined (constant ratings)")
    elif kappa < kappa_floor:
        reasons.append(f"quadratic kappa {kappa:.3f} < floor {kappa_floor}")
    return CalibrationResult(
        judge_name,
        n,
        n_failed,
        kappa,
        tpr,
        tnr,
        agreement,
        kappa_floor,
        not reasons,
        "; ".join(reasons) or f"kappa {kappa:.3f} >= floor {kappa_floor}",
    )


def default_labels_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "human_labels" / "labels.jsonl"


def load_human_labels(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped human-labelled set: id, partition, question, answer, human_score, human_pass, note."""
    rows = [
        json.loads(line)
        for line in Path(path or default_labels_path()).read_text().splitlines()
        if line.strip()
    ]
    return pd.DataFrame(rows)


def calibrate_judge(
    judge, labels: pd.DataFrame | None = None, *, kappa_floor: float = 0.6, min_items: int = 30
) -> tuple[CalibrationResult, pd.DataFrame]:
    """Run a PointwiseJudge over the human-labelled set and calibrate it; also returns per-item rows."""
    from evalpipe.metrics.judge import JudgeItem

    labels = load_human_labels() if labels is None else labels
    items = [
        JudgeItem(r.question, r.answer, getattr(r, "reference", None), None, r.id)
        for r in labels.itertuples(index=False)
    ]
    verdicts = judge.score(items)
    per_item = labels[["id", "partition", "human_score", "human_pass"]].copy()
    per_item["judge_score"] = [v.score_mean for v in verdicts]
    per_item["judge_status"] = [v.status for v in verdicts]
    res = calibrate(
        per_item["judge_score"].tolist(),
        per_item["human_score"].tolist(),
        per_item["human_pass"].tolist(),
        judge_name=judge.fingerprint,
        pass_score=judge.pass_score,
        kappa_floor=kappa_floor,
        min_items=min_items,
    )
    return res, per_item
