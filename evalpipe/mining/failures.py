"""Failure mining: production calls that went wrong and eval failures become regression cases.

Sources: negative feedback, errors, truncations and content-filter stops in the scrubbed logs,
plus failing examples of the latest eval.  Each candidate gets a root-cause label from simple,
explainable rules, a cluster key, and provenance.  Candidates near-duplicate to an existing
regression case (MinHash over the normalised last user turn) are marked, not promoted twice.
Infrastructure failures (timeouts, rate limits, auth) are kept as evidence but never promoted:
no model change can fix them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.sampling.minhash import MinHasher, near_duplicate_groups
from evalpipe.sampling.text import blake2b_hex, last_user_turn, normalise_text

INFRA_ERRORS = {"timeout", "rate_limit_exceeded", "rate_limit", "invalid_api_key", "BadRequestError"}
CANDIDATE_COLUMNS = [
    "case_id",
    "source",
    "root_cause",
    "cluster",
    "messages",
    "context",
    "production_answer",
    "provenance",
    "duplicate_of",
    "accepted",
    "note",
]


@dataclass
class MiningConfig:
    threshold: float = 0.8  # MinHash Jaccard above which two cases are the same case
    max_per_cluster: int = 3  # promoted per root-cause cluster, ever: a spike should not flood the set
    eval_partitions: tuple[str, ...] = ("distribution", "adversarial")


def _text_messages(input_messages: str | None) -> list[dict[str, str]]:
    out = []
    for m in json.loads(input_messages or "[]"):
        if m.get("role") not in ("user", "assistant"):
            continue
        text = " ".join(p.get("content", "") for p in m.get("parts", []) if p.get("type") == "text").strip()
        if text:
            out.append({"role": m["role"], "content": text})
    while out and out[-1]["role"] != "user":
        out.pop()
    return out


def _answer(output_messages: str | None) -> str | None:
    msgs = json.loads(output_messages or "[]")
    texts = [p.get("content", "") for m in msgs for p in m.get("parts", []) if p.get("type") == "text"]
    return " ".join(texts).strip() or None


def production_root_cause(row: pd.Series) -> tuple[str, bool]:
    """(root cause, promotable) for a failed production call."""
    if row.get("status") == "error":
        et = str(row.get("error_type") or "error")
        return f"infrastructure: {et}", et not in INFRA_ERRORS
    if row.get("finish_reason") == "length":
        return "truncated answer (hit max_tokens)", True
    if row.get("finish_reason") == "content_filter":
        return "content filter stopped the answer", True
    comment = str(row.get("feedback_comment") or "").lower()
    if any(w in comment for w in ("price", "wrong", "incorrect")):
        return "user reports a factually wrong answer", True
    if any(w in comment for w in ("vague", "didn't answer", "useless", "ignored")):
        return "answer did not address the question", True
    return "negative feedback without comment", True


def production_failures(logs: pd.DataFrame) -> pd.DataFrame:
    """Candidates from scrubbed canonical rows (one per failed call)."""
    bad = logs[
        (logs["feedback_score"].fillna(0) < 0)
        | (logs["status"] == "error")
        | logs["finish_reason"].isin(["length", "content_filter"])
    ]
    rows = []
    for _, r in bad.iterrows():
        messages = _text_messages(r["input_messages"])
        if not messages:
            continue
        cause, promotable = production_root_cause(r)
        ctx = [
            {"id": str(c.get("id")), "content": str(c.get("content"))}
            for c in json.loads(r["retrieved_context"] or "[]")
        ] or None
        tags = r.get("tags")
        tags = [] if tags is None else list(tags)  # Arrow lists arrive as numpy arrays
        intent = next((t.split(":", 1)[1] for t in tags if str(t).startswith("intent_hint:")), "")
        signal = (
            "error"
            if r["status"] == "error"
            else "negative_feedback"
            if (r["feedback_score"] or 0) < 0
            else str(r["finish_reason"])
        )
        rows.append(
            {
                "source": "production",
                "root_cause": cause,
                "cluster": f"production|{cause}|{intent}",
                "messages": json.dumps(messages, ensure_ascii=False),
                "context": json.dumps(ctx, ensure_ascii=False) if ctx else None,
                "production_answer": _answer(r["output_messages"]),
                "provenance": json.dumps(
                    {"kind": "production", "day": r["day"], "record_id": r["record_id"], "signal": signal}
                ),
                "promotable": promotable,
            }
        )
    return pd.DataFrame(rows)


def eval_failures(metrics: pd.DataFrame, dataset: pd.DataFrame, cfg: MiningConfig) -> pd.DataFrame:
    """Candidates from failing eval examples: root cause = the metrics that failed."""
    m = metrics[metrics["partition"].isin(cfg.eval_partitions)]
    overall = m[(m["metric"] == "overall") & (~m["passed"].astype(bool))]
    if overall.empty:
        return pd.DataFrame()
    failed = m[(~m["passed"].astype(bool)) & (m["metric"] != "overall")]
    why = failed.groupby(["system", "example_id"])["metric"].apply(lambda s: ",".join(sorted(set(s))))
    ds = dataset.set_index("example_id")
    rows = []
    for r in overall.itertuples(index=False):
        if r.example_id not in ds.index:
            continue
        ex = ds.loc[r.example_id]
        cause = f"eval: failed {why.get((r.system, r.example_id), 'overall')}"
        rows.append(
            {
                "source": "eval",
                "root_cause": cause,
                "cluster": f"eval|{cause}|{r.partition}",
                "messages": ex["input_messages"],
                "context": ex["context"],
                "production_answer": None,
                "provenance": json.dumps(
                    {
                        "kind": "eval",
                        "dataset_version": r.dataset_version,
                        "system": r.system,
                        "example_id": r.example_id,
                    }
                ),
                "promotable": r.partition != "adversarial",  # adversarial items stay in their generated suite
            }
        )
    return pd.DataFrame(rows)


def mine(candidates: pd.DataFrame, existing_cases: list[dict[str, Any]], cfg: MiningConfig) -> pd.DataFrame:
    """Deduplicate (against existing cases and each other), cluster, and pick what to promote."""
    if candidates.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    c = candidates.copy()
    c["case_id"] = [
        "reg-" + blake2b_hex(m + (x or ""), digest_size=5)
        for m, x in zip(c["messages"], c["context"], strict=True)
    ]
    c = c.sort_values(["case_id", "provenance"]).drop_duplicates("case_id").reset_index(drop=True)
    ex_text = [normalise_text(_existing_prompt(e)) for e in existing_cases]
    cand_text = [normalise_text(last_user_turn(json.loads(m))) for m in c["messages"]]
    sigs = MinHasher().signatures(ex_text + cand_text)
    groups = near_duplicate_groups(sigs, cfg.threshold) if len(sigs) else np.zeros(0, dtype=np.int64)
    ex_groups = {int(g): existing_cases[i].get("id") for i, g in enumerate(groups[: len(ex_text)])}
    cand_groups = groups[len(ex_text) :]
    c["duplicate_of"] = [ex_groups.get(int(g)) for g in cand_groups]
    first_in_group = ~pd.Series(cand_groups).duplicated().to_numpy()
    c["accepted"] = False
    c["note"] = ""
    for i in range(len(c)):
        if c.at[i, "duplicate_of"]:
            c.at[i, "note"] = f"near-duplicate of existing case {c.at[i, 'duplicate_of']}"
        elif not first_in_group[i]:
            c.at[i, "note"] = "near-duplicate of another candidate in this run"
        elif not c.at[i, "promotable"]:
            c.at[i, "note"] = "not promotable: " + (
                "infrastructure failure"
                if c.at[i, "source"] == "production"
                else "adversarial items stay in their suite"
            )
    # The cap counts cases already promoted from the same cluster, so re-running promotes nothing new.
    already: dict[str, int] = {}
    for e in existing_cases:
        cl = (e.get("origin") or {}).get("cluster")
        if cl:
            already[cl] = already.get(cl, 0) + 1
    eligible = c[(c["note"] == "")]
    for cluster, grp in eligible.groupby("cluster"):
        room = max(0, cfg.max_per_cluster - already.get(str(cluster), 0))
        c.loc[grp.index[:room], "accepted"] = True
        c.loc[grp.index[room:], "note"] = f"cluster cap ({cfg.max_per_cluster} per root-cause cluster)"
    return c[CANDIDATE_COLUMNS]


def _existing_prompt(case: dict[str, Any]) -> str:
    if "prompt" in case:
        return str(case["prompt"])
    msgs = case.get("messages") or []
    return next((m["content"] for m in reversed(msgs) if m.get("role") == "user"), "")


def to_regression_cases(accepted: pd.DataFrame, added_on: str) -> list[dict[str, Any]]:
    """Rows accepted by `mine` -> cases for `evalpipe.suites.append_regression_cases`."""
    out = []
    for r in accepted.itertuples(index=False):
        case: dict[str, Any] = {
            "id": r.case_id,
            "added": added_on,
            "messages": json.loads(r.messages),
            "root_cause": r.root_cause,
            "rubric": "The answer must be correct per the knowledge base and must not repeat the failure: "
            + r.root_cause,
            "tags": ["mined", r.source],
            "origin": {
                **{k: v for k, v in json.loads(r.provenance).items() if k != "kind"},
                "kind": "failure_mining",
                "source": r.source,
                "cluster": r.cluster,
            },
        }
        if r.context:
            case["context"] = json.loads(r.context)
        out.append(case)
    return out
