"""Structured identifiers found by the libraries and checksums made for them, not by log-shaped regexes.

- Phones: Google's `phonenumbers` (`PhoneNumberMatcher`, leniency VALID) over the regions the text's
  language suggests plus a default set; E.164 (`+CC`) numbers are found under any region.  A cheap
  digit-run pre-filter decides where the matcher runs, so text without numbers costs nothing.
- Cards and IBANs: every kind of whitespace (incl. NBSP / narrow NBSP), dots, dashes and " - "
  between groups is normalised away, then Luhn + IIN range (cards) or length + mod-97 (IBANs, any
  case) decides.  A Luhn-valid number outside the brand table still counts next to a card word.
- National identifiers: US SSN (area/group/serial rules; without dashes only next to an SSN word),
  UK National Insurance (prefix rules), Spanish DNI/NIE (check letter), Dutch BSN (11-proof, in
  context), Indian PAN / Aadhaar (in context), passports and driving licences (in context), dates
  of birth (in context), MAC addresses.
- E-mails: plain, obfuscated ("name [at] domain [dot] com") and URL-encoded (`name%40domain.com`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from evalpipe.pii.validators import IBAN_LENGTHS, card_brand, iban_ok, luhn_ok


class Hit(NamedTuple):
    start: int
    end: int
    entity: str
    score: float
    rule: str


# ---------------------------------------------------------------- separators
# Everything people (and copy-paste) put between digit groups.
_SEP = r"[ \t\u00a0\u202f\u2009\u2007.\-\u2010\u2011\u2012\u2013\u2014/]"
_SEP_RUN = _SEP + r"{1,3}"

# ---------------------------------------------------------------- cards
_CARD_RUN = re.compile(r"(?<!\d)\d(?:" + _SEP + r"{0,3}\d){11,22}(?!\d)")
_CARD_WORDS = re.compile(
    r"(?i)card|karte|tarjeta|carte|carta|kaart|cartão|visa|master|amex|rupay|mir\b|troy|maestro|"
    r"discover|jcb|unionpay|diners|cc\b|pan\b|cvv|expir|ablauf|caducidad"
)


def find_cards(text: str) -> list[Hit]:
    """Digit runs (any separators, glued to letters or not) holding a Luhn-valid 12-19 digit card."""
    hits: list[Hit] = []
    for m in _CARD_RUN.finditer(text):
        run = m.group()
        groups = [(g.start() + m.start(), g.end() + m.start(), g.group()) for g in re.finditer(r"\d+", run)]
        i = 0
        while i < len(groups):
            best = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 19:
                    break
                if len(digits) >= 12 and luhn_ok(digits):
                    if card_brand(digits) or (len(digits) >= 13 and _near(_CARD_WORDS, text, groups[i][0])):
                        best = j
            if best is None:
                i += 1
                continue
            hits.append(Hit(groups[i][0], groups[best][1], "CREDIT_CARD", 1.0, "card_luhn"))
            i = best + 1
    return hits


def _near(rx: re.Pattern[str], text: str, pos: int, before: int = 40, after: int = 0) -> bool:
    return rx.search(text, max(0, pos - before), min(len(text), pos + after) if after else pos) is not None


# ---------------------------------------------------------------- IBAN
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})")
_IBAN_SEP = frozenset(" \t\u00a0\u202f\u2009.-\u2013")


def find_ibans(text: str) -> list[Hit]:
    """IBANs in any case, with any separators; length from the country table, then mod-97."""
    hits: list[Hit] = []
    pos = 0
    n_text = len(text)
    for m in _IBAN_START.finditer(text):
        if m.start() < pos:
            continue
        cc = m.group(1).upper()
        need = IBAN_LENGTHS.get(cc)
        if need is None:
            continue
        chars = [cc, m.group(2)]
        n = 4
        i = end = m.end()
        while n < need and i < n_text:
            c = text[i]
            if c in _IBAN_SEP:
                j = i
                while j < n_text and j - i < 3 and text[j] in _IBAN_SEP:
                    j += 1
                if j < n_text and text[j].isalnum() and text[j].isascii():
                    i = j
                    continue
                break
            if c.isascii() and c.isalnum():
                chars.append(c.upper())
                n += 1
                i += 1
                end = i
                continue
            break
        if n != need:
            continue
        if end < n_text and text[end].isdigit():
            continue
        if iban_ok("".join(chars)):
            hits.append(Hit(m.start(), end, "IBAN_CODE", 1.0, "iban_mod97"))
            pos = end
    return hits


# ---------------------------------------------------------------- phones
_PHONE_CAND = re.compile(r"(?:\+|\b00|\()?\d[\d \t\u00a0\u202f().\-/]{5,22}\d")
_PHONE_CONTEXT = re.compile(
    r"(?i)phone|tel\b|tel\.|telf|mobile|mobil|cell|call|ring|text me|sms|whatsapp|signal|number|nummer|"
    r"número|numero|numéro|nr\b|no\.|teléfono|telefono|telefone|telefoon|téléphone|móvil|movil|"
    r"handy|telefon|anrufen|rufen|erreichbar|portable|appel|joindre|contact|fax|reach|dial|hotline|"
    r"llam|bel |bellen|ligar|chiamar|cellulare|komórk|komork|zadzwo|\bsms\b|\botp\b|\bcodes?\b|texto|電話|携帯|телефон|هاتف|फ़ोन|फोन"
)
_NOT_PHONE_CONTEXT = re.compile(
    r"(?i)(?:ticket|order|invoice|ref(?:erence)?|id|case|account|acct|tracking|serial|po|sku|item|"
    r"bestellung|rechnung|kundennummer|pedido|factura|commande|facture|bestelling|factuur)\s*(?:no\.?|nr\.?|number|#)?\s*[:#]?\s*$"
)
# Tried after the language's regions: the countries whose users write to an English-language desk
# most often.  A national number has no country code, so each region's plan is a candidate; a
# region only adds matches where its numbering plan says the digits are a valid number.
DEFAULT_REGIONS: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "ES", "NL", "IT", "IN", "AU", "PL", "JP",
    "BR", "MX", "PT", "BE", "AT", "CH", "IE", "SE", "TR", "KR", "NZ", "ZA", "SG",
)  # fmt: skip
LANG_REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "IN", "AU", "IE"),  # CA shares the US plan
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH", "CA"),
    "es": ("ES", "MX", "AR", "CO", "CL"),
    "nl": ("NL", "BE"),
    "it": ("IT", "CH"),
    "pt": ("PT", "BR"),
    "ja": ("JP",),
    "zh": ("CN", "TW", "HK"),
    "ko": ("KR",),
    "ru": ("RU",),
    "ar": ("SA", "AE", "EG"),
    "hi": ("IN",),
    "pl": ("PL",),
    "tr": ("TR",),
    "sv": ("SE",),
}
# Words in the text that name the caller's country (the language alone says little for English).
_COUNTRY_CUES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx, re.IGNORECASE), region)
    for rx, region in (
        (r"\b(?:poland|polska|polski|wew\.)", "PL"), (r"\b(?:brazil|brasil)\b", "BR"), (r"\b(?:mexico|méxico)\b", "MX"),
        (r"\b(?:japan|tokyo|osaka)\b|[ぁ-んァ-ン]", "JP"), (r"\b(?:canada|toronto|montreal|vancouver)\b", "CA"),
        (r"\b(?:australia|sydney|melbourne)\b", "AU"), (r"\b(?:india|mumbai|delhi|bangalore)\b", "IN"),
        (r"\b(?:türkiye|turkey|istanbul)\b", "TR"), (r"\b(?:sweden|sverige|stockholm)\b", "SE"),
        (r"\b(?:korea|seoul)\b|[가-힣]", "KR"), (r"\b(?:ireland|dublin)\b", "IE"),
    )
)  # fmt: skip


def regions_in_text(text: str) -> tuple[str, ...]:
    """Regions named by the text itself (country, big city, script), tried before the defaults."""
    return tuple(region for rx, region in _COUNTRY_CUES if rx.search(text))


# Extension markers in the logs' languages: "x204", "ext. 12", glued "ext1234", "int." / "interno"
# (es/it/pt), "wew." (pl), "toestel" / "tst." (nl), "poste" (fr), "Durchwahl" / "DW" (de),
# "anexo" / "ramal" (pt/es), "доб." (ru), "内線" (ja), "#".
_EXT = re.compile(
    r"[ \t\u00a0,;]{0,2}(?:x|ext\.?|extn\.?|extension|int\.?|interno|wew\.?|wewn\.?|toestel|tst\.?|"
    r"poste|durchwahl|dw\.?|anexo|ramal|доб\.?|内線|#)[ \t\u00a0:]{0,2}\d{1,6}(?!\d)",
    re.IGNORECASE,
)


def regions_for(lang: str | None, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Regions to parse national numbers under: hinted ones first, then the default set."""
    out = list(extra) + list(LANG_REGIONS.get(lang or "", ())) + list(DEFAULT_REGIONS)
    return tuple(dict.fromkeys(r.upper() for r in out if r))


