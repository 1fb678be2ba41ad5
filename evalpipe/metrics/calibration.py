"""Judge calibration against human labels.

Reports quadratic-weighted Cohen's kappa with a percentile-bootstrap CI, Spearman correlation,
TPR/TNR of the pass verdict, per-partition figures, agreement with each human annotator and
between annotators (Krippendorff's alpha, ordinal). The kappa floor is applied to the *lower* CI
bound, so a judge that matched 20 lucky items does not calibrate: it has to show agreement the
data can vouch for.

A judge that fails the floor is marked uncalibrated, with a reason naming the measured figure,
and the gate must ignore it (README, "Judge scoring modes"). Items the judge failed on (parse failure, refusal,
error) are excluded from kappa but counted, and too high a failure share is itself a reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from evalpipe.config import JudgeFile

LABELS = (1, 2, 3, 4, 5)
_W = np.array([[(i - j) ** 2 for j in LABELS] for i in LABELS], dtype=float) / (len(LABELS) - 1) ** 2

# The one default: metrics.yaml `judge.kappa_floor` (evalpipe.config.JudgeFile).
KAPPA_FLOOR: float = JudgeFile.model_fields["kappa_floor"].default


def _kappa_from_counts(counts: np.ndarray) -> np.ndarray:
    """Quadratic-weighted kappa from confusion counts (..., 5, 5); NaN where undefined."""
    n = counts.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / n
        expected = p.sum(-1, keepdims=True) * p.sum(-2, keepdims=True)
        num = (p * _W).sum(axis=(-2, -1))
        den = (expected * _W).sum(axis=(-2, -1))
        return np.where(den > 0, 1.0 - num / den, np.nan)


def _confusion(h: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.bincount((h - 1) * 5 + (j - 1), minlength=25).reshape(5, 5).astype(float)


def quadratic_kappa(human: Sequence[int] | np.ndarray, judge: Sequence[int] | np.ndarray) -> float:
    """Cohen's kappa with quadratic weights over the labels 1..5 (equals sklearn's)."""
    h, j = np.asarray(human, dtype=int), np.asarray(judge, dtype=int)
    if len(h) == 0:
        return math.nan
    return float(_kappa_from_counts(_confusion(h, j)))


def kappa_bootstrap_ci(
    human: Sequence[int] | np.ndarray,
    judge: Sequence[int] | np.ndarray,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap CI of quadratic kappa, resampling items (seeded, vectorised).

    Resamples where kappa is undefined (all ratings equal) are dropped; (nan, nan) when fewer than
    half survive or there are fewer than 2 items.
    """
    h, j = np.asarray(human, dtype=int), np.asarray(judge, dtype=int)
    n = len(h)
    if n < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    cells = (h[idx] - 1) * 5 + (j[idx] - 1)
    counts = np.zeros((n_boot, 25))
    np.add.at(counts, (np.arange(n_boot)[:, None], cells), 1.0)
    ks = _kappa_from_counts(counts.reshape(n_boot, 5, 5))
    ks = ks[np.isfinite(ks)]
    if len(ks) < n_boot / 2:
        return math.nan, math.nan
    a = (1 - level) / 2
    return float(np.quantile(ks, a)), float(np.quantile(ks, 1 - a))


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    if len(a) < 3 or len(set(a)) < 2 or len(set(b)) < 2:
        return math.nan
    return float(spearmanr(a, b).statistic)


def krippendorff_alpha(
    ratings: np.ndarray | Sequence[Sequence[float]],
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "ordinal",
) -> float:
    """Krippendorff's alpha over a raters x items matrix (NaN = not rated), values in 1..5.

    Uses the `krippendorff` package (checked in the tests against Krippendorff's published
    example and against a hand computation of the coincidence matrix). NaN when fewer than two
    items carry two or more ratings, or all pairable ratings are one value.
    """
    import krippendorff

    m = np.asarray(ratings, dtype=float)
    if m.ndim != 2 or m.shape[0] < 2:
        return math.nan
    pairable = (np.isfinite(m).sum(axis=0) >= 2).sum()
    values = m[:, np.isfinite(m).sum(axis=0) >= 2]
    if pairable < 2 or len(set(values[np.isfinite(values)].tolist())) < 2:
        return math.nan
    return float(
        krippendorff.alpha(reliability_data=m, level_of_measurement=level, value_domain=list(LABELS))
    )


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
    kappa_ci_low: float = math.nan
    kappa_ci_high: float = math.nan
    ci_level: float = 0.95
    spearman: float = math.nan
    mode: str = ""
    per_partition: dict[str, dict] = field(default_factory=dict)
    per_annotator: dict[str, dict] = field(default_factory=dict)
    annotators_alpha: float = math.nan  # Krippendorff's alpha (ordinal) between human annotators
    n_multi_annotated: int = 0  # items with >= 2 annotators (what alpha rests on)

    def to_dict(self) -> dict:
        return asdict(self)

    def row(self) -> dict:
        """One flat warehouse row (nested figures as JSON)."""
        d = self.to_dict()
        for k in ("per_partition", "per_annotator"):
            d[k] = json.dumps(d[k], sort_keys=True, default=_nan_none)
        return d

    @property
    def kappa_text(self) -> str:
        return format_kappa(
            self.kappa_quadratic, self.kappa_ci_low, self.kappa_ci_high, self.ci_level, self.n
        )


