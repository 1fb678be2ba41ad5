"""Street addresses by structure, in the forms of every log language, not by one generator's templates.

An address is found from one of three anchors and then extended over what follows it:
- a street: house number + street-type word (en-US/UK/AU/IN "12 Rosebank Close", "Unit 5/12 Smith
  St"), or street-type word + number (de "Lindenstraße 4a", "Am Markt 3", nl "Prinsengracht 263-1",
  fr "12 bis rue des Acacias", es "C/ de Mallorca 401, 3º 2ª", it "Via Roma 12", pt "Rua Augusta 10"),
  Japanese prefecture/city/chome forms ("東京都港区六本木6-10-1");
- an address context ("ship to / deliver to / my address is / I moved to / I live at / Adresse: /
  dirección: / 住所"): the clause that follows, when it holds a digit;
- a postcode of a distinctive shape (UK "SW1A 1AA", NL "1017 CT", CA "K1A 0B1", JP "〒106-0032").
The extension takes ", [postcode] City", ", City, ST 12345", state / country names, on the same
line or the next one (multi-line postal blocks).
"""

from __future__ import annotations

import re

from evalpipe.pii.identifiers import Hit

_W = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ſ'’.-]"
_CAPW = r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ſ'’-]*|\d{1,3}(?:st|nd|rd|th)\b)"
_NUM = r"\d{1,5}(?:\s?[A-Za-z](?![A-Za-z]))?(?:[/-]\d{1,4}[A-Za-z]?)?"
_EN_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Drive|Dr|Close|Cl|Crescent|Cres|Grove|Gr|Gardens|Gdns|Terrace|Tce|"
    r"Place|Pl|Way|Court|Ct|Square|Sq|Parade|Pde|Highway|Hwy|Boulevard|Blvd|Mews|Row|Walk|Hill|Park|Parkway|Pkwy|"
    r"Circle|Cir|Trail|Trl|Path|Alley|Wharf|Quay|Esplanade|Esp|Rise|View|Vale|Green|Heights|Hts|Broadway|"
    r"Marg|Nagar|Cross|Main|Layout|Colony|Chowk|Bagh|Peth|Salai"
)
_UNIT = r"(?:(?:Flat|Apt|Apartment|Unit|Suite|Ste|Level|Floor|Fl|Room|Shop|House|Plot|No\.?|#)\s*\d+[A-Za-z]?[,/]?\s*)"
_STREETS: list[tuple[str, re.Pattern[str]]] = [
    ("en", re.compile(
        r"(?<![\w-])" + _UNIT + r"?" + _NUM + r",?\s+(?:" + _CAPW + r"\s+){0,4}?(?:" + _CAPW + r")\s+(?:" + _EN_TYPES +
        r")\b\.?(?:\s+(?:North|South|East|West|N|S|E|W|NE|NW|SE|SW)\b)?")),
    ("en_unit", re.compile(r"(?<![\w-])(?:Flat|Apt|Apartment|Unit|Suite)\s*\d+[A-Za-z]?,\s+" + _CAPW + r"(?:\s+" + _CAPW + r"){0,3}")),
    ("in_sector", re.compile(r"\b(?:Sector|Block|Phase|Plot)\s+\d{1,3}[A-Z]?\b")),
    ("de_nl", re.compile(
        r"(?<![\w-])(?:[A-ZÄÖÜ][a-zäöüßéè]+[- ])*[A-ZÄÖÜ][a-zäöüßéèA-Z-]*?"
        r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt|"
        r"straat|laan|plein|gracht|kade|singel|dijk|hof|steeg|dreef|park|Straße|Strasse|Weg|Platz|Allee|Gasse|"
        r"Ring|Damm)\s+\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:[-/]\d{1,4}[a-zA-Z]?)?\b"
        r"|(?<![\w-])[A-ZÄÖÜ][a-zäöüß]+\s(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee|Markt|Steig)"
        r"\s+\d{1,4}(?:\s?[a-z](?![a-z]))?\b")),
    ("de_prep", re.compile(
        r"(?<![\w-])(?:Am|An der|An den|Auf der|Im|In der|Unter den|Zum|Zur)\s+[A-ZÄÖÜ][a-zäöüß]+(?:\s[A-ZÄÖÜ][a-zäöüß]+)?\s+\d{1,4}[a-z]?\b")),
    ("fr", re.compile(
        r"(?i:(?<![\w-])\d{1,4}(?:\s?(?:bis|ter|b))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|pl\.|chemin|ch\.|allée|impasse|"
        r"quai|route|rte|cours|square|passage|voie|faubourg|fg|chaussée|rond-point|cité|résidence|sentier|montée))"
        r"\s+(?:(?:de|du|des|la|le|les|l'|l’|d'|d’|aux?|saint|sainte)\s*)*" + _CAPW +
        r"(?:[\s-]+(?:(?:de|du|des|la|le|les|l'|l’|d'|d’|aux?)\s*)*" + _CAPW + r"){0,3}")),
    ("es_it_pt", re.compile(
        r"(?<![\w-])(?:Calle|C/|c/|Avenida|Avda\.?|Av\.|Plaza|Pza\.?|Paseo|Pº|Camino|Carrera|Ronda|Travesía|Carretera|"
        r"Ctra\.?|Rúa|Carrer|Passeig|Gran Vía|Via|Viale|Piazza|Corso|Vicolo|Largo|Rua|Avenida|Praça|Travessa|Estrada|"
        r"Alameda)\s+(?:(?:de|del|la|las|los|el|d'|della|delle|dei|degli|di|da|do|dos|das)\s+)*" + _CAPW +
        r"(?:\s+(?:(?:de|del|la|las|los|el|y|della|di|da|do|dos|das|e)\s+)*" + _CAPW + r"){0,3}"
        r",?\s*(?:n[º°o]\.?\s*)?\d{1,4}[A-Za-z]?(?:,?\s*\d{1,2}\s?[º°ª]\s?(?:\d{1,2}\s?[º°ª]|[A-Za-z]\b|(?:izq|dcha|izda)\.?)?)?")),
    ("ja", re.compile(
        r"(?:〒\s?\d{3}[-－]?\d{4}\s*)?[\u4e00-\u9fff]{1,4}(?:都|道|府|県)[\u4e00-\u9fff\u3040-\u30ff]{1,12}?(?:市|区|郡|町|村)"
        r"[\u4e00-\u9fff\u3040-\u30ff]{0,12}?[0-9０-９一二三四五六七八九十]+(?:[-－ー−丁目番地号の]+[0-9０-９一二三四五六七八九十]*)+")),
]  # fmt: skip
_POSTCODES: list[tuple[str, re.Pattern[str]]] = [
    (
        "uk",
        re.compile(
            r"(?<![A-Za-z0-9])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])"
        ),
    ),
    ("nl", re.compile(r"(?<![\w-])[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}(?=\s+[A-Z][a-z])")),
    (
        "ca",
        re.compile(
            r"(?<![A-Za-z0-9])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d(?![A-Za-z0-9])"
        ),
    ),
    ("jp", re.compile(r"〒\s?\d{3}[-－]\d{4}")),
]
_CONTEXT = re.compile(
    r"(?i:ship(?:ping)?(?: it)? to|deliver(?:y)?(?: it)? to|send (?:it|the \w+|them)? ?to|mail (?:it )?to|"
    r"my (?:new |home |billing |shipping |delivery |postal )?address(?: is)?|new address(?: is)?|"
    r"(?:billing|shipping|delivery|postal|home|street|mailing) address|address|addr\.?|i moved to|we moved to|"
    r"moved to|i live at|i live in|we live at|located at|i'm at|lives at|residing at|"
    r"lieferadresse|rechnungsadresse|anschrift|adresse|wohne in|wohne jetzt in|umgezogen nach|"
    r"dirección|direccion|domicilio|envíen?(?:lo)? a|enviad(?:lo)? a|vivo en|me mudé a|"
    r"adresse de livraison|mon adresse|livrer (?:au|à)|livraison à|j'habite|"
    r"adres|bezorgadres|woonadres|ik woon|verhuisd naar|indirizzo|abito in|endereço|moro em|住所|配送先|地址)"
    r"(?:\s*(?:is|ist|est|es|è|é|lautet|:|=|-))?[ \t:]*\"?"
)
_CLAUSE = re.compile(
    r"[^\n.;!?()\"]{4,110}?(?=\s*(?:[.;!?)\"](?:\s|$)|\n\n|\n(?![A-Z0-9〒])|$|\b(?:and|please|thanks|und|bitte|et|merci|y|gracias|por favor)\b))"
)
_AFTER = re.compile(
    r"(?:,?[ \t]*(?:\r?\n[ \t]*)?(?:"
    r"\d{4,5}(?:-\d{3,4})?[ \t]+" + _CAPW + r"(?:[ \t-]" + _CAPW + r"){0,2}|"  # 10115 Berlin, 1100-053 Lisboa
    r"[1-9]\d{3} ?[A-Z]{2}[ \t]+" + _CAPW + r"(?:[ \t]" + _CAPW + r")?|"  # 1017 CT Amsterdam
    r"(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})|"  # SW1A 1AA
    r"[A-Z]{2,3}[ \t]+\d{4,5}(?:-\d{4})?|"  # TX 78701, VIC 3065
    r"\d{6}|"  # Indian PIN
    r"\d{4,5}(?=[\s,.;)]|$)|"  # a bare postcode after "Paddington QLD"
    r"(?:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|piso|Piso|étage|Stock|Etage|Bus|bus)\.?[ \t]*#?\w{1,5}|"
    r"\d{1,2}[ \t]?[º°ª][ \t]?\w{0,2}|"
    r"(?!(?:and|und|et|y|please|thanks|Thanks|Please|Bitte|Merci|Gracias)\b)"
    + _CAPW
    + r"(?:[ \t]"
    + _CAPW
    + r"){0,2}"
    r"))"
)
_STOP = re.compile(
    r"(?i)^(?:and|but|or|please|thanks|thank|und|bitte|danke|et|merci|y|por|gracias|my|mein|mon|mi|the|i)$"
)