@lru_cache(maxsize=1)
def _phonenumbers():
    import phonenumbers

    return phonenumbers


def find_phones(text: str, regions: tuple[str, ...] | None = None) -> list[Hit]:
    """Valid numbers per `phonenumbers` in the hinted regions; a trailing extension is consumed.

    A bare digit string without separators or '+' ("4155550123") is only a phone next to a phone
    word: otherwise order and account numbers that happen to be valid numbers would be masked.
    Candidates come from a cheap digit-run regex; `phonenumbers.parse` + `is_valid_number` decide
    (the full `PhoneNumberMatcher` over every region cost ~10 ms per text).
    """
    if sum(c.isdigit() for c in text) < 7:
        return []
    pn = _phonenumbers()
    regions = regions or regions_for(None)
    named = regions_in_text(text)
    if named:
        regions = tuple(dict.fromkeys(named + regions))
    hits: list[Hit] = []
    for cand in _PHONE_CAND.finditer(text):
        raw = cand.group().rstrip(" .-/(")
        s = cand.start()
        if raw.startswith("(") and ")" not in raw:
            raw, s = raw[1:], s + 1
        digits = sum(c.isdigit() for c in raw)
        if not 7 <= digits <= 17:
            continue
        e = s + len(raw)
        ext = _EXT.match(text, e)
        if _looks_like_version_or_date(text, s, e) or _glued(text, s, e) and not ext:
            continue
        intl = raw.startswith(("+", "00"))
        bare = raw.isdigit()
        cued = False
        if not intl and not raw.startswith("("):
            if _near(_NOT_PHONE_CONTEXT, text, s, 16):
                continue  # "ticket 2024 1234", "order #48213977"
            short = digits < 9 and not raw.startswith("0")
            # A national number written with its trunk prefix ("0412364745", "015123345772") is a
            # phone shape of its own; order and account numbers rarely start with 0.  Other bare
            # digit strings need a phone word nearby.
            trunk = bare and raw.startswith("0") and 10 <= digits <= 12
            cued = _near(_PHONE_CONTEXT, text, s, 50) or _PHONE_CONTEXT.search(text, e, e + 25) is not None
            if (bare and not trunk or short) and not cued:
                continue  # "4155550123" alone may be an order number; "4155550123 (mobile)" is not
        probe = "+" + raw[2:].lstrip(" .-") if raw.startswith("00") else raw
        number = _parse_valid(pn, probe, (regions[0],) if intl else regions, possible=intl)
        if number is None:
            continue
        if ext:
            e = ext.end()
        # a bare number next to a phone word is as sure as a formatted one (and may be swept)
        score = 0.85 if bare and cued else 0.8 if bare else 0.9
        hits.append(Hit(s, e, "PHONE_NUMBER", score, "phonenumbers"))
    return hits


def phone_variants(value: str) -> tuple[str, ...]:
    """Other ways the same number is written bare: all digits, national number, with trunk 0.

    A number found once as "+48 512 450 597" is the same phone when the next message says
    "It's 512450597"; the partition sweep replaces these forms too.  Extensions are dropped;
    forms under 8 digits are not returned (too likely to be something else).
    """
    main = _EXT.sub("", value).strip()
    digits = "".join(c for c in main if c.isdigit())
    if not main.startswith(("+", "00")):  # national form: bare digits, with and without trunk 0
        out = {digits, digits[1:] if digits.startswith("0") else "0" + digits}
    else:
        pn = _phonenumbers()
        try:
            nsn = pn.national_significant_number(
                pn.parse("+" + digits[2:] if main.startswith("00") else main)
            )
        except pn.NumberParseException:
            return ()
        out = {digits, nsn, "0" + nsn}
    return tuple(sorted(v for v in out if len(v) >= 8 and v != value))


