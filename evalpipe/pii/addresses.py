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
_CAPW = (
    r"(?:(?:St|Ste|Mt|Ft|Pt)\.|[A-ZÀ-ÖØ-ÞĀ-ŽȘȚА-ЯЁ][A-Za-zÀ-ÖØ-öø-ÿĀ-ſȘ-țА-яЁё'’-]*|\d{1,3}(?:st|nd|rd|th)\b)"
)
_NUM = r"\d{1,5}(?:\s?[A-Za-z](?![A-Za-z]))?(?:[/-]\d{1,4}[A-Za-z]?)?"
_EN_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Drive|Dr|Close|Cl|Crescent|Cres|Grove|Gr|Gardens|Gdns|Terrace|Tce|"
    r"Place|Pl|Way|Court|Ct|Square|Sq|Parade|Pde|Highway|Hwy|Boulevard|Blvd|Mews|Row|Walk|Hill|Park|Parkway|Pkwy|"
    r"Circle|Cir|Trail|Trl|Path|Alley|Wharf|Quay|Esplanade|Esp|Rise|View|Vale|Green|Heights|Hts|Broadway|"
    r"Marg|Nagar|Cross|Main|Layout|Colony|Chowk|Bagh|Peth|Salai|"
    # USPS Publication 28 suffixes that are street words and little else
    r"Pike|Loop|Plaza|Plz|Crossing|Xing|Cove|Cv|Ridge|Rdg|Glen|Gln|Knoll|Hollow|Holw|Landing|Lndg|Manor|Mnr|"
    r"Meadows|Mdws|Trace|Trce|Turnpike|Tpke|Expressway|Expy|Freeway|Fwy|Causeway|Cswy|Bypass|Byp|Canyon|Cyn|"
    r"Creek|Crk|Brook|Estates|Summit|Smt|Commons|Junction|Jct|Ter|Aly|Ave\.|Rd\.|St\.|Blvd\.|Dr\.|Ln\.|Ct\."
)
# Suffixes that are also ordinary nouns ("3 Galaxy Keys", "2 Data Mills"): an address only when the
# address goes on (unit, ", Town", state + ZIP), see find_addresses.
_EN_WEAK_TYPES = (
    r"Islands?|Isle|Keys?|Mills?|Greens|Villes?|Villages?|Falls|Springs?|Shores?|Station|Stravenue|Lights?|"
    r"Locks?|Lodge|Mall|Mission|Mount|Mountains?|Neck|Pass|Passage|Pines|Plains?|Ports?|Prairie|Ranch|"
    r"Rapids|Rest|River|Route|Run|Shoals?|Skyway|Squares|Streets|Stream|Tunnel|Unions?|Valleys?|Viaduct|"
    r"Wall|Wells?|Branch|Burgs?|Camp|Cape|Center|Centre|Cliffs?|Club|Common|Curve|Dale|Dam|Divide|Estate|"
    r"Extensions?|Ferry|Fields?|Flats?|Forest|Forges?|Fort|Garden|Gateway|Glens|Harbou?rs?|Haven|Hills|Inlet|"
    r"Lakes?|Land|Loaf|Motorway|Orchard|Oval|Overpass|Parks|Ramp|Ridges|Roads|Radial|Throughway|"
    r"Trafficway|Underpass|Views|Vistas?|Ways|Crossroads?|Coves|Courts|Drives|Points?|Spur|Track|Fords?|"
    r"Forks?|Crest|Bridge|Brg|Corners?|Course|Hts|Junctions|Meadow|Groves|Knolls|Manors|Parkways|Pines?|Rapid|"
    r"Spurs|Walks|Fall|Brooks|Centers|Circles|Cliff|Rue|Via|Zila|Ganj|Bazar|Bazaar|Enclave|Vihar|Puram|Pally"
)
_IN_UNIT = (
    r"(?:H\.\s?No\.?|H\s?No\.?|House\s+No\.?|Flat\s+No\.?|Door\s+No\.?|D\.\s?No\.?|Plot\s+No\.?|Shop\s+No\.?)"
)
_UNIT = (
    r"(?:(?:" + _IN_UNIT + r"|Flat|Apt|Apartment|Unit|Suite|Ste|Level|Floor|Fl|Room|Shop|House|Plot|No\.?|#)"
    r"\s*\d+[A-Za-z]?[,/]?\s*)"
)
_DIR = r"(?:(?:N|S|E|W|NE|NW|SE|SW)\.\s*)?"  # "402 W. Harlan Blvd" (without the dot W is a word)
_US_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|"
    r"ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP|AA|AE|AP"
)
_AU_STATES = r"NSW|VIC|QLD|SA|WA|TAS|NT|ACT"
# State abbreviations that are also everyday tokens ("User ID 12345", "OR 2"): need ", " before them.
_AMBIGUOUS_STATES = frozenset(
    {"ID", "IN", "ME", "OK", "OR", "AS", "PA", "DE", "CO", "LA", "MA", "MD", "MI", "NT", "ACT"}
)
_STATE_HINT = re.compile(r"\b(?:" + _US_STATES + "|" + _AU_STATES + r")[ \t]+\d{4,5}\b")
_STREET_HEAD = (
    r"(?:(?<![\w/-])(?:" + _UNIT + r")?\d{1,6}[A-Za-z]?(?:/\d{1,4})?,?(?:[ \t]+" + _CAPW + r"){1,5}"
    r"(?:[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|#)\.?[ \t]*#?\w{1,6})?,[ \t]*)?"
)
# "…, North Juanburgh, ND 46676" / "Carlton VIC 3053": town + state + ZIP is an address whatever the street
# is called; the street before it ("707 Marshall Greens, ") is taken along.
_LOCALITY_STATE: list[tuple[str, re.Pattern[str]]] = [
    ("us_state_zip", re.compile(
        _STREET_HEAD + r"(?<![\w-])(?:" + _CAPW + r"[ \t]+){0,3}" + _CAPW + r"(,?)[ \t]+(" + _US_STATES +
        r")[ \t]+\d{5}(?:-\d{4})?(?![\w-])")),
    ("au_state_postcode", re.compile(
        _STREET_HEAD + r"(?<![\w-])(?:" + _CAPW + r"[ \t]+){0,3}" + _CAPW + r"(,?)[ \t]+(" + _AU_STATES +
        r")[ \t]+\d{4}(?![\w-])")),
]  # fmt: skip
_STREETS: list[tuple[str, re.Pattern[str]]] = [
    ("en", re.compile(
        r"(?<![\w-])" + _UNIT + r"?" + _NUM + r",?\s+" + _DIR + r"(?:" + _CAPW + r"\s+){0,4}?(?:" + _CAPW + r")\s+(?:" + _EN_TYPES +
        r")\b\.?(?:\s+(?:North|South|East|West|N|S|E|W|NE|NW|SE|SW)\b)?")),
    ("en_weak", re.compile(
        r"(?<![\w-])" + _UNIT + r"?" + _NUM + r",?\s+" + _DIR + r"(?:" + _CAPW + r"\s+){0,3}?(?:" + _CAPW + r")\s+(?:" +
        _EN_WEAK_TYPES + r")\b")),
    ("en_unit", re.compile(
        r"(?<![\w-])(?:" + _IN_UNIT + r"|(?<!\.)(?:Flat|Apt|Apartment|Unit|Suite))\s*\d+[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?,\s+"
        + _CAPW + r"(?:\s+" + _CAPW + r"){0,3}")),
    # "Flat 3 Rosewood Court", "Apt 12 Harbour Towers": a unit in a named building, no street number
    ("en_building", re.compile(
        r"(?<![\w-])(?:Flat|Apt|Apartment|Unit|Suite)\s*\d+[A-Za-z]?\s+(?:" + _CAPW + r"\s+){1,3}"
        r"(?:Court|House|Building|Tower|Towers|Mansions|Lodge|Apartments|Residency|Heights|Block|Chambers|Villas)\b")),
    # post boxes: "PO Box 4417", "Postfach 10 12 34", "Apartado 1203", "BP 52", "Postbus 2044"
    ("pobox", re.compile(
        r"(?<![\w-])(?:P\.?\s?O\.?\s?Box|PO\s?Box|Post\s?Office\s+Box|GPO\s+Box|Postfach|Postbus|Apartado(?:\s+de\s+Correos)?|"
        r"Casella\s+postale|Caixa\s+Postal)\s+\d{1,6}(?:\s\d{2}){0,2}(?!\d)"
        r"|(?<![\w-])B\.?P\.?\s+\d{1,5}(?=,?\s*\d{5}\s+[A-Z])")),  # French boîte postale before its postcode
    ("pl", re.compile(
        r"(?<![\w.])(?<!et )(?:ul\.|al\.|os\.|pl\.|ulica|aleja|osiedle|plac)\s*(?:" + _CAPW + r"\s+){1,4}"
        r"\d{1,4}[A-Za-z]?(?:\s?/\s?\d{1,4}[A-Za-z]?)?(?:\s+(?:m\.|lok\.)\s*\d{1,4})?(?![\w/])")),
    ("in_sector", re.compile(r"\b(?:Sector|Block|Phase|Plot)\s+\d{1,3}[A-Z]?\b")),
    ("de_nl", re.compile(
        r"(?<![\w-])(?:[A-ZÄÖÜ][a-zäöüßéè]+[- ])*[A-ZÄÖÜ][a-zäöüßéèA-Z-]*?"
        r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt|"
        r"straat|laan|plein|gracht|kade|singel|dijk|hof|steeg|dreef|park|pad|baan|boulevard|burgwal|wal|plantsoen|"
        r"stieg|twiete|gatan|vägen|gata|veien|vegen|vej|gade|gränd|torget|plads|stræde|katu|kuja|polku|tori|väylä|"
        r"tie|"
        r"Straße|Strasse|Weg|Platz|Allee|Gasse|Ring|Damm)\s+\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:[-/]\d{1,4}[a-zA-Z]?)?\b"
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
        r"Alameda|Rambla|Pasaje|Pje\.|Glorieta|Callejón|Cuesta|Urbanización|Urb\.|Acceso|Cañada|Avinguda|Avgda\.|"
        r"Borgo|Contrada|Rotonda|Stretto|Piazzale|Strada|Lungomare|Lungotevere|Traversa|Rodovia|Ladeira|Beco|Viela|"
        r"Vila|Largo|Calçada)\s+(?:(?:de|del|la|las|los|el|d'|della|delle|dei|degli|di|da|do|dos|das)\s+)*" + _CAPW +
        r"(?:\s+(?:(?:de|del|la|las|los|el|y|della|di|da|do|dos|das|e)\s+)*" + _CAPW + r"){0,3}"
        r",?\s*(?:n[º°o]\.?\s*)?\d{1,4}[A-Za-z]?(?:,?\s*\d{1,2}\s?[º°ª]\s?(?:\d{1,2}\s?[º°ª]|[A-Za-z]\b|(?:izq|dcha|izda)\.?)?)?")),
    ("ja", re.compile(
        r"(?:〒\s?\d{3}[-－]?\d{4}\s*)?[\u4e00-\u9fff]{1,4}(?:都|道|府|県)[\u4e00-\u9fff\u3040-\u30ff]{1,12}?(?:市|区|郡|町|村)"
        r"[\u4e00-\u9fff\u3040-\u30ff]{0,12}?[0-9０-９一二三四五六七八九十]+(?:[-－ー−丁目番地号の]+[0-9０-９一二三四五六七八九十]*)+")),
    # Turkish: "Bağdat Cad. No: 45/3", "Lale Sokak No 7"
    ("tr", re.compile(
        r"(?<![\w-])(?:" + _CAPW + r"\s+){1,3}(?:Caddesi|Cad\.|Cd\.|Sokak|Sokağı|Sk\.|Bulvarı|Blv\.|Mahallesi|Mah\.)"
        r"\s*,?\s*(?:No\s*[:.]?\s*)?\d{1,4}(?:\s?/\s?\d{1,3})?")),
    # Russian: "ул. Ленина, д. 5, кв. 12", "проспект Мира 21"
    ("ru", re.compile(
        r"(?<![\w])(?:ул\.|улица|пр\.|пр-т|проспект|пер\.|переулок|ш\.|шоссе|наб\.|набережная|б-р|бул\.|бульвар|пл\.|"
        r"площадь|алл\.|аллея|проезд|пр-д|туп\.|тупик|тракт)"
        r"\s*(?:[А-ЯЁ0-9][а-яёА-ЯЁ0-9-]*\.?\s+){0,2}[А-ЯЁ][а-яё-]+,?\s*(?:д\.|дом)?\s*\d{1,4}[а-я]?"
        r"(?:,?\s*(?:кв\.|корп\.|к\.|стр\.|офис)\s*\d{1,4})*")),
    # Hungarian "Petőfi Sándor utca 12.", Romanian "Str. Mihai Eminescu nr. 14", Indonesian "Jl. Sudirman No. 5"
    ("hu", re.compile(
        r"(?<![\w-])(?:" + _CAPW + r"\s+){1,3}(?:utca|u\.|út|útja|tér|körút|krt\.|sor|köz|fasor|sétány|rakpart)\s+"
        r"\d{1,4}(?:/[A-Za-z])?\.?")),
    ("ro", re.compile(
        r"(?<![\w-])(?:Str\.|Strada|Bd\.|Bulevardul|B-dul|Calea|Aleea|Piața|Piata|Șos\.|Sos\.|Șoseaua|Soseaua|Intrarea|"
        r"Splaiul)\s+(?:" + _CAPW + r"\s*){1,4},?\s*(?:nr\.?|Nr\.?)\s*\d{1,4}[A-Za-z]?"
        r"(?:,?\s*(?:bl\.|sc\.|et\.|ap\.)\s*\w{1,4})*")),
    ("id", re.compile(
        r"(?<![\w-])(?:Jl\.|Jln\.|Jalan|Gg\.|Gang)\s+(?:" + _CAPW + r"\s*){1,4},?\s*(?:No\.?|Nomor)\s*\d{1,4}[A-Za-z]?")),
    # Colombian / Latin American grid: "Carrera 7 # 32-16", "Calle 45A Sur No. 12-34"
    ("co_grid", re.compile(
        r"(?<![\w-])(?:Calle|Cl\.|Carrera|Cra\.?|Kr\.?|Avenida|Av\.|Transversal|Tv\.|Diagonal|Dg\.)\s+\d{1,3}\s?[A-Z]?"
        r"(?:\s+(?:Bis|Sur|Norte|Este|Oeste))?\s*(?:#|No\.?|N[º°])\s*\d{1,3}\s?[A-Z]?\s*-\s*\d{1,3}")),
    # Chinese: "北京市朝阳区建国路88号", "上海市徐汇区漕溪北路595号3楼"
    ("zh", re.compile(
        r"(?:[\u4e00-\u9fff]{2,4}(?:省|市))?(?:[\u4e00-\u9fff]{1,4}(?:区|县|市))?[\u4e00-\u9fff]{2,6}(?:路|街|大道|巷)"
        r"\d{1,5}号(?!线)(?:\d{1,4}(?:室|楼|层))*")),
    # Korean: "서울특별시 강남구 테헤란로 152", "부산시 해운대구 센텀로 12-3"
    ("ko", re.compile(
        r"(?:[\uac00-\ud7a3]+(?:시|도)\s+)?[\uac00-\ud7a3]+(?:구|군)\s+[\uac00-\ud7a3]+(?:로|길)\s*\d{1,4}(?:-\d{1,4})?")),
    # without the prefecture: city / ward + district + chome-banchi-go ("港区六本木6-10-1", "北区梅田3丁目1番")
    ("ja_city", re.compile(
        r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{1,5}(?:市|区)[\u4e00-\u9fff\u3040-\u30ff]{1,10}?"
        r"[0-9０-９一二三四五六七八九十]+(?:丁目|番地?|号|[-－−])[0-9０-９一二三四五六七八九十]+"
        r"(?:(?:番地?|号|[-－−])[0-9０-９一二三四五六七八九十]*)*(?:号)?")),
]  # fmt: skip
_POSTCODES: list[tuple[str, re.Pattern[str]]] = [
    (
        "uk",
        re.compile(
            r"(?<![A-Za-z0-9])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])"
        ),
    ),
    (
        "nl",
        re.compile(r"(?<![\w-])[1-9]\d{3}[ \u00a0]{0,2}(?!SA|SD|SS)[A-Z]{2}(?![A-Za-z])(?=\s+[A-Z][a-z])"),
    ),
    ("pl", re.compile(r"(?:(?<=^)|(?<=,)|(?<=, )|(?<=\n))\d{2}-\d{3}(?=[ \t]+[A-ZĄĆĘŁŃÓŚŹŻ][a-ząćęłńóśźż])")),
    (
        "ca",
        re.compile(
            r"(?<![A-Za-z0-9])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d(?![A-Za-z0-9])"
        ),
    ),
    ("jp", re.compile(r"〒\s?\d{3}[-－]\d{4}")),
]
# ", 10115 Berlin" / ", 8010 Graz" / ", 1000-205 Lisboa": a European postcode + town after a comma, with the
# "Street 12" before it whatever the street word is ("Kurfürstendamm 12", "Unter den Linden 5").
_EU_POSTCODE_TOWN = re.compile(
    r"(?P<head>(?<![\w-])(?:" + _CAPW + r"[ \t]+){1,4}\d{1,4}[ \t]?[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?)?"
    r",[ \t]*(?P<pc>\d{4,5}(?:-\d{3})?|\d{3}[ \t]\d{2})[ \t]+(?P<town>"
    + _CAPW
    + r"(?:[ \t-]"
    + _CAPW
    + r"){0,2})"
)
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
    r"[1-9]\d{3}[ \t]{0,2}[A-Z]{2}[ \t]+" + _CAPW + r"(?:[ \t]" + _CAPW + r")?|"  # 1017 CT Amsterdam
    r"\d{2}-\d{3}[ \t]+" + _CAPW + r"(?:[ \t-]" + _CAPW + r"){0,2}|"  # 15-390 Ostróda
    r"[-–][ \t]*\d{6}(?!\d)|"  # Suryapet - 318908 (Indian PIN after a dash)
    r"\d{3}[ \t]\d{2}[ \t]+" + _CAPW + r"|"  # 114 55 Stockholm
    r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[ \t]?[0-9AC-FHKNPRTV-Y]{4}(?![A-Za-z0-9])|"  # Irish Eircode D02 X285
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
    + r"){0,2}(?:[ \t]\d{1,2}(?![\d:/-]|[.,]\d))?"  # "Dublin 6", "Lyon 3"
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


