"""Metric validity: does an automatic metric predict what users experienced?

A metric that does not predict thumbs-down or escalation is a proxy that can be optimised while
quality falls.  Per (metric, user outcome) this module reports:

- **AUROC** of the metric as a predictor of the bad outcome, oriented so that 0.5 is no signal and
  > 0.5 is the expected direction (a higher-is-better metric predicts the outcome when it is
  *low*), and **Spearman** ρ between the oriented metric and the outcome;
- both with **session-clustered bootstrap CIs** (resample sessions with replacement: calls of one
  session share the user and the topic, and treating them as independent gives too-narrow
  intervals).  The bootstrap is vectorised: a resample is a vector of session multiplicities, and
  the weighted AUROC / midrank Spearman of all resamples are computed from one sort;
- the **share of calls where metric and user disagree** (metric passes and the user had the bad
  outcome, or it fails and the user did not), at a per-metric threshold (configured; default 0.5
  for a 0/1 metric, else the metric's median);
- **calibration-plot data**: the metric in quantile bins against the observed outcome rate
  (Wilson CI);
- a **verdict**: `insufficient feedback` (fewer than `min_events` bad outcomes or fewer than
  `min_events` good ones), `predictive` (AUROC CI lower bound > `predictive_low`, 0.55),
  `weak` (lower bound > 0.5), else `not predictive` (with `inverted` set when the whole CI lies
  below 0.5: the metric predicts the opposite of what it claims).

Calls on which a metric is not checkable (NaN) are excluded from that metric and counted.

User outcomes from canonical `llm_call`-like rows (`derive_user_outcomes`):

- `negative_feedback`: `feedback_score == -1`.  A call without feedback counts as "no
  thumbs-down" (`feedback_population="all"`, the production reading: most users never click), or
  is excluded (`"rated"`: only calls that got a +1 / −1).
- `escalation` = `asked_again` or `handoff`:
  `asked_again` — the next call of the same session (by `started_at`, then `turn_index`), within
  `window_s` seconds, has a user message that re-asks: its word-set Jaccard similarity with this
  call's question is ≥ `rephrase_jaccard` (0.5, over words of ≥ 3 letters, at least 3 such words),
  or it contains a complaint / repeat marker (`REPEAT_MARKERS`, English and a few common phrases
  in the shipped languages: "I already asked", "that's not what I asked", "speak to a human", ...).
  `handoff` — this call's answer, or the next call's answer in the session, calls a tool whose
  name matches `HANDOFF_TOOL_PATTERN` (handoff, escalate, transfer to a human / agent, open a
  ticket): the answer before a handoff is the one that failed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from evalpipe.stats.intervals import wilson_ci

VERDICTS = ("predictive", "weak", "not predictive", "insufficient feedback")

VALIDITY_COLUMNS = [
    "metric",
    "outcome",
    "higher_is_better",
    "n",
    "n_excluded",
    "n_sessions",
    "events",
    "event_rate",
    "auroc",
    "auroc_low",
    "auroc_high",
    "spearman",
    "spearman_low",
    "spearman_high",
    "threshold",
    "pass_rate",
    "disagree_share",
    "pass_but_bad",
    "fail_but_ok",
    "inverted",
    "verdict",
]

CALIBRATION_COLUMNS = [
    "metric",
    "outcome",
    "bin",
    "n",
    "metric_mean",
    "outcome_rate",
    "rate_low",
    "rate_high",
]

HANDOFF_TOOL_PATTERN = (
    r"hand_?off|escalat|human|live_?agent|transfer_to_(?:agent|support)|create_ticket|open_ticket"
)

REPEAT_MARKERS = (
    "i already asked",
    "i asked you",
    "not what i asked",
    "you didn't answer",
    "you did not answer",
    "doesn't answer",
    "does not answer",
    "that's wrong",
    "that is wrong",
    "that's not right",
    "didn't help",
    "did not help",
    "not helpful",
    "still not working",
    "still doesn't",
    "speak to a human",
    "talk to a human",
    "real person",
    "human agent",
    "speak to an agent",
    "talk to an agent",
    "ya pregunté",  # es
    "hablar con una persona",
    "j'ai déjà demandé",  # fr
    "parler à un humain",
    "ich habe schon gefragt",  # de
    "mit einem menschen",
)

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


# --------------------------------------------------------------------------------------------
# User outcomes from llm_call rows
# --------------------------------------------------------------------------------------------
def _json(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else []
        except ValueError:
            return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _message_text(msg: dict) -> str:
    content = msg.get("content")
    if isinstance(content, str):
        return content
    parts = msg.get("parts") if msg.get("parts") is not None else content
    return "\n".join(
        str(p.get("content", p.get("text", "")))
        for p in parts or []
        if isinstance(p, dict) and p.get("type", "text") == "text"
    )


def user_question(input_messages: Any) -> str:
    """The last user message's text (OTel parts form or {role, content})."""
    msgs = _json(input_messages)
    if isinstance(msgs, str):
        return msgs
    users = [m for m in msgs or [] if isinstance(m, dict) and m.get("role") == "user"]
    return _message_text(users[-1]) if users else ""