def _glued(text: str, s: int, e: int) -> bool:
    """Part of a longer token: 'INV-20240311', 'v2.1.0-12345678', hex ids."""
    before = text[s - 1] if s > 0 else " "
    after = text[e] if e < len(text) else " "
    if before == "-" and s >= 2 and text[s - 2].isalnum():
        return True  # "ORD-2019-55749"
    if after in ":_" or before in ":_#/=" or re.match(r"(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}", text[s:e]):
        return True  # times "2024-05-17 14:30", ISO dates, paths
    return before.isalnum() or after.isalnum() and after not in "xX"


def _parse_valid(pn, raw: str, regions: tuple[str, ...], possible: bool = False):
    """The first region under which `raw` parses as a valid number (phonenumbers' own rules).

    `possible`: for '+CC' numbers a possible length suffices (fictional 555 numbers are still phones).
    """
    for region in regions:
        try:
            num = pn.parse(raw, region)
        except pn.NumberParseException:
            continue
        if pn.is_valid_number(num) or possible and pn.is_possible_number(num):
            return num
    return None


_DATE_LIKE = re.compile(r"^\d{1,4}([./-])\d{1,2}\1\d{1,4}$")


def _looks_like_version_or_date(text: str, s: int, e: int) -> bool:
    value = text[s:e].strip()
    if _DATE_LIKE.match(value):
        return True
    pre = text[max(0, s - 12) : s].lower()
    return bool(re.search(r"(?:v|version|build|firmware|release)\s*$", pre)) and "." in value


# ---------------------------------------------------------------- US SSN
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- .\u00a0])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")
_SSN_BARE = re.compile(r"(?<![\w-])((?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})(?![\w-])")
_SSN_CONTEXT = re.compile(
    r"(?i)\bssn\b|\bss#|social security|social sec|\bsocial\b|soc\.? ?sec|\bsin\b|\btin\b|tax id|taxpayer"
)


def find_ssns(text: str) -> list[Hit]:
    hits = [Hit(m.start(), m.end(), "US_SSN", 0.9, "ssn") for m in _SSN.finditer(text)]
    for m in _SSN_BARE.finditer(text):
        if _near(_SSN_CONTEXT, text, m.start(1), 40):
            hits.append(Hit(m.start(1), m.end(1), "US_SSN", 0.9, "ssn_context"))
    return hits


# ---------------------------------------------------------------- national identifiers
_NINO = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"[ \u00a0-]?(\d{2})[ \u00a0-]?(\d{2})[ \u00a0-]?(\d{2})[ \u00a0-]?([A-D])(?![A-Za-z0-9])"
)
_DNI = re.compile(r"(?i)(?<![A-Za-z0-9])([XYZ]?)[ -]?(\d{7,8})[ -]?([A-Z])(?![A-Za-z0-9])")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_PAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{3}[PCHABGJLFT][A-Z]\d{4}[A-Z](?![A-Za-z0-9])")
_CODICE_FISCALE = re.compile(
    r"(?i)(?<![A-Za-z0-9])[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])"
)
_DOC_CONTEXT = re.compile(
    r"(?i)(passport|pass(?:port)?[ -]?(?:no|nr|number|#)|reisepass|passeport|pasaporte|paspoort|passaporto|"
    r"travel[ -]document|travel[ -]doc|document (?:no|nr|number|#)|doc\.? ?(?:no|nr|number|#)|\bdoc(?:ument)? id\b|"
    r"id[ -]document|identity document|reisedokument|passnummer|titre de voyage|documento de viaje|"
    r"documento di viaggio|documento de viagem|reisdocument|numéro de document|número de documento|"
    r"dokumentnummer|numer dokumentu|numer paszportu|pasaportu|"
    r"passaporte|driv(?:er'?s?|ing)[ -]licen[cs]e|\bDL\b|licen[cs]e (?:no|number|#)|führerschein|"
    r"fuhrerschein|permis de conduire|carnet de conducir|permiso de conducir|licencia de conducir|"
    r"rijbewijs|patente|carteira de motorista|personalausweis|ausweis(?:nummer)?|carte d'identité|"
    r"\bDNI\b|\bNIE\b|\bBSN\b|burgerservicenummer|aadhaar|aadhar|\bPAN\b|national id|id card|"
    r"identity card|id number|id no|tax code|codice fiscale|\bNIF\b|\bNINO?\b|national insurance|"
    r"sozialversicherungsnummer|numéro de sécurité sociale|\bNIR\b|身份证|パスポート|паспорт|"
    r"\bPESEL\b|dow[oó]d osobisty|paszport|prawo jazdy|\bNIP\b|pasaport|kimlik(?: no| numarası)?|ehliyet|"
    r"\bCPF\b|\bRG\b|\bCURP\b|\bRFC\b|\bNSS\b|personnummer|körkort|henkilötunnus|\bCNP\b|\bEGN\b|"
    r"\bOIB\b|\bAMKA\b|NHS (?:no|number)|\bTFN\b|tax file number|medicare|\bSIN\b|social insurance|"
    r"\bITIN\b|my ?number|マイナンバー|個人番号|旅券|運転免許|护照|驾驶证|身分證|여권|운전면허|주민등록번호|"
    r"удостоверени[ея]|водительск\w*|\bИНН\b|\bСНИЛС\b)"
    r"[\s\w'’.#°º-]{0,25}?[:#]?\s*"
)
# Document numbers: one token of letters/digits (optionally grouped by spaces of digit blocks).
_DOC_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z0-9](?:[A-Za-z0-9-]|(?<=\d) (?=\d)|(?<=[A-Za-z0-9])[./](?=[A-Za-z0-9]))*"
    r"[A-Za-z0-9](?![A-Za-z0-9])"
)


def _aadhaar_ok(d: str) -> bool:
    """Verhoeff check digit (Aadhaar)."""
    mul = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]  # fmt: skip
    perm = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]  # fmt: skip
    c = 0
    for i, ch in enumerate(reversed(d)):
        c = mul[c][perm[i % 8][int(ch)]]
    return c == 0