# Cheap pre-checks: a rule whose script or keyword is absent from the text is not run at all.
_RULE_HINTS: dict[str, re.Pattern[str]] = {
    "ja": re.compile(r"[都道府県]"),
    "ja_city": re.compile(r"[市区]"),
    "zh": re.compile(r"[路街巷]"),
    "ko": re.compile(r"[\uac00-\ud7a3]"),
    "ru": re.compile(r"[А-яЁё]"),
    "tr": re.compile(r"Cad|Cd\.|Sok|Sk\.|Bulvar|Blv\.|Mah"),
    "pobox": re.compile(r"(?i)box|postf|postbus|apartado|casella|caixa|b\.?p"),
    "pl": re.compile(r"ul\.|al\.|os\.|pl\.|ulica|aleja|osiedle|plac"),
    "in_sector": re.compile(r"Sector|Block|Phase|Plot"),
    "hu": re.compile(r"utca|u\.|út|tér|körút|krt\.|sor|köz|fasor|sétány|rakpart"),
    "ro": re.compile(r"(?i)nr\.?\s*\d"),
    "id": re.compile(r"Jl|Jalan|Gg\.|Gang"),
    "co_grid": re.compile(r"#|No\.?\s*\d|N[º°]"),
}


def _device_word(word: str) -> bool:
    """'Notepad' / 'Necktie' (stem an English word), not 'Jesperpad' / 'Mannerheimintie' (a name + street word)."""
    suffix = next((x for x in ("pad", "tie", "tori") if word.endswith(x)), None)
    if suffix is None or len(word) < len(suffix) + 3:
        return False
    from evalpipe.pii.lexicon import is_common_word

    return is_common_word(word[: -len(suffix)], langs=("en",)) or is_common_word(word, langs=("en",))