def tool_call_names(output_messages: Any) -> list[str]:
    """Names of the tools an answer calls (OTel `tool_call` parts or OpenAI `tool_calls`)."""
    msgs = _json(output_messages)
    if isinstance(msgs, dict):
        msgs = [msgs]
    names: list[str] = []
    for m in msgs if isinstance(msgs, list) else []:
        if not isinstance(m, dict):
            continue
        for p in m.get("parts") or []:
            if isinstance(p, dict) and p.get("type") == "tool_call" and p.get("name"):
                names.append(str(p["name"]))
        for tc in m.get("tool_calls") or []:
            if isinstance(tc, dict):
                name = (tc.get("function") or {}).get("name") or tc.get("name")
                if name:
                    names.append(str(name))
    return names


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text or "")}


def is_reask(previous: str, current: str, rephrase_jaccard: float = 0.5) -> bool:
    """Does `current` ask `previous` again (a rephrase or an explicit repeat / complaint)?"""
    cur = (current or "").lower()
    if any(mark in cur for mark in REPEAT_MARKERS):
        return True
    a, b = _words(previous), _words(current)
    if len(a) < 3 or len(b) < 3:
        return False
    return len(a & b) / len(a | b) >= rephrase_jaccard


def derive_user_outcomes(
    calls: pd.DataFrame,
    session: str = "session_id",
    feedback_population: Literal["all", "rated"] = "all",
    window_s: float = 1800.0,
    rephrase_jaccard: float = 0.5,
    handoff_pattern: str = HANDOFF_TOOL_PATTERN,
) -> pd.DataFrame:
    """Per-call user outcomes (same index as `calls`): negative_feedback, asked_again, handoff,
    escalation (0/1 floats; NaN where not defined).

    Uses `session_id`, `started_at` (and `turn_index` to break ties), `input_messages` or a
    `user_text` column, `output_messages` or a `tool_names` column (list of names), and
    `feedback_score`.  A call without a session cannot be followed: its asked_again is 0 and its
    handoff only looks at its own answer.
    """
    n = len(calls)
    out = pd.DataFrame(index=calls.index)
    fb = pd.to_numeric(calls.get("feedback_score", pd.Series(np.nan, index=calls.index)), errors="coerce")
    neg = (fb == -1).astype(float)
    if feedback_population == "rated":
        neg = neg.where(fb.notna())
    out["negative_feedback"] = neg.to_numpy()

    if "user_text" in calls.columns:
        text = calls["user_text"].fillna("").astype(str).to_numpy()
    else:
        text = np.array([user_question(m) for m in calls.get("input_messages", [None] * n)], dtype=object)
    if "tool_names" in calls.columns:
        tools = [list(t) if t is not None and not isinstance(t, float) else [] for t in calls["tool_names"]]
    else:
        tools = [tool_call_names(m) for m in calls.get("output_messages", [None] * n)]
    pat = re.compile(handoff_pattern, re.IGNORECASE)
    own_handoff = np.array([any(pat.search(t) for t in ts) for ts in tools], dtype=bool)

    sess = calls[session] if session in calls.columns else pd.Series([None] * n, index=calls.index)
    ts = pd.to_datetime(calls["started_at"], utc=True) if "started_at" in calls.columns else None
    order_cols = {"s": sess.astype("string").to_numpy(dtype=object), "pos": np.arange(n)}
    if ts is not None:
        order_cols["t"] = ts.to_numpy()
    if "turn_index" in calls.columns:
        order_cols["turn"] = pd.to_numeric(calls["turn_index"], errors="coerce").to_numpy()
    key = pd.DataFrame(order_cols)
    sort_by = ["s"] + [c for c in ("t", "turn") if c in key.columns] + ["pos"]
    key = key.sort_values(sort_by, kind="stable", na_position="last")
    pos = key["pos"].to_numpy()
    s_sorted = key["s"].to_numpy(dtype=object)
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = (s_sorted[:-1] == s_sorted[1:]) & pd.notna(s_sorted[:-1])
    if ts is not None:
        t_sorted = key["t"].to_numpy()
        gap = np.full(n, np.inf)
        gap[:-1] = (t_sorted[1:] - t_sorted[:-1]) / np.timedelta64(1, "s")
        has_next &= ~(gap > window_s)  # NaT gaps (unknown time) do not block the follow-up

    asked = np.zeros(n, dtype=bool)
    handoff = own_handoff.copy()
    for k in np.flatnonzero(has_next):
        i, j = pos[k], pos[k + 1]
        asked[i] = is_reask(text[i], text[j], rephrase_jaccard)
        handoff[i] |= own_handoff[j]
    out["asked_again"] = asked.astype(float)
    out["handoff"] = handoff.astype(float)
    out["escalation"] = (asked | handoff).astype(float)
    return out