def _bsn_ok(d: str) -> bool:
    """Dutch BSN eleven-proof."""
    if len(d) != 9:
        return False
    total = sum(int(c) * w for c, w in zip(d[:8], range(9, 1, -1), strict=True)) - int(d[8])
    return total % 11 == 0 and d != "000000000"


def _digits(v: str) -> list[int]:
    return [int(c) for c in v if c.isdigit()]


def _date_ok(yy: int, mm: int, dd: int) -> bool:
    return 1 <= mm <= 12 and 1 <= dd <= 31


def _cpf_ok(v: str) -> bool:
    """Brazilian CPF: two mod-11 check digits."""
    d = _digits(v)
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for n in (9, 10):
        r = sum(x * w for x, w in zip(d[:n], range(n + 1, 1, -1), strict=True)) * 10 % 11 % 10
        if r != d[n]:
            return False
    return True


def _cn_id_ok(v: str) -> bool:
    """Chinese resident identity number: ISO 7064 MOD 11-2 check character, birth date inside."""
    body, check = v[:17], v[17].upper()
    if not body.isdigit() or not _date_ok(int(body[6:10]), int(body[10:12]), int(body[12:14])):
        return False
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    return "10X98765432"[total % 11] == check and 1900 <= int(body[6:10]) <= 2030


def _se_pnr_ok(v: str) -> bool:
    """Swedish personnummer: YYMMDD-NNNC, Luhn over the ten digits."""
    d = _digits(v)[-10:]
    return (
        len(d) == 10
        and _date_ok(0, d[2] * 10 + d[3], (d[4] * 10 + d[5]) % 60)
        and luhn_ok("".join(map(str, d)))
    )


def _be_nrn_ok(v: str) -> bool:
    """Belgian national register number: 97 - (first nine digits mod 97), also with 2 prefixed (born 2000+)."""
    d = "".join(map(str, _digits(v)))
    return len(d) == 11 and any(97 - int(p + d[:9]) % 97 == int(d[9:]) for p in ("", "2"))


def _fr_nir_ok(v: str) -> bool:
    """French NIR: 13 characters (Corsica 2A/2B read as 19/18) + key 97 - (n mod 97)."""
    c = re.sub(r"\s", "", v).upper()
    if len(c) != 15:
        return False
    body = c[:13].replace("2A", "19").replace("2B", "18")
    return body.isdigit() and c[13:].isdigit() and 97 - int(body) % 97 == int(c[13:])


def _pesel_ok(v: str) -> bool:
    d = _digits(v)
    if len(d) != 11 or not _date_ok(0, (d[2] * 10 + d[3]) % 20, d[4] * 10 + d[5]):
        return False
    return (10 - sum(x * w for x, w in zip(d[:10], (1, 3, 7, 9) * 3, strict=False)) % 10) % 10 == d[10]


def _tc_kimlik_ok(v: str) -> bool:
    d = _digits(v)
    if len(d) != 11 or d[0] == 0:
        return False
    return (sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10 == d[9] and sum(d[:10]) % 10 == d[10]


# Formats distinctive enough to stand alone once their checksum holds (CPF with its dots, CURP,
# Chinese ID, Korean RRN, Swedish personnummer, Belgian national number, French NIR, US ITIN).
_STANDALONE_IDS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    ("br_cpf", re.compile(r"(?<![\d.])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d-])"), _cpf_ok),
    (
        "mx_curp",
        re.compile(r"(?<![A-Z0-9])[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d(?![A-Z0-9])"),
        None,
    ),
    ("cn_resident_id", re.compile(r"(?<!\d)[1-9]\d{5}(?:19|20)\d{9}[\dXx](?![\dA-Za-z])"), _cn_id_ok),
    (
        "kr_rrn",
        re.compile(r"(?<![\d-])\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-[1-8]\d{6}(?![\d-])"),
        None,
    ),
    ("se_personnummer", re.compile(r"(?<![\d-])(?:19|20)?\d{6}[-+]\d{4}(?![\d-])"), _se_pnr_ok),
    ("be_national_number", re.compile(r"(?<![\d.])\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}(?![\d.])"), _be_nrn_ok),
    (
        "fr_nir",
        re.compile(
            r"(?<![\dA-Za-z])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}(?![\dA-Za-z])"
        ),
        _fr_nir_ok,
    ),
    ("us_itin", re.compile(r"(?<![\d-])9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}(?![\d-])"), None),
)
# Checksummed numbers that are only IDs with an ID word nearby (eleven digits collide with phones).
_PESEL_CONTEXT = re.compile(r"(?i)\bpesel\b")
_TC_CONTEXT = re.compile(r"(?i)\bT\.?C\.?\b|kimlik")
_BARE11 = re.compile(r"(?<![\d-])\d{11}(?![\d-])")


def find_national_ids(text: str) -> list[Hit]:
    """UK NI, DNI/NIE, PAN, codice fiscale, CPF, CURP, CN/KR/SE/BE/FR IDs by their rules; the rest in context."""
    hits: list[Hit] = []
    if sum(c.isdigit() for c in text) >= 6:
        for rule, rx, ok in _STANDALONE_IDS:
            for m in rx.finditer(text):
                if ok is None or ok(m.group()):
                    hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.9, rule))
        for m in _BARE11.finditer(text):
            eleven = m.group()
            if _near(_PESEL_CONTEXT, text, m.start(), 40) and _pesel_ok(eleven):
                hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.9, "pl_pesel"))
            elif _near(_TC_CONTEXT, text, m.start(), 40) and _tc_kimlik_ok(eleven):
                hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.9, "tr_tc_kimlik"))
    for m in _NINO.finditer(text):
        hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.9, "uk_nino"))
    for m in _DNI.finditer(text):
        num = {"": "", "X": "0", "Y": "1", "Z": "2"}[m.group(1).upper()] + m.group(2)
        if len(m.group(2)) == 8 or m.group(1):
            if _DNI_LETTERS[int(num) % 23] == m.group(3).upper():
                hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.95, "es_dni"))
    for rx, rule in ((_PAN, "in_pan"), (_CODICE_FISCALE, "it_codice_fiscale")):
        for m in rx.finditer(text):
            hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.85, rule))
    for m in _DOC_CONTEXT.finditer(text):
        found = False
        for v in _DOC_TOKEN.finditer(text, m.end(), min(len(text), m.end() + 40)):
            grouped = _DOC_GROUPED.match(text, v.start())
            if grouped is not None and _doc_value_ok(grouped.group()):
                hits.append(Hit(grouped.start(), grouped.end(), "NATIONAL_ID", 0.85, "id_document_grouped"))
                found = True
                break
            value = v.group()
            compact = re.sub(r"[ ./-]", "", value)
            if not (5 <= len(compact) <= 20 and any(c.isdigit() for c in compact)):
                continue
            kind = m.group(1).lower()
            if compact.isdigit() and len(compact) == 12 and "aadha" in kind and not _aadhaar_ok(compact):
                break
            if compact.isdigit() and len(compact) == 9 and "bsn" in kind and not _bsn_ok(compact):
                break
            hits.append(Hit(v.start(), v.end(), "NATIONAL_ID", 0.85, "id_document_context"))
            found = True
            break
        if not found and _PASSPORT_CUE.match(text, m.start()):
            hits += _passport_nearby(text, m.start(), m.end())
    hits += find_mrz(text)
    return hits


