import re
import warnings

import pytest

from evalpipe.pii import pseudonyms as ps


def test_token_format_and_determinism():
    tok = ps.pseudonym("PERSON", "Jeff Smith", b"k1", "v1")
    assert re.fullmatch(r"<PERSON_[0-9a-f]{8}>", tok)
    assert tok == ps.pseudonym("PERSON", "Jeff Smith", b"k1", "v1")
    assert ps.pseudonym("PERSON", "Jeff Smith", b"k1", "v1", hex_chars=4) == tok[:12] + ">"


def test_key_and_namespace_dependence():
    base = ps.pseudonym("PERSON", "Jeff Smith", b"k1", "v1")
    assert ps.pseudonym("PERSON", "Jeff Smith", b"k2", "v1") != base
    assert ps.pseudonym("PERSON", "Jeff Smith", b"k1", "v2") != base
    assert ps.pseudonym("PERSON", "Jeff Smyth", b"k1", "v1") != base


def test_normalisation_joins_formatting_variants():
    a = ps.pseudonym("CREDIT_CARD", "4111 1111 1111 1111", b"k", "")
    assert a == ps.pseudonym("CREDIT_CARD", "4111-1111-1111-1111", b"k", "")
    assert ps.pseudonym("PERSON", "jeff  SMITH", b"k", "") == ps.pseudonym("PERSON", "Jeff Smith", b"k", "")
    assert ps.pseudonym("IBAN_CODE", "ES91 2100 0418 4502 0005 1332", b"k", "") == ps.pseudonym(
        "IBAN_CODE", "ES9121000418450200051332", b"k", ""
    )


def test_key_from_env_and_dev_default_warns(monkeypatch):
    monkeypatch.setenv(ps.KEY_ENV_VAR, "from-env")
    assert ps.resolve_key() == b"from-env"
    assert ps.resolve_key("explicit") == b"explicit"
    monkeypatch.delenv(ps.KEY_ENV_VAR)
    monkeypatch.setattr(ps, "_warned", False)
    with pytest.warns(UserWarning, match=ps.KEY_ENV_VAR):
        assert ps.resolve_key() == ps.DEV_DEFAULT_KEY.encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ps.resolve_key()  # warned once per process, not per call


def test_mask_keeps_length_and_whitespace():
    assert ps.mask("ab c\nd") == "** *\n*"