# --------------------------------------------------------------------------------------------
# Weighted rank statistics (vectorised over bootstrap resamples)
# --------------------------------------------------------------------------------------------
def _rank_stats(pos_w: np.ndarray, neg_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUROC and Spearman ρ from weighted counts of bad (pos_w) and good (neg_w) calls per tie
    group of the risk, groups in increasing risk; rows are resamples (B × G).

    Weights are multiplicities: the result equals sklearn's AUROC and scipy's Spearman (midranks)
    on the sample with each call repeated that many times.  Both come from the rank sum of the bad
    calls R (midranks r): AUROC = (R − P(P+1)/2)/(P·N) (Mann–Whitney), and, the outcome being 0/1,
    ρ = cov(r, y)/(sd(r)·sd(y)) with mean(r) = (W+1)/2.
    """
    grp = pos_w + neg_w
    r = np.cumsum(grp, axis=1)
    r -= (grp - 1) / 2  # midrank of each tie group
    p_tot, n_tot = pos_w.sum(1), neg_w.sum(1)
    w = p_tot + n_tot
    rank_sum = np.einsum("bg,bg->b", pos_w, r)
    sq = np.einsum("bg,bg,bg->b", grp, r, r)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - p_tot * (p_tot + 1) / 2) / (p_tot * n_tot)
        mean_r = (w + 1) / 2
        cov = rank_sum / w - mean_r * p_tot / w
        var_r = sq / w - mean_r**2
        var_y = p_tot * n_tot / w**2
        rho = cov / np.sqrt(var_r * var_y)
    return auc, rho


def _session_counts(rng: np.random.Generator, n_sess: int, b: int) -> np.ndarray:
    """b bootstrap resamples of sessions as multiplicities (b × n_sess)."""
    draws = rng.integers(0, n_sess, size=(b, n_sess)) + (np.arange(b) * n_sess)[:, None]
    return np.bincount(draws.ravel(), minlength=b * n_sess).reshape(b, n_sess).astype(float)


def _group_codes(risk: np.ndarray) -> tuple[np.ndarray, int]:
    """Tie-group index of every call in increasing risk."""
    uniq, inv = np.unique(risk, return_inverse=True)
    return inv.ravel(), int(uniq.size)


def rank_stats(
    risk: np.ndarray, outcome: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """(AUROC, Spearman ρ) of `risk` predicting a 0/1 `outcome`, with optional multiplicities."""
    risk = np.asarray(risk, dtype=float)
    y = np.asarray(outcome, dtype=float)
    w = np.ones(risk.size) if weights is None else np.asarray(weights, dtype=float)
    grp, n_grp = _group_codes(risk)
    pos = np.bincount(grp, weights=w * y, minlength=n_grp)[None, :]
    neg = np.bincount(grp, weights=w * (1 - y), minlength=n_grp)[None, :]
    auc, rho = _rank_stats(pos, neg)
    return float(auc[0]), float(rho[0])


# --------------------------------------------------------------------------------------------
# Validity
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValidityMetric:
    """higher_is_better: direction of the metric; threshold: pass mark for the disagreement share."""

    higher_is_better: bool = True
    threshold: float | None = None


@dataclass(frozen=True)
class ValidityConfig:
    metrics: dict[str, ValidityMetric | bool] = field(default_factory=dict)
    outcomes: tuple[str, ...] = ("negative_feedback", "escalation")
    session: str = "session_id"
    n_boot: int = 1000
    confidence: float = 0.95
    min_events: int = 30
    predictive_low: float = 0.55
    n_bins: int = 10
    seed: int = 0

    def metric(self, name: str) -> ValidityMetric:
        m = self.metrics[name]
        return ValidityMetric(higher_is_better=m) if isinstance(m, bool) else m


@dataclass
class ValidityResult:
    """`table` (VALIDITY_COLUMNS, one row per metric × outcome), `calibration`
    (CALIBRATION_COLUMNS) and `summary` (one verdict per metric: its best outcome)."""

    table: pd.DataFrame
    calibration: pd.DataFrame
    summary: pd.DataFrame


def _verdict(events: int, non_events: int, low: float, high: float, cfg: ValidityConfig) -> str:
    if events < cfg.min_events or non_events < cfg.min_events or not np.isfinite(low):
        return "insufficient feedback"
    if low > cfg.predictive_low:
        return "predictive"
    if low > 0.5:
        return "weak"
    return "not predictive"


def _calibration(metric: str, outcome: str, m: np.ndarray, y: np.ndarray, n_bins: int) -> list[dict]:
    uniq = np.unique(m)
    if uniq.size <= n_bins:
        bins = np.searchsorted(uniq, m)
    else:
        edges = np.unique(np.quantile(m, np.linspace(0, 1, n_bins + 1)))
        bins = np.clip(np.searchsorted(edges, m, side="right") - 1, 0, edges.size - 2)
    rows = []
    for b in np.unique(bins):
        sel = bins == b
        ci = wilson_ci(int(y[sel].sum()), int(sel.sum()))
        rows.append(
            {
                "metric": metric,
                "outcome": outcome,
                "bin": int(b),
                "n": int(sel.sum()),
                "metric_mean": float(m[sel].mean()),
                "outcome_rate": ci.mean,
                "rate_low": ci.ci_low,
                "rate_high": ci.ci_high,
            }
        )
    return rows


def metric_validity(calls: pd.DataFrame, cfg: ValidityConfig) -> ValidityResult:
    """Validity of every configured metric column against every outcome column of `calls`.

    `calls` has one row per call with the session column, the metric columns (NaN = not
    checkable) and the 0/1 outcome columns (e.g. from `derive_user_outcomes`).
    """
    if cfg.session not in calls.columns:
        raise ValueError(f"session column {cfg.session!r} is missing")
    missing = [c for c in [*cfg.metrics, *cfg.outcomes] if c not in calls.columns]
    if missing:
        raise ValueError(f"columns missing from the calls table: {missing}")
    rng = np.random.default_rng(cfg.seed)
    sess = calls[cfg.session].astype("string").fillna("__no_session__").to_numpy(dtype=object)
    tail = (1 - cfg.confidence) / 2
    rows, calib = [], []
    for name in cfg.metrics:
        spec = cfg.metric(name)
        m_all = pd.to_numeric(calls[name], errors="coerce").to_numpy(dtype=float)
        for outcome in cfg.outcomes:
            y_all = pd.to_numeric(calls[outcome], errors="coerce").to_numpy(dtype=float)
            if np.any(np.isfinite(y_all) & ~np.isin(y_all, (0.0, 1.0))):
                raise ValueError(f"outcome {outcome!r} must be 0/1 (NaN = unknown)")
            ok = np.isfinite(m_all) & np.isfinite(y_all)
            m, y = m_all[ok], y_all[ok]
            codes, uniq = pd.factorize(sess[ok])
            n, n_sess = int(ok.sum()), len(uniq)
            events = int(y.sum())
            risk = -m if spec.higher_is_better else m
            thr = spec.threshold
            if thr is None:
                thr = (
                    0.5
                    if n and np.all(np.isin(m, (0.0, 1.0)))
                    else (float(np.median(m)) if n else float("nan"))
                )
            passed = m >= thr if spec.higher_is_better else m <= thr
            bad = y == 1
            row = {
                "metric": name,
                "outcome": outcome,
                "higher_is_better": spec.higher_is_better,
                "n": n,
                "n_excluded": int((~ok).sum()),
                "n_sessions": n_sess,
                "events": events,
                "event_rate": events / n if n else float("nan"),
                "threshold": thr,
                "pass_rate": float(passed.mean()) if n else float("nan"),
                "disagree_share": float(np.mean(passed == bad)) if n else float("nan"),
                "pass_but_bad": float(np.mean(passed & bad)) if n else float("nan"),
                "fail_but_ok": float(np.mean(~passed & ~bad)) if n else float("nan"),
            }
            auc = rho = lo = hi = rlo = rhi = float("nan")
            if events > 0 and events < n and n_sess >= 2:
                auc, rho = rank_stats(risk, y)
                # session x tie-group counts of bad / good calls: a resample is a vector of
                # session multiplicities, and its group weights are one sparse product
                grp, n_grp = _group_codes(risk)
                m_pos = sparse.csr_matrix((y, (codes, grp)), shape=(n_sess, n_grp)).T.tocsr()
                m_neg = sparse.csr_matrix((1 - y, (codes, grp)), shape=(n_sess, n_grp)).T.tocsr()
                chunk = max(1, min(cfg.n_boot, 4_000_000 // max(n_grp, 1)))
                boots_a, boots_r = [], []
                done = 0
                while done < cfg.n_boot:
                    b = min(chunk, cfg.n_boot - done)
                    counts_t = _session_counts(rng, n_sess, b).T
                    ba, br = _rank_stats(np.asarray((m_pos @ counts_t).T), np.asarray((m_neg @ counts_t).T))
                    boots_a.append(ba)
                    boots_r.append(br)
                    done += b
                ba, br = np.concatenate(boots_a), np.concatenate(boots_r)
                ba, br = ba[np.isfinite(ba)], br[np.isfinite(br)]
                if ba.size:
                    lo, hi = (float(v) for v in np.quantile(ba, [tail, 1 - tail]))
                if br.size:
                    rlo, rhi = (float(v) for v in np.quantile(br, [tail, 1 - tail]))
            row.update(
                {
                    "auroc": auc,
                    "auroc_low": lo,
                    "auroc_high": hi,
                    "spearman": rho,
                    "spearman_low": rlo,
                    "spearman_high": rhi,
                }
            )
            verdict = _verdict(events, n - events, lo, hi, cfg)
            row["inverted"] = bool(verdict == "not predictive" and hi < 0.5)
            row["verdict"] = verdict
            rows.append(row)
            if n:
                calib += _calibration(name, outcome, m, y, cfg.n_bins)
    table = pd.DataFrame(rows, columns=VALIDITY_COLUMNS)
    calibration = pd.DataFrame(calib, columns=CALIBRATION_COLUMNS)
    return ValidityResult(table, calibration, _summary(table))


_RANK = {"predictive": 0, "weak": 1, "not predictive": 2, "insufficient feedback": 3}


def _summary(table: pd.DataFrame) -> pd.DataFrame:
    """One verdict per metric: the best verdict over the outcomes that had enough feedback."""
    rows = []
    for name, grp in table.groupby("metric", sort=False):
        g = grp.assign(_r=grp["verdict"].map(_RANK), _a=-grp["auroc_low"].fillna(-1.0))
        best = g.sort_values(["_r", "_a"], kind="stable").iloc[0]
        rows.append(
            {
                "metric": name,
                "verdict": best["verdict"],
                "best_outcome": best["outcome"],
                "auroc": best["auroc"],
                "auroc_low": best["auroc_low"],
                "auroc_high": best["auroc_high"],
            }
        )
    return pd.DataFrame(
        rows, columns=["metric", "verdict", "best_outcome", "auroc", "auroc_low", "auroc_high"]
    )
