"""The Brightdesk knowledge base as addressable passages, and facts parsed from it.

Passage ids are ``kb/<file>#<section-slug>`` (``#intro`` for text before the first ``##``).
Golden RAG items reference passages by id so the context text is never copied by hand.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DEFAULT_KB_DIR = Path(__file__).resolve().parents[2] / "data" / "kb"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@lru_cache(maxsize=8)
def _load(kb_dir: str) -> dict[str, str]:
    passages: dict[str, str] = {}
    for path in sorted(Path(kb_dir).glob("*.md")):
        doc = f"kb/{path.name}"
        current, buf = "intro", list[str]()
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                continue
            if line.startswith("## "):
                if "".join(buf).strip():
                    passages[f"{doc}#{current}"] = "\n".join(buf).strip()
                current, buf = _slug(line[3:]), [line]
                continue
            buf.append(line)
        if "".join(buf).strip():
            passages[f"{doc}#{current}"] = "\n".join(buf).strip()
        passages[doc] = path.read_text(encoding="utf-8").strip()  # whole document
    return passages


def kb_passages(kb_dir: str | Path = DEFAULT_KB_DIR) -> dict[str, str]:
    """{passage_id: text} for every section and every whole document (``kb/<file>``)."""
    return dict(_load(str(Path(kb_dir).resolve())))


def plan_prices(kb_dir: str | Path = DEFAULT_KB_DIR) -> dict[str, int | None]:
    """Per-seat monthly USD prices parsed from pricing.md; None for custom-priced plans."""
    text = (Path(kb_dir) / "pricing.md").read_text(encoding="utf-8")
    prices: dict[str, int | None] = {}
    for name, rest in re.findall(r"^- \*\*(\w+)\*\*: (.*)$", text, flags=re.M):
        m = re.match(r"\$(\d+) per user per month", rest)
        prices[name] = int(m.group(1)) if m else None
    return prices


def annual_months_paid(kb_dir: str | Path = DEFAULT_KB_DIR) -> int:
    """Months paid per year on annual billing ("you pay for 10 months instead of 12")."""
    text = (Path(kb_dir) / "pricing.md").read_text(encoding="utf-8")
    m = re.search(r"pay for (\d+) months instead of 12", text)
    if not m:
        raise ValueError("pricing.md: annual billing rule not found")
    return int(m.group(1))


def nonprofit_discount(kb_dir: str | Path = DEFAULT_KB_DIR) -> tuple[float, tuple[str, ...]]:
    """(fraction off, plans it applies to) for registered non-profits."""
    text = (Path(kb_dir) / "pricing.md").read_text(encoding="utf-8")
    m = re.search(r"non-profits get (\d+)% off the (\w+) and (\w+) plans", text)
    if not m:
        raise ValueError("pricing.md: non-profit rule not found")
    return int(m.group(1)) / 100.0, (m.group(2), m.group(3))
