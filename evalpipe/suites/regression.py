"""Regression partition: cases that once failed, each with a root-cause note.

Starts from the hand-written ``data/regression/regression.yaml``; failure mining promotes new
cases with `append_regression_cases` (append-only, idempotent: a case whose id or content hash is
already present is skipped).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from evalpipe.suites.kb import DEFAULT_KB_DIR, kb_passages
from evalpipe.suites.schema import example_content_hash, make_row

DEFAULT_REGRESSION = Path(__file__).resolve().parents[2] / "data" / "regression" / "regression.yaml"


class RegressionCaseError(ValueError):
    """A regression case is malformed (no messages, no root cause, unknown KB passage, ...)."""


def _case_messages(case: dict[str, Any]) -> list[dict[str, str]]:
    if "messages" in case:
        msgs = [{"role": m["role"], "content": m["content"]} for m in case["messages"]]
    elif "prompt" in case:
        msgs = [{"role": "user", "content": case["prompt"]}]
    else:
        raise RegressionCaseError(f"{case.get('id', '?')}: needs `prompt` or `messages`")
    if not msgs or msgs[-1]["role"] != "user":
        raise RegressionCaseError(f"{case.get('id', '?')}: the last message must be from the user")
    return msgs


def _case_context(case: dict[str, Any], passages: dict[str, str]) -> list[dict[str, str]] | None:
    ctx = case.get("context")
    if not ctx:
        return None
    out = []
    for c in ctx:
        if isinstance(c, str):
            if c not in passages:
                raise RegressionCaseError(f"{case.get('id', '?')}: unknown KB passage {c!r}")
            out.append({"id": c, "content": passages[c]})
        else:
            out.append({"id": str(c["id"]), "content": str(c["content"])})
    return out


def validate_case(case: dict[str, Any], passages: dict[str, str] | None = None) -> None:
    if not str(case.get("root_cause") or "").strip():
        raise RegressionCaseError(f"{case.get('id', '?')}: every regression case needs a root_cause note")
    _case_messages(case)
    _case_context(case, passages if passages is not None else kb_passages())


def load_regression_cases(path: str | Path = DEFAULT_REGRESSION) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.exists():
        return []
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return list(doc.get("cases") or [])


def regression_rows(
    path: str | Path = DEFAULT_REGRESSION, kb_dir: str | Path = DEFAULT_KB_DIR
) -> list[dict[str, Any]]:
    passages = kb_passages(kb_dir)
    rows = []
    for case in load_regression_cases(path):
        validate_case(case, passages)
        origin = case.get("origin") or {"kind": "manual"}
        rows.append(
            make_row(
                example_id=case["id"],
                partition="regression",
                input_messages=_case_messages(case),
                context=_case_context(case, passages),
                reference=case.get("reference"),
                rubric=case.get("rubric"),
                constraints=case.get("constraints"),
                tags=["regression", *(case.get("tags") or [])],
                source={
                    "file": f"data/regression/{Path(path).name}",
                    "item": case["id"],
                    "origin": origin,
                    "root_cause": case["root_cause"],
                    "added": case.get("added"),
                },
            )
        )
    return rows


def append_regression_cases(
    cases: list[dict[str, Any]], path: str | Path = DEFAULT_REGRESSION, kb_dir: str | Path = DEFAULT_KB_DIR
) -> list[str]:
    """Append promoted cases (validated first; nothing is written if one is bad). Returns added ids.

    A case without `id` gets ``reg-<content hash prefix>``; duplicates (same id or same
    messages+context) are skipped, so re-running failure mining is idempotent.
    """
    p = Path(path)
    passages = kb_passages(kb_dir)
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) if p.exists() else None
    doc = doc or {"version": 1, "cases": []}
    existing = list(doc.get("cases") or [])
    seen_ids = {c["id"] for c in existing}
    seen_hash = {example_content_hash(_case_messages(c), _case_context(c, passages)) for c in existing}
    added: list[str] = []
    new_cases = []
    for case in cases:
        case = dict(case)
        validate_case(case, passages)
        h = example_content_hash(_case_messages(case), _case_context(case, passages))
        case.setdefault("id", f"reg-{h[:10]}")
        if case["id"] in seen_ids or h in seen_hash:
            continue
        seen_ids.add(case["id"])
        seen_hash.add(h)
        new_cases.append(case)
        added.append(case["id"])
    if not new_cases:
        return []
    doc["cases"] = existing + new_cases
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, p)
    return added