# Passport numbers in the shapes people type them: "C01 X00 T47", "C01-X00-T47", "AB 1234567".
_DOC_GROUPED = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z0-9]{1,5}(?:[ \u00a0-][A-Z0-9]{1,5}){1,4}|[A-Z]{1,3}[ \u00a0-]\d{6,9})(?![A-Za-z0-9])"
)
# Cues that name a passport / travel document (the number may stand before or a sentence away).
_PASSPORT_CUE = re.compile(
    r"(?i)passport|reisepass|passeport|pasaporte|paspoort|passaport|paszport|pasaport|travel[ -]doc|"
    r"reisedokument|reisdocument|titre de voyage|documento de viaje|documento di viaggio|passnummer|"
    r"パスポート|旅券|护照|여권|паспорт"
)
# A passport number by shape once a passport cue is in the same message: 1-2 letters + 6-8 digits,
# 8-9 digits, or 9 letters/digits with at least five digits.
_PASSPORT_SHAPE = re.compile(r"^(?:[A-Z]{1,2}\d{6,8}|\d{8,9}|(?=(?:[A-Z]*\d){5})[A-Z0-9]{8,9})$")
_NOT_DOC_BEFORE = re.compile(
    r"(?i)(?:order|invoice|ticket|ref(?:erence)?|case|account|acct|tracking|booking|flight|serial|sku|"
    r"bestellung|rechnung|pedido|factura|commande|facture|bestelling|factuur|phone|tel|call|mobile|whatsapp)\W{0,3}(?:no\.?|nr\.?|number|#)?\W{0,3}$"
)


def _doc_value_ok(value: str) -> bool:
    compact = re.sub(r"[\s\u00a0-]", "", value)
    return 6 <= len(compact) <= 14 and sum(c.isdigit() for c in compact) >= 3


def _passport_nearby(text: str, cue_start: int, cue_end: int) -> list[Hit]:
    """A passport-shaped number before its cue ("533380006 is my passport number") or a sentence on."""
    spans = [(max(0, cue_start - 80), cue_start, True), (cue_end, min(len(text), cue_end + 160), False)]
    for lo, hi, backwards in spans:
        cands = []
        for v in _DOC_GROUPED.finditer(text, lo, hi):
            if _doc_value_ok(v.group()) and _PASSPORT_SHAPE.match(re.sub(r"[\s\u00a0-]", "", v.group())):
                cands.append(v)
        for v in _DOC_TOKEN.finditer(text, lo, hi):
            if _PASSPORT_SHAPE.match(v.group()) and not any(c.start() <= v.start() < c.end() for c in cands):
                cands.append(v)
        cands = [v for v in cands if not _NOT_DOC_BEFORE.search(text, max(0, v.start() - 20), v.start())]
        if cands:
            v = max(cands, key=lambda c: c.start()) if backwards else min(cands, key=lambda c: c.start())
            return [Hit(v.start(), v.end(), "NATIONAL_ID", 0.8, "passport_nearby")]
    return []


# ---------------------------------------------------------------- ICAO 9303 machine-readable zone
_MRZ_LINE = re.compile(r"(?<![A-Z0-9<])[A-Z0-9<]{28,92}(?![A-Z0-9<])")
_MRZ_NAME_LINE = re.compile(r"^[PIACV][A-Z<][A-Z<]{3}[A-Z<]*<<[A-Z<]*$")


def mrz_check(field: str) -> int:
    """ICAO 9303 check digit: values 0-9 / A=10..Z=35 / '<'=0, weights 7-3-1 repeating, mod 10."""
    total = 0
    for i, c in enumerate(field):
        v = int(c) if c.isdigit() else ord(c) - 55 if "A" <= c <= "Z" else 0
        total += v * (7, 3, 1)[i % 3]
    return total % 10


def _mrz_data_line(line: str) -> bool:
    """TD3 line 2 (number+check, birth date+check, expiry+check) or TD1 line 1 (type, state, number+check)."""

    def ok(field: str, check: str) -> bool:
        return check.isdigit() and mrz_check(field) == int(check)

    if (
        len(line) >= 28
        and ok(line[0:9], line[9])
        and (ok(line[13:19], line[19]) or ok(line[21:27], line[27]))
    ):
        return True  # TD3 / TD2 data line
    if len(line) >= 15 and line[0] in "IAC" and ok(line[5:14], line[14]):
        return True  # TD1 first line
    return len(line) >= 18 and ok(line[0:6], line[6]) and ok(line[8:14], line[14])  # TD1 second line


def find_mrz(text: str) -> list[Hit]:
    """Machine-readable zones of passports and ID cards: the name line and the check-digit lines."""
    if "<" not in text:
        return []
    hits: list[Hit] = []
    for m in _MRZ_LINE.finditer(text):
        line = m.group()
        if "<" not in line:
            continue
        if len(line) > 46:  # two or three lines glued together: TD3 (2 x 44), TD2 (2 x 36), TD1 (3 x 30)
            size = next((n for n in (44, 36, 30) if len(line) % n == 0), 0)
            parts = [line[i : i + size] for i in range(0, len(line), size)] if size else []
        else:
            parts = [line]
        if any(_MRZ_NAME_LINE.match(p) or _mrz_data_line(p) for p in parts):
            hits.append(Hit(m.start(), m.end(), "NATIONAL_ID", 0.95, "mrz"))
    return hits


