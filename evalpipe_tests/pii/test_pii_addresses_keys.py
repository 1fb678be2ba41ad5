"""Issue 12, addresses and field-aware scrubbing: street shapes per country, postcodes where they stand
in an address, towns and people under JSON keys, and what must stay (towns outside addresses, software
under role-like keys).

Every value here is made up for this file; none is taken from a benchmark corpus.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evalpipe.pii import Scrubber, scrub_table
from evalpipe.pii.addresses import find_addresses
from evalpipe.pii.keys import key_entity, keyed_entity, keyed_score
from evalpipe_tests.pii.rows import canonical_row


def covered(text: str, value: str, hits) -> bool:
    s = text.index(value)
    e = s + len(value)
    return all(any(h.start <= i < h.end for h in hits) or text[i].isspace() for i in range(s, e))


# ------------------------------------------------------------------ street shapes
@pytest.mark.parametrize(
    "text,value",
    [
        # US: USPS suffixes, also the ones that are ordinary nouns when the address goes on
        ("please ship it to 3318 Quarry Pike, Dunmore, PA 18512 asap", "3318 Quarry Pike, Dunmore, PA 18512"),
        ("it goes to 27 Osprey Landing Ste 4, then the porch", "27 Osprey Landing Ste 4"),
        ("new one: 918 Tallow Mills Apt 12, Brisco, OR 97301", "918 Tallow Mills Apt 12, Brisco, OR 97301"),
        ("I'm now at 61 Fennick Islands, Port Arvel, ME 04011.", "61 Fennick Islands, Port Arvel, ME 04011"),
        ("deliver to 402 W. Harlan Blvd., Suite 300", "402 W. Harlan Blvd., Suite 300"),
        # town + state + ZIP whatever the street is called
        ("my place is 77 Corvin Brae, Lake Ostin, MN 55387 now", "77 Corvin Brae, Lake Ostin, MN 55387"),
        # Australia: "St." towns, state + 4-digit postcode
        ("send it to 14 Quandong St, St. Alvin NSW 2754 thanks", "14 Quandong St, St. Alvin NSW 2754"),
        ("my new address is 3/27 Wattle Rd, Mount Orrin QLD 4350", "3/27 Wattle Rd, Mount Orrin QLD 4350"),
        # Poland: ul. / al. / os. + NN-NNN town
        ("proszę wysłać na ul. Jaśminowa 14/3, 31-402 Kraków", "ul. Jaśminowa 14/3, 31-402 Kraków"),
        ("adres: al. Zielona 7, 80-219 Gdańsk", "al. Zielona 7, 80-219 Gdańsk"),
        ("teraz mieszkam os. Słoneczne 12 m. 4", "os. Słoneczne 12 m. 4"),
        # India: house / flat numbers, Nagar / Marg, PIN after a dash
        (
            "send to H.No. 12-4, Lakshmi Residency, Tilak Marg, Nashik - 422001 please",
            "H.No. 12-4, Lakshmi Residency, Tilak Marg, Nashik - 422001",
        ),
        (
            "courier to House No. 58, Shanti Nagar, Kota - 324005",
            "House No. 58, Shanti Nagar, Kota - 324005",
        ),
        # Netherlands: -pad / -baan / -boulevard, postcode with one or two spaces
        ("stuur het naar Reigerpad 19B, 7421  XK Deventer", "Reigerpad 19B, 7421  XK Deventer"),
        ("nieuw adres Zuiderbaan 204, 2811 KM Reeuwijk", "Zuiderbaan 204, 2811 KM Reeuwijk"),
        # European postcode + town after a comma takes the street along, whatever its street word
        ("graag naar Korenmarkt Oost 9, 9000 Gent sturen", "Korenmarkt Oost 9, 9000 Gent"),
        ("envoyez à Clos Mirabel 3, 1950 Kraainem", "Clos Mirabel 3, 1950 Kraainem"),
        # Germany, France, Spain, UK, Japan (regression: these worked and must keep working)
        ("Lieferadresse: Ahornstraße 31, 04109 Leipzig", "Ahornstraße 31, 04109 Leipzig"),
        ("livrez au 18 rue des Glycines, 69003 Lyon", "18 rue des Glycines, 69003 Lyon"),
        ("envíenlo a Avda. de Burgos 52, 3º A, 28036 Madrid", "Avda. de Burgos 52, 3º A, 28036 Madrid"),
        ("post it to 9 Hazel Mews, Leeds LS6 2QT", "9 Hazel Mews, Leeds LS6 2QT"),
        ("〒530-0001 大阪府大阪市北区梅田3-1-1 までお願いします", "〒530-0001 大阪府大阪市北区梅田3-1-1"),
        ("配送先を中央区銀座4丁目2番7号に変更", "中央区銀座4丁目2番7号"),  # no prefecture
        ("post it to Flat 3 Rosewood Court, Hove BN3 2AB", "Flat 3 Rosewood Court, Hove BN3 2AB"),
        ("mail it to PO Box 4417, Hobart TAS 7001", "PO Box 4417, Hobart TAS 7001"),
        ("Postfach 10 12 34, 80331 München", "Postfach 10 12 34, 80331 München"),
        ("écrivez à BP 52, 75008 Paris", "BP 52, 75008 Paris"),
        # more countries: Nordic compounds and postcodes, Irish Eircode, Turkish, Russian, Chinese, Korean
        ("skicka till Lingonvägen 8, 413 27 Göteborg tack", "Lingonvägen 8, 413 27 Göteborg"),
        ("lever til Birkevej 14, 8000 Aarhus C", "Birkevej 14, 8000 Aarhus C"),
        ("send to 17 Larch Grove, Dublin 6, D06 K2P9 please", "17 Larch Grove, Dublin 6, D06 K2P9"),
        ("adresim Menekşe Sokak No: 9/2, 35220 İzmir", "Menekşe Sokak No: 9/2, 35220 İzmir"),
        ("доставка: ул. Садовая, д. 17, кв. 4, Казань", "ул. Садовая, д. 17, кв. 4, Казань"),
        ("请寄到杭州市西湖区文三路478号5楼", "杭州市西湖区文三路478号5楼"),
        ("배송지는 부산시 해운대구 센텀로 45-2 입니다", "부산시 해운대구 센텀로 45-2"),
        ("küldje: Rózsa utca 12., 1052 Budapest", "Rózsa utca 12., 1052 Budapest"),
        (
            "trimiteți la Str. Teilor nr. 14, bl. A2, ap. 7, Brașov",
            "Str. Teilor nr. 14, bl. A2, ap. 7, Brașov",
        ),
        ("kirim ke Jl. Melati Raya No. 5, Bandung", "Jl. Melati Raya No. 5, Bandung"),
        ("envíelo a Carrera 9 # 41-17, Medellín", "Carrera 9 # 41-17, Medellín"),
        ("lähetä Koivukuja 4 B, 00510 Helsinki", "Koivukuja 4 B, 00510 Helsinki"),
        ("pošlete na Lipová 12, 110 00 Praha", "Lipová 12, 110 00 Praha"),
        ("ship to 5 Shanti Vihar, Delhi 110092", "5 Shanti Vihar, Delhi 110092"),
    ],
)
def test_address_shapes(text, value):
    hits = find_addresses(text)
    assert covered(text, value, hits), [text[h.start : h.end] for h in hits]


@pytest.mark.parametrize(
    "text",
    [
        "We rotated 3 API Keys yesterday and 2 Access Keys today.",
        "User ID 12345 and Account ID 99881 failed to sync",
        "Notepad 2 crashed after the update, Touchpad 3 too",
        "Windows NT 4000 errors in the event log",
        "see pages 12-345 Summary of the manual",
        "the meeting is in our Berlin office on Monday",
        "we added 4 Data Points to the chart",
        "version 4 Road map",
        "Größe 2, 1000 Stück auf Lager",
        "Q3, 2024 Results are in",
        "the Stargate 3 trailer and 地铁12号线 delays",
        "the BP 2024 report and Unit 4 Review are due",
        "Necktie 2 sold out, Supernova 3 and Casanova 2 tickets too",
        "Calle 5 is closed; see No. 5 - 10 items; Version 2 nr. 3",
    ],
)
def test_address_near_misses(text):
    assert [text[h.start : h.end] for h in find_addresses(text)] == []


# ------------------------------------------------------------------ JSON keys
@pytest.mark.parametrize(
    "key,value,entity",
    [
        # towns and postcodes under their keys, in the logs' languages
        ("city", "Thornbury", "STREET_ADDRESS"),
        ("shipping_city", "Port Arvel", "STREET_ADDRESS"),
        ("Stadt", "Bad Mergenthal", "STREET_ADDRESS"),
        ("woonplaats", "Oosterwolde", "STREET_ADDRESS"),
        ("ciudad", "Villanueva del Río", "STREET_ADDRESS"),
        ("ville", "Saint-Aubin-sur-Loire", "STREET_ADDRESS"),
        ("miasto", "Łowicz", "STREET_ADDRESS"),
        ("town", "Hubli–Dharwad", "STREET_ADDRESS"),
        ("postcode", "7421  XK", "STREET_ADDRESS"),
        ("PLZ", "04109", "STREET_ADDRESS"),
        ("kod_pocztowy", "31-402", "STREET_ADDRESS"),
        ("house_number", "19B", "STREET_ADDRESS"),
        ("addressLine1", "Reigerpad 19B", "STREET_ADDRESS"),
        ("address_lines", "Flat 2, 9 Hazel Mews", "STREET_ADDRESS"),
        ("street", "Kurfürstendamm", "STREET_ADDRESS"),
        # people in a role
        ("manager", "Orla Kavanagh", "PERSON"),
        ("manager", "健一 石田", "PERSON"),
        ("line_manager", "Tobias Brenner", "PERSON"),
        ("supervisor", "tobias brenner", "PERSON"),
        ("emergency_contact", "Nadia Haddad", "PERSON"),
        ("emergencyContactName", "Nadia Haddad", "PERSON"),
        ("contact_person", "Eva Lindqvist", "PERSON"),
        ("hr_contact", "Greta", "PERSON"),
        ("Ansprechpartner", "Jürgen Weißmann", "PERSON"),
        ("persona_de_contacto", "Lucía Ferrer", "PERSON"),
        ("contactpersoon", "Daan de Wit", "PERSON"),
        ("referente", "Chiara Bassi", "PERSON"),
        ("account_holder", "Orla Kavanagh", "PERSON"),
        ("assignee", "Tobias Brenner", "PERSON"),
    ],
)
def test_keys_that_make_pii(key, value, entity):
    assert keyed_entity(key, value) == entity


@pytest.mark.parametrize(
    "key,value",
    [
        ("package_manager", "npm"),
        ("password_manager", "Bitwarden"),
        ("manager", "Finance"),  # one capitalised word that is not a first name: a team
        ("client", "Microsoft Teams"),
        ("handler", "OrderService"),
        ("reviewer", "qa team"),
        ("manager", "npm registry"),
        ("user_agent", "Mozilla/5.0 (X11; Linux x86_64)"),
        ("city", "unknown"),
        ("city", "n/a"),
        ("office", "our Berlin office"),
        ("carrier", "Colissimo"),
        ("address", "verified"),
        ("address", "home"),
        ("max_tokens", "512"),
    ],
)
def test_keys_that_do_not_make_pii(key, value):
    assert keyed_entity(key, value) is None


def test_key_spellings_read_alike():
    assert (
        key_entity("emergency_contact") == key_entity("EmergencyContact") == key_entity("emergency-contact")
    )
    assert key_entity("billing_city") == key_entity("billingCity") == "LOCALITY?"


def test_a_town_under_its_key_is_below_the_sweep_threshold():
    assert keyed_score("city") < 0.85 <= keyed_score("street")
    assert keyed_score("manager") >= 0.85


# ------------------------------------------------------------------ record level
@pytest.fixture(scope="module")
def scrubber():
    return Scrubber(key="issue-12-addr-key")


def _row(i: int, user: str, args: dict | None = None, result: dict | None = None) -> dict:
    return canonical_row(i, user, args, result, prefix="a", tool="ship")


def test_town_and_people_under_keys_masked_and_town_elsewhere_kept(scrubber):
    args = {"recipient_name": "Orla Kavanagh", "street": "14 Quandong St", "postcode": "2754",
            "city": "New Harwick", "order_ref": "INV-20931"}  # fmt: skip
    result = {"manager": "Tobias Brenner", "emergency_contact": "Nadia Haddad", "carrier": "Colissimo",
              "office": "our New Harwick office"}  # fmt: skip
    rows = [
        _row(0, "please update the shipping address", args, result),
        _row(1, "Is the New Harwick office open on Saturday?"),
    ]
    res = scrub_table(pd.DataFrame(rows), processes=1, scrubber=scrubber.with_options())
    out = res.scrubbed.to_dict("records")
    parts = json.loads(out[0]["input_messages"])
    new_args = json.loads(parts[1]["parts"][0]["arguments"])
    new_result = json.loads(parts[2]["parts"][0]["response"])
    for k in ("recipient_name", "street", "postcode", "city"):
        assert new_args[k].startswith("<") and new_args[k] != args[k], k
    assert new_args["order_ref"] == "INV-20931"
    assert new_result["manager"].startswith("<PERSON_") and new_result["emergency_contact"].startswith(
        "<PERSON_"
    )
    assert new_result["carrier"] == "Colissimo"
    # the town was masked under its key but not swept into ordinary text of the partition
    assert "New Harwick office open" in out[1]["input_messages"]
    inv = res.inventory.set_index("value")
    assert not inv.loc["New Harwick", "propagated"]
