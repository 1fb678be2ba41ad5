"""Text helpers shared by features, dedup and the dataset builder.

Everything here is deterministic and independent of process state: hashes are blake2b
(never Python's salted `hash()`), normalisation is NFKC + casefold + collapsed whitespace.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

# Typed pseudonyms written by the PII scrubber, e.g. ``<PERSON_3f9a>`` or ``<EMAIL_ADDRESS_0c1d2e>``.
PSEUDONYM_RE = re.compile(r"<([A-Z][A-Z0-9_]*?)_[0-9a-f]{4,}>")
_WS_RE = re.compile(r"\s+")


def _parts_text(parts: Any) -> str:
    """Concatenate the text parts of a message (other part types carry no user wording)."""
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    out = []
    for p in parts:
        if isinstance(p, dict) and p.get("type", "text") == "text":
            c = p.get("content")
            if isinstance(c, str):
                out.append(c)
    return "\n".join(out)


def parse_messages(input_messages: str | list | None) -> list[dict]:
    """Parse canonical `input_messages` (JSON string or already-parsed list); bad JSON -> []."""
    if input_messages is None:
        return []
    if isinstance(input_messages, str):
        try:
            msgs = json.loads(input_messages)
        except (ValueError, TypeError):
            return []
    else:
        msgs = input_messages
    return msgs if isinstance(msgs, list) else []


def message_text(msg: dict) -> str:
    """Text of one canonical message: its `text` parts (or a plain `content` string)."""
    if not isinstance(msg, dict):
        return ""
    if "parts" in msg:
        return _parts_text(msg.get("parts"))
    return _parts_text(msg.get("content"))


def last_user_turn(input_messages: str | list | None) -> str:
    """The text of the last message with role "user" ("" if there is none)."""
    for msg in reversed(parse_messages(input_messages)):
        if isinstance(msg, dict) and msg.get("role") == "user":
            return message_text(msg)
    return ""


def normalise_text(text: str | None) -> str:
    """Normalise for hashing and dedup.

    NFKC, casefold, pseudonym tokens collapsed to their type (``<PERSON_3f9a>`` -> ``<person>``,
    so the same question from two customers is a duplicate), whitespace collapsed.
    """
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = PSEUDONYM_RE.sub(lambda m: f"<{m.group(1)}>", t)
    t = t.casefold()
    return _WS_RE.sub(" ", t).strip()


def blake2b_hex(data: str | bytes, digest_size: int = 16, key: bytes = b"") -> str:
    """blake2b hex digest of a string (utf-8) or bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.blake2b(data, digest_size=digest_size, key=key).hexdigest()


def blake2b_u64(data: str | bytes, salt: str | bytes = b"") -> int:
    """64-bit unsigned integer from blake2b(salt || 0x00 || data): the sampling draw key."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(salt, str):
        salt = salt.encode("utf-8")
    h = hashlib.blake2b(salt + b"\x00" + data, digest_size=8).digest()
    return int.from_bytes(h, "big")


def content_hash(text: str | None) -> str:
    """Content hash of a user turn: blake2b-128 of the normalised text."""
    return blake2b_hex(normalise_text(text), digest_size=16)


def canonical_json(obj: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8 kept): the serialisation hashes are taken over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
