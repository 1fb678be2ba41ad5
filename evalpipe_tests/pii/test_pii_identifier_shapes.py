"""Phones, dates of birth, e-mails and secrets in the shapes issue 12 lists as still leaking.

Every value is made up here (random hex / base64 from a seeded generator, numbers typed for this
file); none is taken from a corpus.  Detector-level only: no spaCy model is loaded.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from evalpipe.pii.credentials import find_secrets
from evalpipe.pii.identifiers import (
    find_dates_of_birth,
    find_emails,
    find_national_ids,
    find_phones,
    phone_variants,
    regions_for,
)
from evalpipe.pii.residue import scan_residue

_RNG = random.Random(20261203)


def _hex(n: int) -> str:
    return "".join(_RNG.choice("0123456789abcdef") for _ in range(n))


def _b64(nbytes: int, prefix: bytes = b"") -> str:
    return base64.b64encode(prefix + bytes(_RNG.randrange(256) for _ in range(nbytes))).decode()


def covered(text: str, value: str, hits) -> bool:
    s = text.index(value)
    return all(any(h.start <= i < h.end for h in hits) or text[i].isspace() for i in range(s, s + len(value)))


# ------------------------------------------------------------------ phone extensions
@pytest.mark.parametrize(
    "text,value",
    [
        ("call me on 030 2291 7745 int. 4418 after lunch", "030 2291 7745 int. 4418"),
        ("zadzwoń 0412 338 190 wew. 2231 proszę", "0412 338 190 wew. 2231"),
        ("Tel. 03-4471-2280ext. 1190 | mail", "03-4471-2280ext. 1190"),
        ("desk 0171 4829301 ext1234 until five", "0171 4829301 ext1234"),
        ("centralino 02 8872 4410 interno 31", "02 8872 4410 interno 31"),
        ("bel 020 794 1187 toestel 12", "020 794 1187 toestel 12"),
        ("+81 3-5521-7730 内線 204 まで", "+81 3-5521-7730 内線 204"),
        ("office (617) 555-0142 x 88 today", "(617) 555-0142 x 88"),
    ],
)
def test_extension_forms_are_consumed(text, value):
    hits = find_phones(text, regions_for("en"))
    assert covered(text, value, hits), (text, [text[h.start : h.end] for h in hits])


# ------------------------------------------------------------------ bare national numbers
@pytest.mark.parametrize(
    "text,value,lang",
    [
        ("the code never arrives on 015773920418, can you resend", "015773920418", "en"),
        ("it keeps failing for 0421938776 since Monday", "0421938776", "en"),
        ("mi móvil: 622418735", "622418735", "es"),
        ("Handy (0171) 4829301 bitte", "(0171) 4829301", "de"),
        ("numer komórki 512 338 907", "512 338 907", "en"),
    ],
)
def test_bare_and_parenthesised_national_numbers(text, value, lang):
    assert covered(text, value, find_phones(text, regions_for(lang)))


@pytest.mark.parametrize(
    "text",
    [
        "order 0412938776 was split in two",  # order number with a leading zero
        "invoice #0153342211 is paid",
        "batch 622418735 finished",  # nine digits, no trunk prefix, no phone word
        "build 10.0.19045.3803 rolled out",
        "on 2026-03-14 at 09:12",
    ],
)
def test_numbers_that_are_not_phones_stay(text):
    assert find_phones(text, regions_for("en")) == []


# ------------------------------------------------------------------ dates of birth
@pytest.mark.parametrize(
    "text,value",
    [
        ("born 1984年11月3日, starting Monday", "1984年11月3日"),
        ("生年月日：1979年4月22日です", "1979年4月22日"),
        ("誕生日は平成2年7月9日", "平成2年7月9日"),
        ("我的生日是1991年2月14日", "1991年2月14日"),
        ("생년월일: 1988년 6월 30일", "1988년 6월 30일"),
        ("my DOB is 1983/09/17", "1983/09/17"),
        ("born on the 4th of June 1977", "4th of June 1977"),
        ("data urodzenia 05.12.1986", "05.12.1986"),
        ("Doğum tarihi: 21.03.1990", "21.03.1990"),
        ("geboren am 3. März 1981", "3. März 1981"),
    ],
)
def test_dates_of_birth_in_other_scripts_and_cues(text, value):
    assert covered(text, value, find_dates_of_birth(text))


@pytest.mark.parametrize(
    "text",
    [
        "delivered on 2026年3月1日",
        "invoice date 12.03.2024",
        "release 2025/01/30 is out",
        "meeting on the 4th of June 2026",
    ],
)
def test_dates_that_are_not_birth_dates_stay(text):
    assert find_dates_of_birth(text) == []


# ------------------------------------------------------------------ spelled e-mails
@pytest.mark.parametrize(
    "text,value",
    [
        ("my login is tomasz dot wrona at poczta dot pl, thanks", "tomasz dot wrona at poczta dot pl"),
        ("write to jo.keller at mailbox dot co dot uk", "jo.keller at mailbox dot co dot uk"),
        ("contact: ana (dot) ruiz (at) correo (dot) es", "ana (dot) ruiz (at) correo (dot) es"),
        ("escribe a ana punto ruiz arroba correo punto es", "ana punto ruiz arroba correo punto es"),
        ("reach me: odile.marchal(at)laposte.fr", "odile.marchal(at)laposte.fr"),
        ("mail: kit77 [at] fjordmail [dot] no", "kit77 [at] fjordmail [dot] no"),
    ],
)
def test_spelled_emails(text, value):
    assert covered(text, value, find_emails(text))


@pytest.mark.parametrize(
    "text", ["look at example.com for the docs", "Look at the dot matrix printer", "we meet at noon"]
)
def test_prose_with_at_and_dot_is_not_an_email(text):
    assert find_emails(text) == []


# ------------------------------------------------------------------ secrets: provider formats
def _provider_values() -> dict[str, tuple[str, str]]:
    sid = "AC" + _hex(32)
    token = _hex(32)
    return {
        "digitalocean": (f"doctl auth init -t dop_v1_{_hex(64)} failed", "dop_v1_"),
        "digitalocean_oauth": (f"refresh with dor_v1_{_hex(64)}", "dor_v1_"),
        "shopify_admin": (f"X-Shopify-Access-Token shpat_{_hex(32)} rejected", "shpat_"),
        "shopify_custom": (f"custom app token shpca_{_hex(32)}", "shpca_"),
        "shopify_private": (f"private app shppa_{_hex(32)} ok", "shppa_"),
        "shopify_secret": (f"shared secret shpss_{_hex(32)}", "shpss_"),
        "twilio_auth_after_sid": (f"account {sid} auth token {token} for SMS", token),
        "twilio_sid_colon": (f"basic creds {sid}:{token}", token),
        "twilio_cue_after": (f"{token} is the twilio auth token", token),
    }


@pytest.mark.parametrize("kind", sorted(_provider_values()))
def test_provider_tokens(kind):
    text, marker = _provider_values()[kind]
    value = next(w for w in text.replace(":", " ").split() if w.startswith(marker) or w == marker)
    assert covered(text, value, find_secrets(text)), kind


@pytest.mark.parametrize(
    "text",
    [
        f"pushed commit {_hex(40)} to main",
        f"request id {_hex(32)} returned 500",
        f"md5 checksum {_hex(32)} matches",
        f"the file's sha256 is {_hex(64)}",
    ],
)
def test_hex_ids_without_secret_context_stay(text):
    assert find_secrets(text) == []


# ------------------------------------------------------------------ secrets: PEM bodies without header
@pytest.mark.parametrize(
    "prefix",
    [
        b"\x30\x82\x04\xa4\x02\x01\x00",
        b"\x30\x81\x87\x02\x01\x00",
        b"\x30\x77\x02\x01\x01",
        b"\x30\x2e\x02\x01\x00",
    ],
)
def test_headerless_pem_bodies(prefix):
    der = _b64(40 + len(prefix) * 60, prefix)
    body = "\n".join(der[i : i + 64] for i in range(0, len(der), 64))
    text = f"the key file only had this in it:\n{body}\nis that enough?"
    hits = find_secrets(text)
    for line in body.split("\n"):
        assert covered(text, line, hits), line


def test_pem_body_lines_any_prefix_escaped_or_one_line():
    der = _b64(300)
    lines = [der[i : i + 64] for i in range(0, len(der), 64)]
    escaped = "body: " + "\\n".join(lines) + " end"
    one_line = "body " + der + " end"
    indented = "key: |\n    " + "\n    ".join(lines) + "\nnext: 1"
    spaced = "pasted: " + " ".join(lines) + " done"
    for text in (escaped, one_line, indented, spaced):
        hits = find_secrets(text)
        for line in lines:
            assert covered(text, line, hits), text[:20]


def test_long_paths_and_urls_are_not_secrets():
    for text in (
        "see https://docs.example.com/api/v2/users/export/Report/all/files/latest/index.html",
        "path src/evalpipe/pii/data/first_names/derived/from_names_dataset/v3/list.txt",
    ):
        assert find_secrets(text) == [], text


# ------------------------------------------------------------------ secrets: connection URLs
@pytest.mark.parametrize(
    "text,value",
    [
        ("REDIS_URL=redis://:Vq8@Lm2/zz@cache.internal:6379/0 ok", "Vq8@Lm2/zz"),
        ("try rediss://:Xk29vq@red-1.example.com:6380", "Xk29vq"),
        ("REDIS://:Pw7k2@CACHE-3:6379", "Pw7k2"),
        ("amqp://guest:Gu3st!pw@mq.local:5672/vh", "Gu3st!pw"),
        ("postgres://app:p@ss:w0rd@db-2:5432/app", "p@ss:w0rd"),
        ("mongodb+srv://svc:Qz9%40lk@cluster0.example.net/db", "Qz9%40lk"),
        ("redis-cli -h cache -a Zmq8x2Lp ping", "Zmq8x2Lp"),
        ("mysql -u root -pTr33house! shop", "Tr33house!"),
    ],
)
def test_connection_url_and_cli_passwords(text, value):
    assert covered(text, value, find_secrets(text))


def test_port_and_path_is_not_a_password():
    assert find_secrets("open http://localhost:8080/static@2x.png") == []


# ------------------------------------------------------------------ residue check
def test_residue_flags_new_provider_formats_and_url_passwords():
    texts = [f"left dop_v1_{_hex(64)}", f"left shpat_{_hex(32)}", "left redis://:Kp2x9Q@cache:6379"]
    kinds = {f.kind for f in scan_residue(texts)}
    assert {"digitalocean_token", "shopify_token", "url_password"} <= kinds


def test_residue_ignores_replaced_url_password():
    assert scan_residue(["redis://:<SECRET_3f9a21c0>@cache:6379/0"]) == []


# ------------------------------------------------------------------ national identifiers of more countries
def _cpf(body: str) -> str:
    d = [int(c) for c in body]
    for n in (9, 10):
        d.append(sum(x * w for x, w in zip(d, range(n + 1, 1, -1), strict=False)) * 10 % 11 % 10)
    s = "".join(map(str, d))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def _cn_id(body17: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body17))
    return body17 + "10X98765432"[total % 11]


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _pesel(body10: str) -> str:
    return body10 + str(
        (10 - sum(int(c) * w for c, w in zip(body10, (1, 3, 7, 9) * 3, strict=False)) % 10) % 10
    )


def _tc(body9: str) -> str:
    d = [int(c) for c in body9]
    d.append((sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


def _nir(body13: str) -> str:
    return f"{body13} {97 - int(body13) % 97:02d}"


def _be(body9: str) -> str:
    return f"{body9[:2]}.{body9[2:4]}.{body9[4:6]}-{body9[6:9]}.{97 - int(body9) % 97:02d}"


@pytest.mark.parametrize(
    "text_of",
    [
        lambda: f"meu CPF é {_cpf('418230957')} obrigado",
        lambda: f"cadastro {_cpf('731004586')}",  # formatted CPF stands alone
        lambda: "CURP PEGL860412MDFRRS07 para el trámite",
        lambda: f"身份证号 {_cn_id('44030619870215331')}",
        lambda: f"id {_cn_id('51010719931102442')} on file",
        lambda: "주민등록번호 880412-2345671",
        lambda: f"personnummer 870613-{'412'}{_luhn_digit('870613412')}",
        lambda: f"rijksregisternummer {_be('870613412')}",
        lambda: f"NIR {_nir('2870675118234')}",
        lambda: f"PESEL {_pesel('8706134123')}",
        lambda: f"TC kimlik no {_tc('318452907')}",
        lambda: "ITIN 934-71-2290 for the W-7",
    ],
)
def test_national_ids_by_checksum_or_format(text_of):
    text = text_of()
    value = text.split(" ", 1)[1]
    value = (
        next(w for w in value.split(" ") if sum(c.isdigit() for c in w) >= 6)
        if "NIR" not in text
        else text[4:]
    )
    assert covered(text, value, find_national_ids(text)), text


def test_checksums_reject_near_misses():
    good = _cpf("418230957")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert find_national_ids(f"ref {bad} ok") == []  # no CPF word, wrong check digit
    assert find_national_ids(f"order {_pesel('8706134123')} shipped") == []  # PESEL digits without the word
    assert find_national_ids("call 0171 4829301 ext 12") == []


@pytest.mark.parametrize(
    "text,value",
    [
        ("nato il 3 marzo 1980 a Torino", "3 marzo 1980"),
        ("data de nascimento: 5 de julho de 1990", "5 de julho de 1990"),
        ("urodzona 3 maja 1985", "3 maja 1985"),
        ("Doğum tarihi 12 Ekim 1988", "12 Ekim 1988"),
        ("Date of birth (DD/MM/YYYY): 01/02/1980", "01/02/1980"),
        ("my bday is 4/7/92", "4/7/92"),
    ],
)
def test_dates_of_birth_more_languages_and_gaps(text, value):
    assert covered(text, value, find_dates_of_birth(text))


# ------------------------------------------------------------------ the same phone written bare elsewhere
@pytest.mark.parametrize(
    "found,bare",
    [
        ("+48 512 450 597", "512450597"),
        ("0412 443 101 wew. 12", "0412443101"),
        ("0044 20 7946 0958", "02079460958"),
    ],
)
def test_phone_variants_cover_bare_forms(found, bare):
    assert bare in phone_variants(found)


@pytest.mark.parametrize(
    "first", ["you can reach me at +48 512 450 597 after six", "you can reach me at 512450597."]
)
def test_bare_repeat_of_a_found_phone_is_swept(first):
    import pandas as pd

    from evalpipe.pii import Scrubber, scrub_table

    def row(i: int, text: str) -> dict:
        return {
            "record_id": f"p{i}",
            "day": "2026-02-02",
            "status": "ok",
            "input_messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": text}]}]),
        }

    rows = [row(0, first), row(1, "It's 512450597. Still nothing arrives.")]
    out = scrub_table(pd.DataFrame(rows), processes=1, scrubber=Scrubber(key="variants-key")).scrubbed
    second = out["input_messages"].iloc[1]
    assert "512450597" not in second and "<PHONE_NUMBER" in second
    assert "Still nothing arrives" in second


@pytest.mark.parametrize("text", ["4155550123 (mobile)", "6175550142 is my cell, text first"])
def test_ten_bare_digits_with_the_phone_word_after(text):
    value = text.split(" ")[0]
    assert covered(text, value, find_phones(text, regions_for("en")))


def test_short_token_right_after_a_secret_word():
    text = "the signing key 9fKq2Lm8Zr4TxW1v was rotated"
    assert covered(text, "9fKq2Lm8Zr4TxW1v", find_secrets(text))
    assert find_secrets("the commit Ab3dEf9hIj2kLm5nQ was reverted") == []
    assert find_secrets("Safari 17.4 on the Business Premium plan, order INV2024ab") == []
