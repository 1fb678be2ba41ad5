"""Keyed, typed pseudonyms: `<PERSON_3f9a21c0>` = entity type + HMAC-SHA256(key, namespace, value).

Why keyed HMAC and not Presidio's `hash` operator: that operator now salts per call, so the same
person gets a different token in every record and nothing can be joined.  An HMAC with a secret
key keeps tokens stable (same value -> same token within a dataset version) while a reader
without the key cannot test guesses ("is <PERSON_..> = 'Jeff Smith'?") the way a plain hash allows.
The namespace (dataset version / salt) makes tokens unlinkable across versions when wanted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import unicodedata
import warnings

logger = logging.getLogger(__name__)

KEY_ENV_VAR = "EVALPIPE_PII_KEY"
# Development default: documented, NOT secret.  A warning is emitted whenever it is used.
DEV_DEFAULT_KEY = "evalpipe-dev-pii-key-do-not-use-in-production"

_DIGITS_ONLY = {"CREDIT_CARD", "PHONE_NUMBER", "US_SSN"}
_warned = False


def resolve_key(key: str | bytes | None = None) -> bytes:
    """The HMAC key: explicit argument, else $EVALPIPE_PII_KEY, else the dev default (with a warning)."""
    global _warned
    if key is None:
        key = os.environ.get(KEY_ENV_VAR) or None
    if key is None:
        if not _warned:
            msg = (
                f"{KEY_ENV_VAR} is not set: using the documented development key; pseudonyms are "
                "then guessable by anyone with the code. Set it in production."
            )
            # One channel only: a logger.warning beside it printed the same line twice.
            warnings.warn(msg, stacklevel=2)
            _warned = True
        key = DEV_DEFAULT_KEY
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def normalise(entity: str, value: str) -> str:
    """Canonical form so formatting variants share a token ('4111 1111…' == '4111-1111…')."""
    v = unicodedata.normalize("NFKC", value).strip()
    if entity in _DIGITS_ONLY:
        digits = re.sub(r"[^\d+]", "", v)
        return digits.lstrip("+") if entity != "PHONE_NUMBER" else digits
    if entity == "IBAN_CODE":
        return re.sub(r"\s", "", v).upper()
    return " ".join(v.casefold().split())


def pseudonym(entity: str, value: str, key: bytes, namespace: str = "", hex_chars: int = 8) -> str:
    """`<ENTITY_hex>` with the first `hex_chars` hex digits of HMAC-SHA256(key, namespace \\x1f value).

    8 hex chars (32 bits) by default: with 4 (16 bits) two distinct people collide once a dataset
    holds a few hundred names (birthday bound), silently merging them in joins.
    """
    msg = (namespace + "\x1f" + normalise(entity, value)).encode("utf-8")
    digest = hmac.new(key, msg, hashlib.sha256).hexdigest()
    return f"<{entity}_{digest[:hex_chars]}>"


def mask(value: str, char: str = "*") -> str:
    """Same-length mask (keeps layout, drops content); whitespace kept so line structure survives."""
    return "".join(c if c.isspace() else char for c in value)
