"""Issue 12: the shapes that leaked on logs the rules were not written against, one test per shape.

Every value here is made up for this file (valid checksums computed, not copied from any corpus).
Detector-level tests need no spaCy model; the record-level ones share one loaded engine.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evalpipe.pii import Scrubber, scrub_table
from evalpipe.pii.addresses import find_addresses
from evalpipe.pii.credentials import find_secrets
from evalpipe.pii.identifiers import (
    find_cards,
    find_dates_of_birth,
    find_emails,
    find_ibans,
    find_macs,
    find_national_ids,
    find_phones,
    find_ssns,
    regions_for,
)
from evalpipe.pii.keys import key_entity, keyed_entity
from evalpipe.pii.patterns import find_names
from evalpipe.pii.scrubber import sweep_eligible
from evalpipe_tests.pii.rows import canonical_row


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _iban(cc: str, bban: str) -> str:
    check = 98 - int("".join(str(int(c, 36)) for c in bban + cc + "00")) % 97
    return f"{cc}{check:02d}{bban}"


def covered(text: str, value: str, hits) -> bool:
    s = text.index(value)
    e = s + len(value)
    return all(any(h.start <= i < h.end for h in hits) or text[i].isspace() for i in range(s, e))


# ------------------------------------------------------------------ phones
@pytest.mark.parametrize(
    "text,value,lang",
    [
        ("bel me op 020 794 1187 na vijven", "020 794 1187", "nl"),
        ("ring the office on (0161) 496 0734 tomorrow", "(0161) 496 0734", "en"),
        ("my cell is 3125559921, text first", "3125559921", "en"),
        ("desk line (312) 846-2290 ext. 4471 until 5", "(312) 846-2290 ext. 4471", "en"),
        ("call 604.555.0187x2231 for billing", "604.555.0187x2231", "en"),
        ("mobiel 06-41829377", "06-41829377", "nl"),
        ("Handy 0171 4829301 bitte", "0171 4829301", "de"),
        ("chiamami al 347 218 4471", "347 218 4471", "it"),
        ("reach me on +61 412 883 190 anytime", "+61 412 883 190", "en"),
    ],
)
def test_phones_in_national_and_odd_forms(text, value, lang):
    hits = find_phones(text, regions_for(lang))
    assert covered(text, value, hits), (text, hits)


def test_extension_is_consumed_not_left_behind():
    text = "call 001-312-846-2290x77812 today"
    [hit] = find_phones(text, regions_for("en"))
    assert text[hit.start : hit.end] == "001-312-846-2290x77812"


@pytest.mark.parametrize(
    "text",
    [
        "ticket 2024 1234",
        "order 4829301177 shipped",
        "on 2025-03-14 09:12",
        "firmware 8.3.2.19",
        "ORD-2021-44817",
    ],
)
def test_phone_near_misses_stay(text):
    assert find_phones(text, regions_for("en")) == []


# ------------------------------------------------------------------ cards and IBANs
@pytest.mark.parametrize("prefix", ["6521", "6080", "2201", "2204", "9792", "4", "5187"])
@pytest.mark.parametrize("sep", ["  ", "\u00a0", ".", " - ", "\u202f"])
def test_cards_any_separator_any_brand(prefix, sep):
    num = _luhn(prefix + "7" * (15 - len(prefix)))
    value = sep.join(num[i : i + 4] for i in range(0, 16, 4))
    text = f"charge it to {value} please"
    assert covered(text, value, find_cards(text))


def test_card_glued_to_text():
    num = _luhn("45398812" + "0461933")
    text = f"cc:{num}exp0927"
    assert covered(text, num, find_cards(text))


@pytest.mark.parametrize("style", ["lower", "nbsp", "double", "dots"])
def test_ibans_lowercase_and_odd_separators(style):
    iban = _iban("NL", "RABO" + "0318847211")
    groups = [iban[i : i + 4] for i in range(0, len(iban), 4)]
    value = {
        "lower": " ".join(groups).lower(),
        "nbsp": "\u00a0".join(groups),
        "double": "  ".join(groups),
        "dots": ".".join(groups),
    }[style]
    text = f"refund to {value} thanks"
    assert covered(text, value, find_ibans(text))


# ------------------------------------------------------------------ e-mails
@pytest.mark.parametrize(
    "text,value",
    [
        ("mail me: quill.arden [at] postbox [dot] net", "quill.arden [at] postbox [dot] net"),
        ("write to quill (at) postbox (dot) net", "quill (at) postbox (dot) net"),
        ("GET /reset?email=quill.arden%40postbox.net&t=1", "quill.arden%40postbox.net"),
    ],
)
def test_obfuscated_and_urlencoded_emails(text, value):
    assert covered(text, value, find_emails(text))


def test_at_in_prose_is_not_an_email():
    assert find_emails("look at example.com for the docs") == []


# ------------------------------------------------------------------ national identifiers
def test_ssn_without_dashes_in_running_text():
    text = "my social is 417338291 if that helps"
    assert covered(text, "417338291", find_ssns(text))
    assert find_ssns("order 417338291 shipped") == []


def test_uk_ni_passport_licence_dob_mac():
    text = (
        "NI number JT 48 20 91 C, passport number K48102297 expires 2031, "
        "driving licence no. MORGA753116SM9IJ, date of birth: 14/08/1979, router 3c:22:fb:91:0e:7a"
    )
    hits = find_national_ids(text) + find_dates_of_birth(text) + find_macs(text)
    for value in ("JT 48 20 91 C", "K48102297", "MORGA753116SM9IJ", "14/08/1979", "3c:22:fb:91:0e:7a"):
        assert covered(text, value, hits), value
    assert find_national_ids("flight BG 12 34 56 A") == []  # BG is not an NI prefix


# ------------------------------------------------------------------ secrets, one per provider
PROVIDER_SECRETS = {
    "huggingface": "hf_" + "Qm3xR8vTz1LpW6kY9sBn4HcJ2dGf7aUeOi",
    "gitlab": "glpat-" + "x8Kq2Lm9Pz4Rt7Vw1Yb3",
    "npm": "npm_" + "Zr8Tq1Wm4Kx7Lp2Vn5Bs9Hd3Jf6Gc0Ay1Ue",
    "sendgrid": "SG." + "Kq8Zm2Rt5Wx9Lp3Vn7Bs1H" + "." + "Jd4Gf6Ay0Ue2Oi8Tq1Wm4Kx7Lp2Vn5Bs9Hd3Jf6Gc0Ay",
    "twilio_sk": "SK" + "3f9a1c7e5b2d8406a9c1e7f3b5d2a804",
    "twilio_ac": "AC" + "8e2b6d4f0a9c7e1b3d5f7a9c2e4b6d80",
    "mailgun": "key-" + "4e8a2c6f0b9d7e1a3c5f7b9d2e4a6c81",
    "telegram": "7391048261:AA" + "Hk3Lm8Pq2Rt6Vw0Yz4Bc7Df1Gh5Jk9Mn2Q",
    "webhook_signing": "whsec_" + "Tq1Wm4Kx7Lp2Vn5Bs9Hd3Jf6Gc0Ay1Ue8",
    "slack_webhook": "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/" + "Xy7Qm2Rt5Wx9Lp3Vn7Bs1Hk4",
    "azure_storage": "DefaultEndpointsProtocol=https;AccountName=stqx;AccountKey="
    + "Kq8Zm2Rt5Wx9Lp3Vn7Bs1HJd4Gf6Ay0Ue2Oi8Tq1Wm4Kx7Lp2Vn5Bs9Hd3Jf6Gc0Ay1Ue8Oi3Tq5Wm7Kx9Lp1Vn3Bs5Hd7J+=="
    + ";EndpointSuffix=core.windows.net",
    "azure_ad": "Zq7" + "8Q~" + "Kd2Lm5Np8Qr1St4Uv7Wx0Yz3Ab6Cd9Ef2",
}


@pytest.mark.parametrize("provider", sorted(PROVIDER_SECRETS))
def test_each_provider_secret(provider):
    value = PROVIDER_SECRETS[provider]
    text = f"it fails with {value} since Tuesday"
    assert covered(text, value, find_secrets(text)), provider


@pytest.mark.parametrize(
    "text,value",
    [
        ("cache at redis://:Vn5Bs9Hd3J@cache-2.internal:6379 refuses", "Vn5Bs9Hd3J"),
        ("curl -u deploy:Tr0ub4dor9x https://ci.example.net/api", "Tr0ub4dor9x"),
        ("fwiw my password is Kestrel#2291 if you need it", "Kestrel#2291"),
        (
            "the secret key Lp2Vn5Bs9Hd3Jf6Gc0Ay1Ue8Oi3Tq5Wm7Kx9Lp1Vn is in the ticket",
            "Lp2Vn5Bs9Hd3Jf6Gc0Ay1Ue8Oi3Tq5Wm7Kx9Lp1Vn",
        ),
        ("here is my .env\nSTRIPE_WEBHOOK_SECRET=qq81kdm2\nDB_PASSWORD=hunter77\nDEBUG=1", "qq81kdm2"),
        ("here is my .env\nSTRIPE_WEBHOOK_SECRET=qq81kdm2\nDB_PASSWORD=hunter77\nDEBUG=1", "hunter77"),
    ],
)
def test_credential_shapes_in_prose(text, value):
    assert covered(text, value, find_secrets(text))


def test_private_keys_putty_ssh2_and_headerless_pem():
    body = "MIIEpAIBAAKCAQEA3Tz2mr7SuFDRUkmP9qVL8Wb1cZ4xH6nYt0aQkJ5sE2gD7fR9vB3wC1uI8oL4pN6m"
    texts = [
        "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPrivate-Lines: 2\nAAAAB3NzaC1yc2EAAAADAQAB\n"
        "Private-MAC: 5c1f0e9a7b3d2c4e6f8a0b1c3d5e7f9a",
        "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAi4AAAA3aWYtbW9kbntzaWdu\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
        f"the key file only had\n{body}\n{body[:40]}==",
    ]
    for text in texts:
        hits = find_secrets(text)
        core = text.split("\n", 1)[1] if not text.startswith("the") else body
        assert covered(text, core.split("\n")[0], hits), text[:30]


# ------------------------------------------------------------------ names
@pytest.mark.parametrize(
    "text,value",
    [
        ("You are the Brightdesk assistant. Agent on duty: Oskar Lindqvist. Be brief.", "Oskar Lindqvist"),
        ("Ingrid here again, the export still hangs", "Ingrid"),
        ("hi, this is priya. the invoice is wrong", "priya"),
        ("Thanks for the help!\n\nBest regards,\nTobias Wennerström\nSenior Buyer", "Tobias Wennerström"),
        ("我叫陈晓明，订单还没到", "陈晓明"),
        ("お世話になります。山口と申します。", "山口"),
        ("Здравствуйте, меня зовут Аркадий Белов", "Аркадий Белов"),
        ("مرحبا، اسمي ليلى حداد", "ليلى حداد"),
        ("नमस्ते, मेरा नाम अनिल वर्मा है", "अनिल वर्मा"),
        ("I spoke with Wojciech Szczepański on Monday", "Wojciech Szczepański"),
    ],
)
def test_names_where_names_stand(text, value):
    assert covered(text, value, find_names(text)), find_names(text)


NEVER_NAMES = [
    "Does", "Bearer", "Android", "Chrome", "From", "Invalid", "Passport", "Acme Cloud", "Jira Cloud",
    "Dark Mode", "Charles Schwab",
]  # fmt: skip


@pytest.mark.parametrize("word", NEVER_NAMES)
def test_common_and_product_words_are_not_names(word):
    text = f"Hi, {word} keeps failing. I spoke with support about {word} and {word} Settings."
    spans = [text[h.start : h.end] for h in find_names(text)]
    assert not any(word in s or s in word for s in spans), spans


# ------------------------------------------------------------------ addresses
@pytest.mark.parametrize(
    "text,value",
    [
        ("Neue Adresse: Birkenweg 17b, 8010 Graz", "Birkenweg 17b, 8010 Graz"),
        ("Mijn adres is Vondellaan 212, 3521 GK Utrecht", "Vondellaan 212, 3521 GK Utrecht"),
        ("Livrez au 7 ter avenue des Tilleuls, 31400 Toulouse", "7 ter avenue des Tilleuls, 31400 Toulouse"),
        ("envíen a Calle de Toledo 88, 2º B, 28005 Madrid", "Calle de Toledo 88, 2º B, 28005 Madrid"),
        ("ship to 41 Fernhill Crescent, York YO10 4GH", "41 Fernhill Crescent, York YO10 4GH"),
        (
            "deliver to Flat 204, Surya Apartments, 9th Main Road, Jayanagar, Bengaluru 560041",
            "Flat 204, Surya Apartments, 9th Main Road, Jayanagar, Bengaluru 560041",
        ),
        ("住所は〒150-0002 東京都渋谷区渋谷2-21-1です", "〒150-0002 東京都渋谷区渋谷2-21-1"),
        ("I moved to Unit 7/38 Banksia Pde, Carlton VIC 3053", "Unit 7/38 Banksia Pde, Carlton VIC 3053"),
    ],
)
def test_addresses_by_structure(text, value):
    assert covered(text, value, find_addresses(text)), [text[h.start : h.end] for h in find_addresses(text)]


def test_address_near_misses():
    for text in ("restart at 10:30 and upgrade to 2.3", "the Settings page has 3 tabs", "version 4 Road map"):
        assert find_addresses(text) == [], text


# ------------------------------------------------------------------ JSON keys
@pytest.mark.parametrize(
    "key,value,entity",
    [
        ("ssn", "417338291", "NATIONAL_ID"),
        ("password", "sunflower", "SECRET"),
        ("x-api-key", "abc", "SECRET"),
        ("SecretAccessKey", "anything at all", "SECRET"),
        ("account_holder", "marta quintero", "PERSON"),
        ("Authorization", "Basic cXVpbGw6c2VjcmV0", "SECRET"),
        ("session_cookie", "sid=8f2a", "SECRET"),
        ("Telefonnummer", "0171 4829301", "PHONE_NUMBER"),
        ("fecha_de_nacimiento", "1979-08-14", "DATE_OF_BIRTH"),
        ("geboortedatum", "14-08-1979", "DATE_OF_BIRTH"),
        ("adresse", "7 ter avenue des Tilleuls", "STREET_ADDRESS"),
        ("customer_email", "quill@postbox.net", "EMAIL_ADDRESS"),
    ],
)
def test_key_names_decide(key, value, entity):
    assert keyed_entity(key, value) == entity


@pytest.mark.parametrize(
    "key,value",
    [("max_tokens", "512"), ("token_type", "bearer"), ("name", "get_order_status"), ("password", "<redacted>"),
     ("name", "Dark Mode"), ("status", "ok")],
)  # fmt: skip
def test_key_names_that_do_not_make_pii(key, value):
    assert keyed_entity(key, value) is None


def test_camel_case_and_dashed_keys_read_alike():
    assert key_entity("SecretAccessKey") == key_entity("secret-access-key") == key_entity("secret_access_key")


# ------------------------------------------------------------------ record level
@pytest.fixture(scope="module")
def scrubber():
    return Scrubber(key="issue-12-key")


def _row(
    i: int, user: str, args: dict | None = None, result: dict | None = None, meta: dict | None = None
) -> dict:
    return canonical_row(i, user, args, result, meta)


def test_values_under_keys_in_tool_args_results_metadata_and_json_strings(scrubber):
    args = {"ssn": "417338291", "account_holder": "marta quintero", "note": "call back"}
    result = {"user": {"password": "sunflower", "x-api-key": "k"}, "SecretAccessKey": "plain words here"}
    meta = {"client": {"cookie": "sid=8f2a91"}, "payload": json.dumps({"customer_name": "Marta Quintero"})}
    row = _row(0, "lookup please", args, result, meta)
    row["error_message"] = '401 Unauthorized: {"error": {"password": "sunflower2", "code": 401}}'
    new, counts = scrubber.scrub_record(row)
    blob = json.dumps(new)
    for value in (
        "417338291",
        "marta quintero",
        "sunflower",
        "plain words here",
        "sid=8f2a91",
        "Marta Quintero",
    ):
        assert value not in blob and json.dumps(value)[1:-1] not in blob, value
    assert "sunflower2" not in new["error_message"] and new["error_message"].startswith("401 Unauthorized: ")
    assert "call back" in blob and "lookup" in blob  # what keys do not mark stays
    assert json.loads(json.loads(new["input_messages"])[1]["parts"][0]["arguments"])["note"] == "call back"


def test_never_replaced_words_and_versions(scrubber):
    text = (
        "Does the Bearer token work on Android and Chrome? From the Invalid Passport screen, "
        "Acme Cloud and Jira Cloud in Dark Mode, Charles Schwab export, firmware 8.3.2.19."
    )
    assert scrubber.scrub_text(text) == text


def test_sweep_does_not_spread_a_planted_false_positive(scrubber, monkeypatch):
    """A mistaken PERSON on 'Does' in one record must not be replaced in the others."""
    from evalpipe.pii import scrubber as mod

    real = mod.Scrubber._analyze_one

    def planted(self, text, doc):
        spans = list(real(self, text, doc))
        if "Does" in text and "PLANT" in text:
            i = text.index("Does")
            spans.append(mod.Span(i, i + 4, "PERSON", 0.85, "planted"))
        if "Quillon Varga" in text:
            i = text.index("Quillon Varga")
            spans.append(mod.Span(i, i + 13, "PERSON", 0.9, "planted"))
        return tuple(sorted(spans))

    monkeypatch.setattr(mod.Scrubber, "_analyze_one", planted)
    engine = scrubber.with_options()
    rows = [
        _row(0, "PLANT Does the export work? Quillon Varga asked."),
        _row(1, "Does the import work too?"),
        _row(2, "Please tell Quillon Varga it works."),
    ]
    res = scrub_table(pd.DataFrame(rows), processes=1, scrubber=engine)
    out = res.scrubbed.to_dict("records")
    assert "Does the import work too?" in out[1]["input_messages"]
    assert "Quillon Varga" not in out[2]["input_messages"]  # a confident, rare value does propagate
    inv = res.inventory.set_index("value")
    assert not inv.loc["Does", "propagated"] and inv.loc["Does", "detector"] == "planted"
    assert inv.loc["Quillon Varga", "propagated"]
    assert set(res.inventory.columns) == {"value", "entity", "detector", "score", "propagated"}


@pytest.mark.parametrize(
    "value,info,ok",
    [
        ("Does", ("PERSON", "spacy_ner", 0.85), False),
        ("Bearer", ("PERSON", "spacy_ner", 0.85), False),
        ("Jira Cloud", ("PERSON", "spacy_ner", 0.9), False),
        ("Tim", ("PERSON", "greeting_name", 0.8), False),  # below the sweep's confidence
        ("Quillon Varga", ("PERSON", "spacy_ner", 0.85), True),
        ("quill@postbox.net", ("EMAIL_ADDRESS", "email", 1.0), True),
        ("8.3.2.19", ("IP_ADDRESS", "ipv4", 0.5), False),
    ],
)
def test_sweep_eligibility(value, info, ok):
    assert sweep_eligible(value, info, 4, 0.85) is ok