def format_kappa(kappa: float, lo: float, hi: float, level: float, n: int) -> str:
    """`0.412 (95% CI 0.281 to 0.530, n=109)`: what the report and the gate's reason show."""
    if math.isnan(kappa):
        return f"undefined (n={n})"
    ci = f"{level:.0%} CI {lo:.3f} to {hi:.3f}, " if not math.isnan(lo) else ""
    return f"{kappa:.3f} ({ci}n={n})"


def _nan_none(o: object) -> object:
    return None


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def calibrate(
    judge_scores: Sequence[float | None],
    human_scores: Sequence[int],
    human_pass: Sequence[bool],
    *,
    judge_name: str = "judge",
    pass_score: float = 4.0,
    kappa_floor: float = KAPPA_FLOOR,
    min_items: int = 30,
    max_failure_rate: float = 0.1,
    partitions: Sequence[str] | None = None,
    item_ids: Sequence[str] | None = None,
    annotations: pd.DataFrame | None = None,
    n_boot: int = 2000,
    ci_level: float = 0.95,
    seed: int = 0,
    mode: str = "",
) -> CalibrationResult:
    """Compare judge scores (1-5, None = judge failure) with human scores and pass labels.

    `partitions` (one per item) adds per-partition figures; `annotations` (item_id, annotator,
    score; with `item_ids`) adds agreement with each annotator and Krippendorff's alpha between
    annotators. The floor applies to the lower bound of the bootstrap CI of kappa.
    """
    if not (len(judge_scores) == len(human_scores) == len(human_pass)):
        raise ValueError("judge_scores, human_scores and human_pass must be equally long")
    js = [None if s is None or (isinstance(s, float) and math.isnan(s)) else s for s in judge_scores]
    keep = [i for i, s in enumerate(js) if s is not None]
    n, n_failed = len(keep), len(js) - len(keep)
    jraw = np.array([float(s) for s in js if s is not None], dtype=np.float64)  # = the `keep` rows
    j = np.clip(np.round(jraw), 1, 5).astype(int)
    h = np.array([int(human_scores[i]) for i in keep], dtype=int)
    hp = np.array([bool(human_pass[i]) for i in keep], dtype=bool)
    jp = jraw >= pass_score
    defined = n >= 2 and len(set(j.tolist()) | set(h.tolist())) > 1
    kappa = quadratic_kappa(h, j) if defined else math.nan
    lo, hi = (
        kappa_bootstrap_ci(h, j, n_boot=n_boot, level=ci_level, seed=seed) if defined else (math.nan,) * 2
    )
    rho = spearman(jraw.tolist(), h.tolist())
    tpr = float(jp[hp].mean()) if hp.any() else math.nan
    tnr = float((~jp[~hp]).mean()) if (~hp).any() else math.nan
    agreement = float((jp == hp).mean()) if n else math.nan

    per_partition: dict[str, dict] = {}
    if partitions is not None:
        parts = np.array([partitions[i] for i in keep], dtype=object)
        for p in sorted(set(partitions)):
            sel = parts == p
            hs, jsel = h[sel], j[sel]
            ok = sel.sum() >= 2 and len(set(hs.tolist()) | set(jsel.tolist())) > 1
            plo, phi = (
                kappa_bootstrap_ci(hs, jsel, n_boot=n_boot, level=ci_level, seed=seed)
                if ok
                else (math.nan,) * 2
            )
            per_partition[str(p)] = {
                "n": int(sel.sum()),
                "n_failed": int(sum(1 for i, s in enumerate(js) if s is None and partitions[i] == p)),
                "kappa": _clean(quadratic_kappa(hs, jsel) if ok else math.nan),
                "kappa_ci": [_clean(plo), _clean(phi)],
                "spearman": _clean(spearman(jraw[sel].tolist(), hs.tolist())),
                "agreement": _clean(float((jp[sel] == hp[sel]).mean()) if sel.any() else math.nan),
            }

    per_annotator: dict[str, dict] = {}
    alpha, n_multi = math.nan, 0
    if annotations is not None and len(annotations):
        if item_ids is None:
            raise ValueError("annotations need item_ids to be matched to the judge scores")
        score_of = {item_ids[i]: jraw[k] for k, i in enumerate(keep)}
        for ann, grp in annotations.groupby("annotator", sort=True):
            pairs = [
                (int(s), score_of[it])
                for it, s in zip(grp["item_id"], grp["score"], strict=True)
                if it in score_of
            ]
            ha = np.array([p[0] for p in pairs], dtype=int)
            ja = np.array([p[1] for p in pairs], dtype=np.float64)
            ji = np.clip(np.round(ja), 1, 5).astype(int)
            ok = len(pairs) >= 2 and len(set(ha.tolist()) | set(ji.tolist())) > 1
            per_annotator[str(ann)] = {
                "n": len(pairs),
                "kappa": _clean(quadratic_kappa(ha, ji) if ok else math.nan),
                "spearman": _clean(spearman(ja.tolist(), ha.tolist())),
            }
        wide = annotations.pivot_table(index="annotator", columns="item_id", values="score", aggfunc="last")
        n_multi = int((wide.notna().sum(axis=0) >= 2).sum())
        alpha = krippendorff_alpha(wide.to_numpy(dtype=float))

    reasons = []
    kt = format_kappa(kappa, lo, hi, ci_level, n)
    if n < min_items:
        reasons.append(f"only {n} scored items (< {min_items})")
    if js and n_failed / len(js) > max_failure_rate:
        reasons.append(f"judge failed on {n_failed}/{len(js)} items (> {max_failure_rate:.0%})")
    if math.isnan(kappa):
        reasons.append("kappa undefined (constant ratings)")
    elif math.isnan(lo):
        reasons.append(
            f"quadratic kappa {kt}: no bootstrap CI, so no lower bound to clear floor {kappa_floor}"
        )
    elif lo < kappa_floor:
        reasons.append(
            f"quadratic kappa {kt}: CI lower bound {lo:.3f} < floor {kappa_floor}"
            if kappa >= kappa_floor
            else f"quadratic kappa {kt} < floor {kappa_floor}"
        )
    ok_text = f"quadratic kappa {kt}: CI lower bound {lo:.3f} >= floor {kappa_floor}"
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
        "; ".join(reasons) or ok_text,
        lo,
        hi,
        ci_level,
        rho,
        mode,
        per_partition,
        per_annotator,
        alpha,
        n_multi,
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
    judge,
    labels: pd.DataFrame | None = None,
    *,
    kappa_floor: float = KAPPA_FLOOR,
    min_items: int = 30,
    annotations: pd.DataFrame | None = None,
    n_boot: int = 2000,
    ci_level: float = 0.95,
    seed: int = 0,
) -> tuple[CalibrationResult, pd.DataFrame]:
    """Run a PointwiseJudge over the human-labelled set and calibrate it; also returns per-item
    rows (judge score, status, sd and distribution for the review loop)."""
    from evalpipe.metrics.judge import JudgeItem

    labels = load_human_labels() if labels is None else labels
    items = [
        JudgeItem(
            r.question,
            r.answer,
            r.reference if isinstance(getattr(r, "reference", None), str) else None,
            None,
            r.id,
        )
        for r in labels.itertuples(index=False)
    ]
    verdicts = judge.score(items)
    per_item = labels[["id", "partition", "human_score", "human_pass"]].copy()
    per_item["judge_score"] = [v.score_mean for v in verdicts]
    per_item["judge_status"] = [v.status for v in verdicts]
    per_item["judge_sd"] = [v.score_sd for v in verdicts]
    per_item["judge_distribution"] = [
        json.dumps(v.distribution, sort_keys=True) if v.distribution else None for v in verdicts
    ]
    res = calibrate(
        per_item["judge_score"].tolist(),
        per_item["human_score"].tolist(),
        per_item["human_pass"].tolist(),
        judge_name=judge.fingerprint,
        pass_score=judge.pass_score,
        kappa_floor=kappa_floor,
        min_items=min_items,
        partitions=per_item["partition"].tolist(),
        item_ids=per_item["id"].tolist(),
        annotations=annotations,
        n_boot=n_boot,
        ci_level=ci_level,
        seed=seed,
        mode=getattr(judge, "mode", ""),
    )
    return res, per_item