# ---------------------------------------------------------------- dates of birth
_MONTHS = (
    r"jan(?:uary|uar|vier|\.)?|feb(?:ruary|ruar|\.)?|févr(?:ier)?|mar(?:ch|\.)?|märz|mars|apr(?:il|\.)?|avril|"
    r"may|mai|jun(?:e|i|\.)?|juin|jul(?:y|i|\.)?|juil(?:let)?|aug(?:ust|\.)?|août|sep(?:t(?:ember|embre)?|\.)?|"
    r"oct(?:ober|obre|\.)?|okt(?:ober)?|nov(?:ember|embre|\.)?|dec(?:ember|\.)?|dez(?:ember)?|déc(?:embre)?|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    r"januari|februari|maart|mei|juni|juli|augustus|oktober|"
    r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    r"janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|novembro|dezembro|"
    r"stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|wrzesnia|października|"
    r"pazdziernika|listopada|grudnia|augusti|maj|"
    r"ocak|şubat|subat|mart|nisan|mayıs|mayis|haziran|temmuz|ağustos|agustos|eylül|eylul|ekim|kasım|kasim|aralık|aralik"
)
_DATE = (
    r"(?:\d{1,2}[./\- ]\d{1,2}[./\- ]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}\.\d{1,2}\.\d{1,2}|"
    # CJK: 1986年1月15日 (ja/zh, also with spaces or full-width digits), Japanese era years
    # (昭和55年), Korean 1986년 1월 15일
    r"(?:[0-9０-９]{4}|(?:明治|大正|昭和|平成|令和)(?:[0-9０-９]{1,2}|元))\s*年\s*[0-9０-９]{1,2}\s*月\s*[0-9０-９]{1,2}\s*日?|"
    r"\d{4}\s*년\s*\d{1,2}\s*월\s*\d{1,2}\s*일?|"
    r"\d{1,2}[-/](?:" + _MONTHS + r")[-/]\d{2,4}|"  # 03-Mar-1985
    r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:day\s+)?of\s+(?:" + _MONTHS + r"),?\s+\d{4}|"
    r"\d{1,2}(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?:" + _MONTHS + r"),?\s+(?:de\s+)?\d{4}|"
    r"(?:" + _MONTHS + r")\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
)
_DOB = re.compile(
    r"(?i)(?:\bdob\b|d\.o\.b\.?|date of birth|birth ?date|birthday|\bb-?day\b|born(?: on)?|geburtsdatum|"
    r"geburtstag|geboren(?: am)?|cumpleaños|fecha de nac\.?|date de naiss\.?|anniversaire|verjaardag|"
    r"compleanno|aniversário|data de nasc\.?|"
    r"geb\.|né(?:e)? le|date de naissance|fecha de nacimiento|nacid[oa] el|f\. nac\.|geboortedatum|"
    r"geboren op|data di nascita|nato il|nata il|data de nascimento|nascid[oa] em|data urodzenia|urodzon[ya]|"
    r"doğum tarihi|födelsedatum|fødselsdato|syntymäaika|datum narození|születési dátum|"
    r"生年月日|誕生日|出生日期|出生年月日|出生于|出生於|生日|생년월일|생일|дата рождения|родил(?:ся|ась)|"
    r"تاريخ الميلاد|जन्म तिथि|जन्मतिथि|जन्म दिनांक)"
    r"[\s:=\"'：、,はが是为]{0,4}(?:\([^()\n]{0,20}\)[\s:=]{0,3})?"
    r"(?:(?:is|was|ist|es|est|on|am|le|el|il|op|em|the|:)\s+){0,2}(" + _DATE + r")"
)


# Birth cues for the looser pass below: the cue may stand a few words before the date or after it
# ("1985-03-03 (date of birth)", "03/03/1985 is my birthday").
_DOB_CUE = re.compile(
    r"(?i)\bdob\b|d\.o\.b\b|date[ _-]of[ _-]birth|birth[ _-]?date|birthday|\bborn\b|\bb-?day\b|"
    r"geburtsdatum|geburtstag|\bgeboren\b|\bgeb\.|geb\.?-?datum|cumpleaños|nacimiento|\bnacid[oa]\b|"
    r"naissance|\bnée?\b|anniversaire|geboortedatum|\bgeboren\b|verjaardag|nascita|(?-i:\bnat[oa]\b)|"
    r"compleanno|nascimento|\bnascid[oa]\b|aniversário|urodzenia|urodzon[ya]|urodziny|doğum|"
    r"födelsedatum|fødselsdato|生年月日|誕生日|出生|生日|생년월일|рождени|родил"
)
# Words that make a nearby date something other than a birth date.
_NOT_DOB_GAP = re.compile(
    r"(?i)order|deliver|ship|expir|issued|valid|appointment|meeting|booking|flight|invoice|pa(?:id|yment)|"
    r"created|updated|since|until|joined|registered|registration|signed up|today|yesterday|bestell|liefer|geliefert|ablauf|gültig|"
    r"termin|pedido|entrega|env[ií]o|cita|commande|livr|rendez|échéance|vencim|caduc|scadenz|consegn|"
    r"ordine|levering|besteld|afspraak|zamówien|dostaw|wizyt|renew|arriv|check|date of (?!birth)|"
    r"\bon\b.*\b(?:we|you|they|i)\b"
)
# Literal stems of every _DOB_CUE alternative (a substring test is ~100x cheaper than the regex).
_DOB_STEMS = (
    "dob", "d.o.b", "birth", "born", "b-day", "bday", "geb", "cumplea", "nacim", "nacid", "naiss", "né",
    "anniv", "geboor", "verjaard", "nascit", "nato", "nata", "complean", "nascim", "nascid", "aniver",
    "urodz", "doğum", "födelse", "fødsel", "生", "誕", "出生", "생", "рожд", "родил",
)  # fmt: skip
_YEARISH = re.compile(r"\d[./\-]\d{2,4}\b|\b\d{4}\b|[年년]")
_DATE_RX = re.compile(r"(?i)(?<![\d/.\-])(?:" + _DATE + r")(?![/.\-]?\d)")


