"""Passports (grouped, MRZ, cue before / after / a sentence away, sibling keys), postcodes in running
text and dates of birth with the cue on either side: shapes written here, in several languages."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evalpipe.pii import Scrubber, scrub_table
from evalpipe.pii.identifiers import (
    find_dates_of_birth,
    find_mrz,
    find_national_ids,
    find_postcodes,
    mrz_check,
)
from evalpipe.pii.keys import key_entity, keyed_entity, sibling_key


def _found(finder, text: str) -> list[str]:
    return [text[h.start : h.end] for h in finder(text)]


# ---------------------------------------------------------------- passports
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("passport K47 T09 R83 expires in May", "K47 T09 R83"),
        ("Passport no. K47-T09-R83, issued in Leeds", "K47-T09-R83"),
        ("pasaporte: XDB 715 203", "XDB 715 203"),
        ("Please update my travel document: 618204773", "618204773"),
        ("document number 618204773 on the booking", "618204773"),
        ("doc no: YT8823019", "YT8823019"),
        ("Mein Reisedokument hat die Nummer C7TR49K21", "C7TR49K21"),
        ("Mon titre de voyage : 21AK55093", "21AK55093"),
        ("documento de viaje PAB774120", "PAB774120"),
        ("mijn paspoort nummer is NX8R42KL1", "NX8R42KL1"),
        ("numer paszportu EA 4417293", "EA 4417293"),
        ("618204773 is my passport number", "618204773"),
        ("паспорт 4510 123456", "4510 123456"),
        ("여권번호 M12345678", "M12345678"),
        ("my passport number is 61 82 04 773", "61 82 04 773"),
        ("The number is GB4410873 - that's the passport I travel on", "GB4410873"),
        ("I renewed my passport last week. The new one reads L40918732, please update it.", "L40918732"),
    ],
)
def test_passport_shapes_are_found(text: str, value: str) -> None:
    assert value in _found(find_national_ids, text)


@pytest.mark.parametrize(
    "text",
    [
        "order 61820477 shipped, passport photo requirements attached",
        "Which documents do I need besides a passport?",
        "ticket 48213977 about my passport appointment",
    ],
)
def test_numbers_that_are_not_passports_stay(text: str) -> None:
    assert _found(find_national_ids, text) == []


def _mrz_td3(number: str, birth: str, expiry: str) -> str:
    line = f"{number}{mrz_check(number)}GBR{birth}{mrz_check(birth)}M{expiry}{mrz_check(expiry)}"
    return line + "<" * (42 - len(line)) + "0" + "4"


def test_mrz_check_digit_follows_icao_7_3_1() -> None:
    # 7-3-1 weights: 'AB2' = 10*7 + 11*3 + 2*1 = 105 -> 5; '<' counts 0
    assert mrz_check("AB2") == 5
    assert mrz_check("<<<") == 0
    assert mrz_check("520727") == (5 * 7 + 2 * 3 + 0 + 7 * 7 + 2 * 3 + 7) % 10


def test_mrz_lines_are_masked_and_bad_check_digits_are_not() -> None:
    name = "P<GBRHOLLOWAY<<MARGARET<ANN" + "<" * 17
    data = _mrz_td3("533380006", "790214", "310518")
    text = f"scan:\n{name}\n{data}"
    assert _found(find_mrz, text) == [name, data]
    broken = (
        data[:9] + str((int(data[9]) + 1) % 10) + data[10:19] + str((int(data[19]) + 1) % 10) + data[20:27]
    )
    broken += str((int(data[27]) + 1) % 10) + data[28:]
    assert _found(find_mrz, broken) == []
    assert _found(find_mrz, name + data) == [name + data]  # both lines glued together


def test_passport_keys_and_sibling_type() -> None:
    for key in (
        "doc_number",
        "passport_id",
        "id_document",
        "reisepassnummer",
        "travel_document",
        "passportNo",
    ):
        assert key_entity(key) == "NATIONAL_ID", key
    assert key_entity("document_id") is None  # retrieval ids stay
    record = {"document_type": "passport", "number": "XK4410873"}
    assert keyed_entity(sibling_key(record, "number"), "XK4410873") == "NATIONAL_ID"
    record = {"tipo_documento": "pasaporte", "numero": "XK4410873"}
    assert keyed_entity(sibling_key(record, "numero"), "XK4410873") == "NATIONAL_ID"
    assert sibling_key({"type": "function", "id": "call_8"}, "id") == "id"
    assert sibling_key({"field": "date_of_birth", "value": "1985-03-27"}, "value") == "date_of_birth"


def test_a_value_key_inherits_its_parent_identifier_key_and_a_document_label() -> None:
    """{"passport": {"number": …}} and {"document": "passport", "number": …}: the number is the
    passport even though its own key only says "number"; a tool call id under a plain parent stays."""
    assert keyed_entity(sibling_key({"number": "XK4410873", "country": "GB"}, "number", "passport"),
                        "XK4410873") == "NATIONAL_ID"  # fmt: skip
    assert sibling_key({"number": "+44 20 7946 0958"}, "number", "phone") == "phone"
    assert sibling_key({"document": "Reisepass", "nummer": "C01X00T47"}, "nummer") == "passport_number"
    assert sibling_key({"id": "call_8", "type": "function"}, "id", "tool_calls") == "id"
    assert sibling_key({"country": "GB"}, "country", "passport") == "country"
    args = {"traveller": {"passport": {"number": "533380006", "expiry": "2031-04-30"}}, "seat": "14C"}
    res = scrub_table(pd.DataFrame([_row(0, "Book it, please.", args)]), processes=1,
                      scrubber=Scrubber(key="h12c-docs"))  # fmt: skip
    out = res.scrubbed.to_dict("records")[0]["input_messages"]
    assert "533380006" not in out and "14C" in out and "2031-04-30" in out


def test_a_number_under_a_document_parent_or_beside_its_issuer_is_a_document() -> None:
    """{"passports": [{"number": …}]}, {"number": …, "issuing_country": …}: document numbers; an
    order's number, and a retrieved document's id, are not."""
    assert sibling_key({"number": "C01X00T47"}, "number", "passports") == "passport_number"
    assert sibling_key({"nummer": "C01X00T47", "ausstellungsland": "D"}, "nummer") == "passport_number"
    assert sibling_key({"number": "TK1234567", "nationality": "JPN"}, "number") == "passport_number"
    assert sibling_key({"id": "kb-104", "text": "…"}, "id", "documents") == "id"
    assert sibling_key({"number": "48213", "status": "shipped"}, "number", "orders") == "number"
    args = {"documents": [{"number": "L8836512", "expires": "2031-02-01"}], "order": {"number": "48213"}}
    res = scrub_table(pd.DataFrame([_row(0, "Check these, please.", args)]), processes=1,
                      scrubber=Scrubber(key="h12c-docs"))  # fmt: skip
    out = res.scrubbed.to_dict("records")[0]["input_messages"]
    assert "L8836512" not in out and "48213" in out


# ---------------------------------------------------------------- postcodes
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my zip is 30309, thanks", "30309"),
        ("zip code: 30309-4417", "30309-4417"),
        ("EC2V 7HH is the postcode", "EC2V 7HH"),
        ("post code m1 4bt please", "m1 4bt"),
        ("Meine PLZ ist 80331.", "80331"),
        ("80331 als Postleitzahl", "80331"),
        ("code postal 69002", "69002"),
        ("CP 41001 Sevilla", "41001"),
        ("código postal 41001", "41001"),
        ("CAP 20121 Milano", "20121"),
        ("postcode 3511 LX", "3511 LX"),
        ("kod pocztowy 31-042", "31-042"),
        ("郵便番号 530-0001", "530-0001"),
        ("〒530-0001 大阪市", "〒530-0001"),
        ("PIN code 560001", "560001"),
        ("Fitzroy VIC 3065", "3065"),
        ("postal code H2X 1Y4", "H2X 1Y4"),
    ],
)
def test_postcodes_in_running_text(text: str, value: str) -> None:
    assert value in _found(find_postcodes, text)


@pytest.mark.parametrize(
    "text",
    ["order 48213 shipped", "total 12500 EUR", "the zip file has 12345 rows", "PIN 4417", "room 30309"],
)
def test_plain_numbers_without_a_postcode_cue_stay(text: str) -> None:
    assert _found(find_postcodes, text) == []


# ---------------------------------------------------------------- dates of birth
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My date of birth on file is 27.03.1985.", "27.03.1985"),
        ("DOB for the account holder: 03/27/1985", "03/27/1985"),
        ("1985-03-27 (date of birth)", "1985-03-27"),
        ("03/27/1985 is my birthday", "03/27/1985"),
        ("born on the 27th of March, 1985", "27th of March, 1985"),
        ("birth date we have on record - March 27th, 1985", "March 27th, 1985"),
        ("Geburtsdatum laut Ausweis: 27.03.1985", "27.03.1985"),
        ("27.03.1985 als Geburtsdatum", "27.03.1985"),
        ("fecha de nacimiento registrada: 27/03/1985", "27/03/1985"),
        ("data di nascita del cliente 27-03-1985", "27-03-1985"),
        ("date de naissance : 27/03/1985", "27/03/1985"),
        ("DOB 27-Mar-1985", "27-Mar-1985"),
        ("Fecha de nacimiento: 27 de marzo de 1985", "27 de marzo de 1985"),
        ("urodzony 27.03.1985", "27.03.1985"),
    ],
)
def test_dates_of_birth_with_cue_before_or_after(text: str, value: str) -> None:
    assert value in _found(find_dates_of_birth, text)


@pytest.mark.parametrize(
    "text",
    [
        "delivered on 12.03.2025, my birthday is soon",
        "Order placed 12.03.2025. Date of birth changed?",
        "geliefert am 12.03.2025",
        "appointment on 03/14/2025",
        "NATO summit on 12.03.2025",
    ],
)
def test_other_dates_stay(text: str) -> None:
    assert _found(find_dates_of_birth, text) == []


def test_birth_date_keys() -> None:
    for key in (
        "dob",
        "birth_date",
        "birthday",
        "geburtsdatum",
        "fecha_nacimiento",
        "date_naissance",
        "data_nascita",
    ):
        assert key_entity(key) == "DATE_OF_BIRTH", key


# ---------------------------------------------------------------- record level
def _row(i: int, user: str, args: dict | None = None) -> dict:
    parts: list[dict] = [{"role": "user", "parts": [{"type": "text", "content": user}]}]
    if args is not None:
        call = {"type": "tool_call", "id": "t1", "name": "verify_identity", "arguments": json.dumps(args)}
        parts.append({"role": "assistant", "parts": [call]})
    return {
        "record_id": f"d{i}", "day": "2026-02-02", "source_format": "generic", "source_file": "d.jsonl",
        "source_line": i + 1, "source_index": 0, "status": "ok", "input_messages": json.dumps(parts),
        "output_messages": None, "system_instructions": None, "error_message": None, "metadata": None,
    }  # fmt: skip


def test_scrub_table_masks_documents_postcodes_and_birth_dates_in_records() -> None:
    args = {"document_type": "passport", "number": "XK4410873", "order_id": "48213"}
    user = (
        "Hi, 618204773 is my passport number. My zip is 30309 and I was born 03/27/1985. "
        "Order 48213 was delivered on 12.03.2025."
    )
    res = scrub_table(pd.DataFrame([_row(0, user, args)]), processes=1, scrubber=Scrubber(key="h12c-docs"))
    out = res.scrubbed.to_dict("records")[0]["input_messages"]
    for value in ("618204773", "30309", "03/27/1985", "XK4410873"):
        assert value not in out, value
    for kept in ("Order 48213", "12.03.2025", '\\"order_id\\": \\"48213\\"'):
        assert kept in out, kept
