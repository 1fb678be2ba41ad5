"""Independent residue scanner behind the blocking `no_pii_left` check.

Independent on purpose: it does not reuse the scrubber's detectors (a detector that misses a value
would also miss it here).  It is built for precision, because a blocking check that fires on
order numbers gets switched off: only checksummed numbers (Luhn cards, mod-97 IBANs),
fixed-format secrets, e-mails, dashed SSNs, and exact matches of the partition's own pre-scrub
values.  Findings carry positions and kinds, never the matched text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from evalpipe.logs.schema import TEXT_FIELDS
from evalpipe.pii.alternation import literal_alternation
from evalpipe.pii.validators import IBAN_LENGTHS, card_brand, iban_ok, luhn_ok

JSON_FIELDS = frozenset(
    {"system_instructions", "input_messages", "output_messages", "retrieved_context", "tools", "metadata"}
)
_TOKEN = re.compile(r"<[A-Z][A-Z_]*(?:_[0-9a-f]{4,16})?>")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SECRETS = {
    "openai_or_anthropic_key": re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"),
    "aws_access_key_id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "github_token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    "slack_token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "jwt": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "pem_private_key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "digitalocean_token": re.compile(r"\bdo[por]_v1_[A-Za-z0-9]{64}\b"),
    "shopify_token": re.compile(r"\bshp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,}\b"),
    "huggingface_token": re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "gitlab_token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
    "npm_token": re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
    "sendgrid_key": re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
    # a password left in a connection URL (a replaced one is blanked to NULs first)
    "url_password": re.compile(
        r"(?i)\b(?:redis|rediss|amqps?|postgres(?:ql)?|mysql|mongodb(?:\+srv)?)://"
        r"[^\s:/@\0]*:[^\s\0\"'<>]{3,}@"
    ),
    "live_key": re.compile(r"(?<![\w-])[a-z][a-z0-9]{1,15}_(?:live|test|prod|secret)_[0-9A-Za-z]{16,}(?!\w)"),
}


@dataclass(frozen=True)
class Finding:
    """One residue hit: which text, where, what kind.  No value, so it is safe to log."""

    index: int
    start: int
    end: int
    kind: str


def _blank_tokens(text: str) -> str:
    """Replace pseudonym tokens by NULs of the same length: never flagged, offsets kept."""
    return _TOKEN.sub(lambda m: "\0" * len(m.group()), text) if "<" in text else text


def residue_known_values(values: Iterable[str], min_len: int = 6) -> list[str]:
    """Values worth exact-matching: long enough not to collide with ordinary words."""
    return sorted({v.strip() for v in values if len(v.strip()) >= min_len})


def scan_residue(texts: Sequence[str], known_values: Iterable[str] = (), min_len: int = 6) -> list[Finding]:
    """High-precision scan of scrubbed texts; empty list = clean."""
    known = residue_known_values(known_values, min_len)
    known_rx = None
    if known:
        known_rx = re.compile(r"(?<!\w)(?:" + literal_alternation(known) + r")(?!\w)")
    findings: list[Finding] = []
    for i, raw in enumerate(texts):
        if not raw:
            continue
        text = _blank_tokens(raw)
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if luhn_ok(digits) and card_brand(digits):
                findings.append(Finding(i, m.start(), m.end(), "credit_card"))
        for m in _IBAN.finditer(text):
            compact = m.group().replace(" ", "")
            need = IBAN_LENGTHS.get(compact[:2])
            if need and len(compact) >= need and iban_ok(compact[:need]):
                findings.append(Finding(i, m.start(), m.end(), "iban"))
        for m in _SSN.finditer(text):
            findings.append(Finding(i, m.start(), m.end(), "us_ssn"))
        for m in _EMAIL.finditer(text):
            findings.append(Finding(i, m.start(), m.end(), "email"))
        for kind, rx in _SECRETS.items():
            for m in rx.finditer(text):
                findings.append(Finding(i, m.start(), m.end(), kind))
        if known_rx is not None:
            for m in known_rx.finditer(text):
                findings.append(Finding(i, m.start(), m.end(), "known_value"))
    return findings


def _leaves(obj: Any, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            _leaves(v, out)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _leaves(v, out)


def scan_table_residue(
    table_or_df: pa.Table | pd.DataFrame,
    known_values: Iterable[str] = (),
    fields: Sequence[str] = TEXT_FIELDS,
    min_len: int = 6,
) -> list[dict[str, Any]]:
    """`scan_residue` over every text field of scrubbed canonical rows (JSON fields: each string value).

    Returns one dict per finding: record_id, field, kind (no values), for the `no_pii_left` check.
    """
    rows = table_or_df.to_pylist() if isinstance(table_or_df, pa.Table) else table_or_df.to_dict("records")
    texts: list[str] = []
    where: list[tuple[Any, str]] = []
    for row in rows:
        for name in fields:
            value = row.get(name)
            if value is None:
                continue
            leaves: list[str] = []
            if isinstance(value, str):
                try:
                    _leaves(json.loads(value), leaves) if name in JSON_FIELDS else leaves.append(value)
                except ValueError:
                    leaves.append(value)
            else:
                _leaves(list(value), leaves)
            for leaf in leaves:
                texts.append(leaf)
                where.append((row.get("record_id"), name))
    return [
        {"record_id": where[f.index][0], "field": where[f.index][1], "kind": f.kind}
        for f in scan_residue(texts, known_values, min_len)
    ]