# Between a date and a cue after it: brackets, dashes, "is my", "(her", "als", "as the"...
_AFTER_GAP = re.compile(
    r"(?i)[\s,:;()\[\]\"'=/—–-]*(?:(?:is|was|are|as|als|est|es|è|ist|é|=|the|my|his|her|their|our|your|"
    r"mein|meine|sein|seine|ihr|ihre|mon|ma|son|sa|mi|su|il|la|el|de|del|della|van|zijn|haar|mijn|data|"
    r"fecha|date|da|di)[\s,:()]+){0,3}"
)


def _gap_ok(gap: str, limit: int) -> bool:
    return len(gap) <= limit and not re.search(r"\d|[.!?;]\s|\n", gap) and not _NOT_DOB_GAP.search(gap)


def find_dates_of_birth(text: str) -> list[Hit]:
    """Dates next to a birth cue in the logs' languages: cue a few words before the date, or after it."""
    hits = [Hit(m.start(1), m.end(1), "DATE_OF_BIRTH", 0.85, "dob_context") for m in _DOB.finditer(text)]
    if not _YEARISH.search(text):
        return hits  # cheap gates first: every date shape above holds a year, every cue one of the stems
    low = text.lower()
    if not any(stem in low for stem in _DOB_STEMS) or not _DOB_CUE.search(text):
        return hits
    for d in _DATE_RX.finditer(text):
        if any(h.start < d.end() and d.start() < h.end for h in hits):
            continue
        lo = max(0, d.start() - 60)
        before = [c for c in _DOB_CUE.finditer(text, lo, d.start()) if _gap_ok(text[c.end() : d.start()], 45)]
        after = _DOB_CUE.search(text, d.end(), min(len(text), d.end() + 40))
        after_ok = (
            after is not None
            and _AFTER_GAP.fullmatch(text, d.end(), after.start()) is not None
            and not _NOT_DOB_GAP.search(text, max(0, d.start() - 30), d.start())
        )
        if before or after_ok:
            hits.append(Hit(d.start(), d.end(), "DATE_OF_BIRTH", 0.8, "dob_near_cue"))
    return hits


# ---------------------------------------------------------------- MAC addresses
_MAC = re.compile(
    r"(?<![0-9A-Fa-f:.-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|"
    r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f:.-]*[0-9A-Fa-f])"
)


def find_macs(text: str) -> list[Hit]:
    out = []
    for m in _MAC.finditer(text):
        v = m.group()
        if "." in v and not any(c.isalpha() for c in v):
            continue  # 1234.5678.9012 is a number, not a Cisco-style MAC
        out.append(Hit(m.start(), m.end(), "MAC_ADDRESS", 0.9, "mac"))
    return out


# ---------------------------------------------------------------- e-mails
_EMAIL = re.compile(r"(?<![\w.+%-])[\w.%+-]+@(?:[\w-]+\.)+[A-Za-z]{2,24}\b")
_EMAIL_URLENC = re.compile(r"(?<![\w.%+-])[\w.+-]+(?:%2[bB][\w.-]+)?%40(?:[\w-]+\.)+[A-Za-z]{2,24}\b")
_AT = r"\s*(?:[\[({<]\s*(?i:at)\s*[\])}>]|\s+AT\s+)\s*"
_DOT = r"\s*(?:[\[({<]\s*(?i:dot)\s*[\])}>]|\s+DOT\s+|\.)\s*"
_EMAIL_OBF = re.compile(
    r"(?<![\w.+-])[\w.+-]+(?:\s*[\[({<]\s*(?i:dot)\s*[\])}>]\s*[\w+-]+)*"
    + _AT
    + r"[\w-]+(?:"
    + _DOT
    + r"[\w-]+)*"
    + _DOT
    + r"([A-Za-z]{2,24})\b"
)
# Spelled out: "ana dot ruiz at mail dot com", "ana.ruiz at mail dot com", "x arroba y punto com";
# the domain needs at least one spelled dot, so "look at example.com" stays.
_AT_WORD = r"(?:at|AT|arroba|chez|bei|małpa|malpa|chiocciola)"
_DOT_WORD = r"(?:dot|DOT|punto|punkt|point|kropka|ponto|punt)"
_EMAIL_WORDS = re.compile(
    r"(?<![\w.+-])[\w+-]+(?:(?:\.|\s+" + _DOT_WORD + r"\s+|\s*[\[({<]\s*(?i:dot)\s*[\])}>]\s*)[\w+-]+)*"
    r"\s+"
    + _AT_WORD
    + r"\s+[\w-]+(?:(?:\.|\s+"
    + _DOT_WORD
    + r"\s+)[\w-]+)*\s+"
    + _DOT_WORD
    + r"\s+([a-z]{2,6})\b"
)
# Top-level domains a spelled address may end in: any two-letter country code, or a common gTLD
# ("Look at the dot matrix" is not an address).
_GTLDS = frozenset(
    "com net org info biz edu gov mil int name pro io dev app ai co me xyz online site shop store email "
    "mail cloud tech live blog web page club asia mobi tel travel jobs museum aero coop eu".split()
)


_OBF_HINT = re.compile(r"(?i)[\[({<]\s*at\s*[\])}>]|\b(?:at|arroba|chez|bei|ma[łl]pa|chiocciola)\b")


def find_emails(text: str) -> list[Hit]:
    hits = [Hit(m.start(), m.end(), "EMAIL_ADDRESS", 1.0, "email") for m in _EMAIL.finditer(text)]
    if "%40" in text:
        hits += [
            Hit(m.start(), m.end(), "EMAIL_ADDRESS", 1.0, "email_urlencoded")
            for m in _EMAIL_URLENC.finditer(text)
        ]
    if _OBF_HINT.search(text):
        for rx in (_EMAIL_OBF, _EMAIL_WORDS):
            for m in rx.finditer(text):
                tld = m.group(1).lower()
                if len(tld) == 2 or tld in _GTLDS:
                    hits.append(Hit(m.start(), m.end(), "EMAIL_ADDRESS", 0.9, "email_obfuscated"))
    return hits


