"""Stable identifiers shared by the adapters and the sample-data generator."""

from __future__ import annotations

import hashlib


def record_id_for(source_format: str, call_id: str | None, lineage: str | None = None) -> str:
    """Canonical record id: from the source's own call id when it has one, else from lineage.

    Using the source id means a re-delivered file does not create new records; the lineage
    fallback (file:line:index) keeps ids unique for sources that log no id at all.
    """
    key = f"{source_format}|id|{call_id}" if call_id else f"{source_format}|at|{lineage}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()