def _extend(text: str, end: int, max_parts: int = 5) -> int:
    """Consume ', postcode City', ', City, ST 12345', unit / floor parts after an address anchor."""
    for _ in range(max_parts):
        m = _AFTER.match(text, end)
        if not m or m.end() == end:
            break
        part = m.group().strip(" ,\t\r\n")
        first = part.split()[0] if part.split() else ""
        if _STOP.match(first) and not (first.isupper() and re.search(r"\d", part)):
            break  # "and", "please"... but "OR 97201" is Oregon
        if "\n" in m.group() and not re.search(r"\d", part):
            break  # a new line of words only is a new sentence, not a city line
        if not m.group().lstrip(" \t").startswith((",", "\n", "\r")) and not re.match(r"\s+\d", m.group()):
            # without a comma only postcodes / units continue the address ("Berlin 10115")
            if not re.search(r"\d", part):
                break
        end = m.end()
    return end


def find_addresses(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for rule, rx in _STREETS:
        for m in rx.finditer(text):
            end = _extend(text, m.end())
            hits.append(Hit(m.start(), end, "STREET_ADDRESS", 0.85, "address_" + rule))
    for rule, rx in _POSTCODES:
        for m in rx.finditer(text):
            if rule == "uk" and not re.search(r"\d[A-Z]{2}$", m.group().replace(" ", "")):
                continue
            hits.append(Hit(m.start(), _extend(text, m.end(), 2), "STREET_ADDRESS", 0.8, "postcode_" + rule))
    for m in _CONTEXT.finditer(text):
        c = _CLAUSE.match(text, m.end())
        if not c:
            continue
        value = c.group()
        if not re.search(r"\d", value) or "@" in value or "<" in value:
            continue
        if re.fullmatch(r"[\d\s:./-]+", value.strip()):
            continue  # a time or a number alone
        words = re.findall(r"[^\W\d_]+", value)
        if not words:
            continue
        hits.append(Hit(c.start(), _extend(text, c.end(), 3), "STREET_ADDRESS", 0.75, "address_context"))
    return hits