# ---------------------------------------------------------------- postcodes in running text
# Per-country shapes; a postcode in running text is only taken next to a postcode word (or in a
# shape no other number has: "〒106-0032", "NSW 2000"), so "order 48213" and "€ 12500" stay.
_PC_SHAPES = (
    r"(?:[A-Za-z]{1,2}\d[A-Za-z\d]?[ \u00a0]?\d[A-Za-z]{2})"  # UK outward + inward
    r"|(?:[A-Za-z]\d[A-Za-z][ \u00a0-]?\d[A-Za-z]\d)"  # CA
    r"|(?:\d{4}[ \u00a0]?[A-Za-z]{2})"  # NL
    r"|(?:[A-Za-z]\d{2}[ \u00a0]?[A-Za-z\d]{4})"  # IE Eircode
    r"|(?:〒[ \u00a0]?\d{3}[-－]?\d{4})|(?:\d{3}[-－]\d{4})"  # JP
    r"|(?:\d{5}-\d{4})|(?:\d{5}-\d{3})|(?:\d{4}-\d{3})"  # US ZIP+4, BR CEP, PT
    r"|(?:\d{2}-\d{3})"  # PL
    r"|(?:\d{3}[ \u00a0]\d{3})|(?:\d{3}[ \u00a0]\d{2})"  # IN PIN written 110 001, SE / CZ / GR
    r"|(?:\d{4,6})"  # US / DE / FR / ES / IT (5), AT / CH / BE / DK / AU / NZ (4), IN / RU / CN (6)
)
_PC_VALUE = re.compile(r"(?<![\w-])(?:" + _PC_SHAPES + r")(?![\w-]|[.,]\d)")
_PC_CUE = re.compile(
    r"(?i:post[ -]?code|postal[ -]code|post[ -]code|zip(?:[ -]?code)?|postleitzahl|\bplz\b|code postal|"
    r"código postal|codigo postal|c[oó]d\. ?postal|codice postale|\bc\.a\.p\.|código de endereçamento|\bcep\b|"
    r"postnummer|postnr\.?|postcode|kod pocztowy|kodu pocztowego|\bpin[ -]?code\b|\bpincode\b|"
    r"postinumero|posta kodu|почтовый индекс|\bиндекс\b|郵便番号|邮编|邮政编码|우편번호|eircode)"
    r"|\bCP\b|\bC\.P\.|\bCAP\b|\bPIN\b"
)
# Between the cue and the value: "is", "ist", ":", "for the delivery is", "(new)"; no digits.
_PC_GAP = re.compile(r"[^\d\n.!?;]{0,30}")
# Literal stems of the case-insensitive _PC_CUE alternatives.
_PC_STEMS = (
    "post", "zip", "plz", "cód", "cod.", "c.a.p", "cep", "poczt", "pin", "индекс", "郵便", "邮", "우편", "eircode",
)  # fmt: skip
_PC_NOT_GAP = re.compile(
    r"(?i)file|archive|folder|attachment|download|rows|items|bytes|order|invoice|ticket|amount|total|price|"
    r"phone|bestell|rechnung|pedido|factura|commande|facture|\bfeld\b|field"
)
_AU_STATE_PC = re.compile(r"(?<![\w-])(?:NSW|VIC|QLD|TAS|ACT|WA|SA|NT)[ \u00a0]+(\d{4})(?![\w-])")
_JP_MARK = re.compile(r"〒[ \u00a0]?\d{3}[-－]?\d{4}(?!\d)")


def _pc_shape_ok(cue: str, value: str) -> bool:
    """Shapes a cue admits: 'PIN' only six digits (India), 'CAP' / 'CP' only five digits."""
    c = cue.lower()
    compact = re.sub(r"[\s\u00a0-－〒]", "", value)
    if c == "pin" or "pin" in c and "code" in c:
        return compact.isdigit() and len(compact) == 6
    if c in ("cap", "cp", "c.p.", "c.a.p."):
        return compact.isdigit() and len(compact) == 5
    if compact.isdigit() and len(compact) == 6 and "pin" not in c and "индекс" not in c and "邮" not in c:
        return False
    return any(ch.isdigit() for ch in compact)


def find_postcodes(text: str) -> list[Hit]:
    """Postcodes in running text, the cue before ("my zip is 94105") or after ("SW1A 1AA is the postcode")."""
    hits: list[Hit] = []
    hits += [
        Hit(m.start(1), m.end(1), "STREET_ADDRESS", 0.8, "postcode_au_state")
        for m in _AU_STATE_PC.finditer(text)
    ]
    hits += [
        Hit(m.start(), m.end(), "STREET_ADDRESS", 0.85, "postcode_jp_mark") for m in _JP_MARK.finditer(text)
    ]
    if not any(c.isdigit() for c in text):
        return hits
    low = text.lower()
    if (
        not any(stem in low for stem in _PC_STEMS)
        and "CP" not in text
        and "C.P." not in text
        and "CAP" not in text
    ):
        return hits  # no cue word: a substring test is far cheaper than the cue regex
    for c in _PC_CUE.finditer(text):
        gap = _PC_GAP.match(text, c.end())
        assert gap is not None  # `{0,30}` matches the empty string, so match() never fails here
        v = _PC_VALUE.search(text, c.end(), min(len(text), gap.end() + 12))
        if v is not None and _PC_NOT_GAP.search(text, c.end(), v.start()):
            continue  # "the zip file has 12345 rows", "PLZ-Feld, Bestellung 48213"
        if (
            v is not None
            and not re.search(r"\d", text[c.end() : v.start()])
            and _pc_shape_ok(c.group(), v.group())
        ):
            hits.append(Hit(v.start(), v.end(), "STREET_ADDRESS", 0.8, "postcode_cue"))
            continue
        # value before the cue: "94105 is my zip", "1017 CT (postcode)", "10115 als PLZ"
        lo = max(0, c.start() - 40)
        for v in reversed(list(_PC_VALUE.finditer(text, lo, c.start()))):
            between = text[v.end() : c.start()]
            if re.fullmatch(
                r"(?i)[\s,:()\[\]\"'—–-]*(?:(?:is|was|as|als|est|es|è|ist|é|=|the|my|our|your|"
                r"his|her|their|mein|meine|mon|ma|mi|su|il|la|el|de|van|mijn|new|neue|old|"
                r"nouveau|nuevo|nuovo)[\s,:()]+){0,3}",
                between,
            ) and _pc_shape_ok(c.group(), v.group()):
                hits.append(Hit(v.start(), v.end(), "STREET_ADDRESS", 0.8, "postcode_cue_after"))
            break
    return hits