def _eu_town_ok(m: re.Match[str]) -> bool:
    """', 2024 Results' / 'Version 3, 2000 Users' are not addresses: the town (or the street before it)
    must not be ordinary words of the log languages."""
    from evalpipe.pii.lexicon import is_common_word

    town = m.group("town").split()[0]
    head = m.group("head")
    if head:
        words = [w for w in re.findall(r"[^\W\d_]+", head) if len(w) > 1]
        return bool(words) and not all(is_common_word(w, min_zipf=4.0) for w in words)
    return not is_common_word(town, min_zipf=4.0)


def find_addresses(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for rule, rx in _STREETS:
        hint = _RULE_HINTS.get(rule)
        if hint is not None and not hint.search(text):
            continue
        for m in rx.finditer(text):
            end = _extend(text, m.end())
            if rule == "en_weak" and end == m.end():
                continue  # "3 Galaxy Keys" alone is not an address; "42015 Wolfe Mills Apt 37" is
            if rule == "de_nl" and _device_word(m.group().split()[0]):
                continue  # "Notepad 2", "Touchpad 3": an English word + -pad, not a Dutch path
            hits.append(Hit(m.start(), end, "STREET_ADDRESS", 0.85, "address_" + rule))
    if _STATE_HINT.search(text):
        for rule, rx in _LOCALITY_STATE:
            for m in rx.finditer(text):
                if m.group(2) in _AMBIGUOUS_STATES and not m.group(1):
                    continue  # "User ID 12345": a state abbreviation that is an ordinary token needs "Town, ST"
                hits.append(
                    Hit(m.start(), _extend(text, m.end(), 2), "STREET_ADDRESS", 0.85, "address_" + rule)
                )
    for m in _EU_POSTCODE_TOWN.finditer(text):
        if not _eu_town_ok(m):
            continue
        start = m.start("head") if m.group("head") else m.start("pc")
        hits.append(Hit(start, _extend(text, m.end(), 2), "STREET_ADDRESS", 0.8, "postcode_town"))
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
