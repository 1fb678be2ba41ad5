"""Person names that generalise: positions where names stand + a Philter-style safe list.

Three sources, each filtered by the same safe list (`lexicon.safe_token`):
- cue positions in any log language: greetings and sign-offs, "my name is / I'm / this is",
  "X here (again)", "Agent on duty: X", "assigned to / spoke with / cc / on behalf of X",
  honorifics (Mr, Frau, Señora, Mme...), the line after a closing ("Best regards,\\n X");
  the name may be capitalised, lower case (when it is a lexicon first name) or non-Latin script;
- native-script cues: 我叫 / 我是, ～と申します / ～さん, 저는 ～입니다, меня зовут, اسمي, मेरा नाम;
- Philter's rule for free text: a capitalised (or non-Latin) token that is not known to be safe
  (not a common word of the log languages, not product vocabulary) and stands where names stand
  (after a person cue word, or next to another such token) is a name.
spaCy NER spans go through `keep_ner_person`, which drops those made only of safe tokens.
"""

from __future__ import annotations

import re

from evalpipe.pii.identifiers import Hit
from evalpipe.pii.lexicon import (
    EXTRA_LANGS,
    LANGS,
    fold,
    is_common_word,
    is_first_name,
    is_product_term,
    is_surname,
    is_word_in,
    zipf,
)
from evalpipe.pii.names import AMBIGUOUS, NOT_NAMES

_L = r"A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ"
_UP = r"A-ZÀ-ÖØ-ÞĀ-ſ"  # Latin capitals (Latin Extended-A mixes cases; checked by isupper below)
# Scripts without case, or whose names we take whole.
_CJK = r"\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA = r"\u3040-\u30ff"
_HANGUL = r"\uac00-\ud7af"
_CYR = r"\u0400-\u04ff"
_ARAB = r"\u0600-\u06ff"
_DEVA = r"\u0900-\u097f"
_GREEK = r"\u0370-\u03ff"
_HEB = r"\u0590-\u05ff"
_NONLATIN_WORD = (
    r"(?:[" + _CYR + r"]{2,}(?:-[" + _CYR + r"]+)?|[" + _ARAB + r"]{2,}|[" + _DEVA + r"\u0900-\u097f]{2,}|"
    r"["
    + _GREEK
    + r"]{2,}|["
    + _HEB
    + r"]{2,}|["
    + _HANGUL
    + r"]{2,4}|["
    + _CJK
    + r"]{2,4}|["
    + _KANA
    + _CJK
    + r"]{2,6})"
)
_LATIN_NAME = r"[" + _UP + r"][" + _L + r"]*(?:[-'’][" + _UP + r"]?[" + _L + r"]+)*\.?"
_LOWER_NAME = r"[a-zß-öø-ÿā-ž]{2,}"
_PARTICLE = (
    r"(?:de|del|de la|de las|de los|van|von|der|van der|van den|von der|von dem|vom|zu|ten|ter|da|di|du|"
    r"dei|degli|della|delle|le|la|dos|das|bin|ibn|al|el|mc|o')"
)
_ONE = r"(?:" + _LATIN_NAME + r"|" + _NONLATIN_WORD + r"|" + _LOWER_NAME + r")"
_NAME_SEQ = r"(" + _ONE + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _ONE + r"){0,3})"

_PARTICLE_WORDS = frozenset(
    "de del la las los van von der den dem vom zu ten ter da di du dei degli della delle le dos das bin ibn al el".split()
)
_CUES = (
    # greetings / sign-offs
    r"hi|hello|hey|dear|hiya|morning|good morning|good afternoon|good evening|thanks|thank you|thx|many thanks|"
    r"cheers|regards|best|best regards|kind regards|warm regards|sincerely|yours|yours truly|br|"
    r"hola|buenos días|buenas tardes|buenas|querido|querida|estimado|estimada|gracias|saludos|un saludo|atentamente|"
    r"hallo|moin|servus|liebe|lieber|sehr geehrte|sehr geehrter|danke|vielen dank|grüße|gruß|viele grüße|"
    r"beste grüße|liebe grüße|lg|vg|mfg|mit freundlichen grüßen|freundliche grüße|"
    r"bonjour|bonsoir|salut|coucou|cher|chère|merci|cordialement|bien à vous|amicalement|bises|"
    r"hoi|hallo|beste|geachte|bedankt|groeten|met vriendelijke groet|groetjes|"
    r"ciao|salve|gentile|caro|cara|grazie|saluti|cordiali saluti|distinti saluti|"
    r"olá|ola|oi|prezado|prezada|obrigado|obrigada|abraços|atenciosamente|"
    # self-introduction
    r"my name is|my name's|i am|i'm|this is|it's|its|call me|name|full name|names?|"
    r"me llamo|mi nombre es|soy|habla|aquí|le saluda|ich bin|ich heiße|mein name ist|hier ist|hier spricht|"
    r"je m'appelle|je suis|mon nom est|c'est|ici|ik ben|ik heet|mijn naam is|met|mi chiamo|sono|il mio nome è|"
    r"meu nome é|me chamo|eu sou|"
    # roles in system prompts and notes
    r"agent on duty|agent|on duty|assigned agent|your agent|assigned to|assignee|handled by|escalated to|"
    r"operator|representative|rep|advisor|adviser|specialist|technician|supervisor|manager|account manager|"
    r"owner|contact|contact person|customer|client|user|caller|requester|reporter|author|signed|signed by|"
    r"spoke with|spoke to|talked to|talked with|speaking with|on behalf of|cc|attn|attention|"
    r"holder|card holder|cardholder|account holder|name on card|name on the card|in the name of|"
    r"inbox of|mailbox of|calendar of|belongs to|owned by|registered to|"
    r"hand over to|hand it over to|hand off to|handed over to|forward to|forwarded to|transfer to|"
    r"transferred to|escalate to|pass it to|reach out to|"
    # asking someone to act, and family / work relations ("can you tell sarah", "my daughter emma")
    r"tell|ask|email|e-mail|text|ping|message|remind|told|asked|emailed|texted|pinged|messaged|reminded|"
    r"my daughter|my son|my wife|my husband|my partner|my colleague|my coworker|my co-worker|my boss|"
    r"my friend|my mother|my mom|my mum|my father|my dad|my brother|my sister|my assistant|"
    r"meine tochter|mein sohn|meine frau|mein mann|mein kollege|meine kollegin|ma fille|mon fils|ma femme|"
    r"mon mari|mon collègue|ma collègue|mi hija|mi hijo|mi esposa|mi esposo|mi marido|mi compañero|"
    r"mi compañera|"
    r"ansprechpartner|ansprechpartnerin|sachbearbeiter|sachbearbeiterin|kunde|kundin|im auftrag von|"
    r"de la part de|au nom de|conseiller|conseillère|client|cliente|de parte de|en nombre de|agente|atendido por|"
    r"klant|namens|contactpersoon|medewerker|per conto di|operatore|"
    # honorifics
    r"mr|mrs|ms|miss|mx|dr|prof|sir|madam|herr|frau|señor|señora|señorita|sr|sra|srta|don|doña|"
    r"monsieur|madame|mademoiselle|mme|mlle|meneer|mevrouw|dhr|mw|signor|signora|sig|sig\.ra|senhor|senhora"
)
_CUE_RE = re.compile(
    r"(?i:(?<![\w])(?:" + _CUES + r"))(?![\w'’])(?:[ \t]*,?[ \t]*\r?\n[ \t]*|[.]?[ \t]*[,:;!–—-]?[ \t]*)"
)
_NAME_SEQ_RE = re.compile(_NAME_SEQ)
_AFTER_CUE = re.compile(r"(?:[ \t]*,?[ \t]*\r?\n[ \t]*|[.]?[ \t]*[,:;!–—-]?[ \t]*)")
# The same cues as a set of lower-case word tuples: one dict lookup per word instead of a
# 200-way case-insensitive alternation tried at every character (3x faster on chat text).
_CUE_SET = frozenset(tuple(c.split(" ")) for c in _CUES.replace("\\.", ".").split("|"))
_CUE_MAX = max(len(c) for c in _CUE_SET)
_CUE_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _cue_ends(text: str) -> list[int]:
    """Offsets right after each cue ("Agent on duty", "hola", "my name is") in `text`."""
    words = [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in _CUE_WORD.finditer(text)]
    ends: list[int] = []
    for i in range(len(words)):
        if i and text[words[i - 1][1] : words[i][0]] in ("'", "’"):
            continue
        seq: tuple[str, ...] = ()
        for j in range(i, min(len(words), i + _CUE_MAX)):
            if j > i and text[words[j - 1][1] : words[j][0]] != " ":
                break
            seq = (*seq, words[j][2])
            if seq in _CUE_SET:
                nxt = text[words[j][1] : words[j][1] + 1]
                if nxt not in ("'", "’") and not nxt.isalnum():
                    ends.append(words[j][1])
    return ends


# Cues that state a name outright: after them even a word-like first name is one ("my name is jack").
_STRONG_CUE_BEFORE = re.compile(
    r"(?i:(?<![\w])(?:my name is|my name's|name is|call me|me llamo|mi nombre es|ich heiße|mein name ist|"
    r"je m'appelle|mon nom est|mi chiamo|ik heet|mijn naam is|meu nome é))[ \t:,]*$"
)
_HERE = re.compile(
    r"(?:^|(?<=[\s\"'(>.!?,]))" + _NAME_SEQ + r"[ \t]+(?i:here(?: again)?|speaking|hier|ici|aquí)\b"
)
# The line after a closing line ("Best regards,\n Jane Doe").
_CLOSING_LINE = re.compile(
    r"(?im)^[ \t]*(?:--+|—|–|best|regards|best regards|kind regards|warm regards|cheers|thanks|thank you|"
    r"sincerely|saludos|un saludo|atentamente|grüße|viele grüße|beste grüße|mit freundlichen grüßen|"
    r"cordialement|bien à vous|groeten|met vriendelijke groet|cordiali saluti|atenciosamente|"
    r"с уважением|敬具|此致)[ \t,.!]*\r?\n[ \t]*" + _NAME_SEQ + r"[ \t]*$"
)
_NATIVE = [
    re.compile(r"(?:我叫|我是|我的名字是|姓名[:：]\s*|联系人[:：]\s*|客户[:：]\s*)([" + _CJK + r"]{2,4})"),
    re.compile(r"(?:私は)?([" + _KANA + _CJK + r"]{2,6}?)(?:と申します|と言います|です。|さん|様|先生)"),
    re.compile(r"(?:저는\s*)([" + _HANGUL + r"]{2,4})(?:입니다|이에요|예요)|([" + _HANGUL + r"]{2,4})님"),
    re.compile(r"(?i:меня зовут|я|с уважением,?|уважаемый|уважаемая|клиент)[ \t:]*\n?[ \t]*"
               r"([А-ЯЁ][а-яё]+(?:[ \t]+[А-ЯЁ][а-яё]+){0,2})"),
    re.compile(r"(?:اسمي|أنا|مع تحياتي،?|العميل)[ \t:]*\n?[ \t]*([" + _ARAB + r"]{2,}(?:[ \t]+[" + _ARAB + r"]{2,}){0,2})"),
    re.compile(r"(?:मेरा नाम|मैं)[ \t]+([" + _DEVA + r"]{2,}(?:[ \t]+[" + _DEVA + r"]{2,}){0,2})"),
    # honorifics of each script: 王伟先生 / 李娜女士, 田中氏 / 健太くん, 김민수 씨, السيد أحمد, श्री राम जी
    re.compile(r"([" + _CJK + r"]{2,4})(?:先生|女士|小姐|老师|经理|同学)"),
    re.compile(r"([" + _KANA + _CJK + r"]{2,6}?)(?:氏|くん|君|ちゃん|殿)"),
    re.compile(r"([" + _HANGUL + r"]{2,4})[ \t]?(?:씨|고객님|선생님)"),
    re.compile(r"(?:السيد|السيدة|الأستاذ|الأستاذة|الدكتور|الدكتورة)[ \t]+([" + _ARAB + r"]{2,}(?:[ \t]+[" + _ARAB + r"]{2,}){0,2})"),
    re.compile(r"(?:श्री|श्रीमती|सुश्री|डॉ\.?)[ \t]+([" + _DEVA + r"]{2,}(?:[ \t]+[" + _DEVA + r"]{2,}){0,2})"),
    re.compile(r"(?:господин|госпожа|г-н|г-жа)[ \t]+([А-ЯЁ][а-яё]+(?:[ \t]+[А-ЯЁ][а-яё]+){0,2})"),
]  # fmt: skip
# Verbs and particles a CJK name run may start with (no spaces between words): 请联系 / 告诉 / 给.
_CJK_LEAD = re.compile(r"(?:请|联系|告诉|通知|给|找|问|和|与|跟|是|叫|に|を|は|が)+")
# Russian capitalises proper nouns only: two capitalised Cyrillic words in a row are a name.
_CYR_PAIR = re.compile(
    r"(?<![\w])([А-ЯЁ][а-яё]{1,}(?:-[А-ЯЁ][а-яё]+)?[ \t]+[А-ЯЁ][а-яё]{1,}(?:[ \t]+[А-ЯЁ][а-яё]+)?)(?![\w])"
)
# Words after which a capitalised unknown token is a person (Philter's "stands where names stand").
_PERSON_BEFORE = frozenset(
    fold(w)
    for w in """asked told ask tell contact contacted call called email emailed ping met
    thank thanks hi hey hello dear mr mrs ms dr prof herr frau señor señora sr sra m mme monsieur madame
    mevrouw meneer signor signora colleague coworker manager boss wife husband son daughter friend neighbour
    neighbor customer user agent named called herr frau kollege kollegin señor señora monsieur madame""".split()
)
# Prepositions and "and" precede companies and carriers as often as people ("ship with Colissimo",
# "a quote from Acme"): after these only a first name of the lexicon makes a single token a name.
_WEAK_BEFORE = frozenset(fold(w) for w in "with to from by for and".split())
_STOP_AFTER_NAME = frozenset(fold(w) for w in "here again speaking from at in on".split())
_NAME_TOKEN_RE = re.compile(
    r"[" + _UP + r"][" + _L + r"]+(?:[-'’][" + _UP + r"]?[" + _L + r"]+)*|" + _NONLATIN_WORD
)
_WORD_RE = re.compile(r"[\w'’-]+")


def _is_latin_cap(tok: str) -> bool:
    return bool(tok) and tok[0].isupper() and tok[0].isascii() or (tok[:1].isupper() and tok[:1].isalpha())


def _nonlatin(tok: str) -> bool:
    return bool(tok) and not any("a" <= c.lower() <= "z" or "\u00c0" <= c <= "\u024f" for c in tok)


def _name_tokens(
    seq: str,
    start: int,
    extra: frozenset[str],
    cued: bool,
    max_zipf: float = 3.5,
    langs: tuple[str, ...] | None = None,
    strong: bool = False,
) -> list[tuple[int, int]]:
    """The prefix of `seq` made of name tokens: capitalised/non-Latin and not safe, or lexicon names.

    Two or more capitalised tokens after a cue ("Agent on duty: Alexandria Ruiz") only need to be
    not very common words (Zipf < 4.6); a single one must not be a common word (`max_zipf`).
    """
    caps = re.findall(r"\S+", seq)
    caps2 = [t.rstrip(".,;:!?") for t in caps[:2]]
    if (
        cued
        and len(caps2) == 2
        and all(t[:1].isupper() and t[1:].islower() and t.isalpha() for t in caps2)
        and not caps[0].endswith((".", ",", ";", ":", "!", "?"))
        and all(zipf(t) < 4.6 and not is_product_term(t, extra) for t in caps2)
        and fold(caps2[1]) not in _PRODUCT_HEADS
    ):
        max_zipf = 4.6
    out: list[tuple[int, int]] = []
    no_word_first = False
    for m in re.finditer(r"\S+", seq):
        if (
            no_word_first
            and len(out) == 1
            and m.group()[:1].islower()
            and not _no_word(m.group(), langs or ("en",))
        ):
            if not is_surname(m.group().rstrip(".,;:!?"), langs or LANGS):
                return []  # "this is kubectl output": a tool before a word, not a person
        if (
            out
            and m.start()
            and re.search(r"[\w'’][.!?;:,]$", seq[: m.start()].rstrip())
            and (out[-1][1] - out[-1][0] > 2)
        ):
            break  # "name on card Will Smith. Will the refund …": a sentence end, not an initial
        tok = m.group().rstrip(".,;:!?")
        low = fold(tok)
        if low in _STOP_AFTER_NAME:
            break  # "Chloe Okafor from Northwind": the name ends here
        if re.fullmatch(_PARTICLE, low):
            if out:
                continue  # "Fleur de Vries"
            break
        if not tok:
            break
        if _nonlatin(tok):
            if (
                is_product_term(tok, extra)
                or not cued
                and zipf(tok, ("ru", "ar", "hi", "zh", "ja", "ko")) >= 4.5
            ):
                break
            out.append((start + m.start(), start + m.start() + len(tok)))
            continue
        if tok[:1].islower():
            if cued and out and low not in NOT_NAMES and is_surname(tok, langs or LANGS):
                out.append((start + m.start(), start + m.start() + len(tok)))
                continue  # "my name is maria gonzalez": a lower-case surname after the first name
            if not (
                cued
                and (
                    is_first_name(tok, langs)
                    and (strong or fold(tok) not in AMBIGUOUS)
                    or _no_word(tok, langs or ("en",))  # "this is abhimanyu cheema"
                )
            ):
                break
            if not out and not is_first_name(tok, langs):
                no_word_first = True
        elif not tok[:1].isupper():
            break
        if is_first_name(tok, langs):
            out.append((start + m.start(), start + m.start() + len(tok)))
            continue
        if tok.isupper() and len(tok) > 1 or any(c.isdigit() for c in tok) or len(tok) < 2:
            break
        after_first = bool(out) and tok[:1].isupper() and tok[1:].islower()
        thr = 5.5 if after_first else max_zipf
        if is_product_term(tok, extra) or (
            is_common_word(tok, min_zipf=thr) if langs is None else is_word_in(tok, langs, thr, max(thr, 5.0))
        ):
            break  # after a first name a surname may be a frequent word ("João Santos")
        out.append((start + m.start(), start + m.start() + len(tok)))
    return out


def _after_cue(text: str, pos: int) -> int:
    """End of the separator after a cue ending at `pos` (possibly empty, so it always matches)."""
    m = _AFTER_CUE.match(text, pos)
    assert m is not None  # every part of _AFTER_CUE is optional
    return m.end()


def find_persons(text: str, extra: frozenset[str] = frozenset()) -> list[Hit]:
    """Names in cue positions, native-script cues and the Philter rule (see module docstring)."""
    hits: list[Hit] = []
    langs = text_langs(text)
    cue_ends = _cue_ends(text)
    for rx, rule, score in (
        (_CUE_RE, "name_cue", 0.85),
        (_HERE, "name_here", 0.85),
        (_CLOSING_LINE, "signature", 0.85),
    ):
        found = (
            (_NAME_SEQ_RE.match(text, _after_cue(text, e)) for e in cue_ends)
            if rx is _CUE_RE
            else rx.finditer(text)
        )
        for m in found:
            if m is None:
                continue
            strong = rx is _CUE_RE and bool(
                _STRONG_CUE_BEFORE.search(text, max(0, m.start() - 30), m.start())
            )
            toks = _name_tokens(
                m.group(1),
                m.start(1),
                extra,
                cued=True,
                max_zipf=4.6 if rx is _HERE else 3.5,
                langs=langs,
                strong=strong,
            )
            if toks and rx is _HERE and toks[-1][1] != m.end(1):
                continue  # "Will you be here": the words before "here" must all be the name
            if toks:
                s, e = toks[0][0], toks[-1][1]
                if not _all_lower_nonname(text[s:e], langs):
                    hits.append(
                        Hit(
                            s, e, "PERSON", score if len(toks) > 1 or is_first_name(text[s:e]) else 0.75, rule
                        )
                    )
    for rx in _NATIVE:
        for m in rx.finditer(text):
            g = next((i for i in range(1, (m.lastindex or 0) + 1) if m.group(i)), None)
            if g is None:
                continue
            value, start = m.group(g), m.start(g)
            lead = _CJK_LEAD.match(value)
            if lead and len(value) - lead.end() >= 2:  # "请联系王伟先生": the name is 王伟
                value, start = value[lead.end() :], start + lead.end()
            if is_product_term(value, extra):
                continue
            hits.append(Hit(start, start + len(value), "PERSON", 0.8, "name_native_cue"))
    if any("\u0400" <= c <= "\u04ff" for c in text):
        hits += [
            Hit(m.start(1), m.end(1), "PERSON", 0.75, "name_cyrillic_pair")
            for m in _CYR_PAIR.finditer(text)
            if not any(zipf(w, ("ru",)) >= 5.0 for w in m.group(1).split()[1:])
        ]
    hits += _philter(text, extra)
    hits += _device_owner(text, langs)
    hits += _vocative(text, extra, langs)
    hits += _lowercase_names(text, langs)
    hits += _foreign_script_names(text, extra)
    hits += _whole_value_name(text, extra)
    hits += _honorific_names(text, extra)
    hits += _name_lists(text, extra, langs)
    hits += _mentions(text, extra)
    if re.search(r"[A-Z]{2,}[ \t]+[A-Z]{2,}", text):
        hits += _upper_names(text, langs)
    hits += _lowercase_here(text, langs)
    hits += _lone_first_names(text, extra, langs)
    if "<<" in text or ":" in text or "=" in text:
        hits += _structured_names(text)
    if any(c.islower() for c in text):
        hits += _lowercase_slot(text, langs)
    return hits


def _no_word(tok: str, langs: tuple[str, ...]) -> bool:
    """In no word list of the text's languages: after a cue, a name the lexicon lacks ("abhimanyu")."""
    return len(tok) >= 3 and tok.isalpha() and zipf(tok, langs) < 2.0 and not is_product_term(tok)


def _all_lower_nonname(value: str, langs: tuple[str, ...] | None = None) -> bool:
    """A lower-case cue match that is no name: its first word is no first name, or a later word is
    neither a first name nor a surname ("my name is john smith" stays a name)."""
    words = value.split()
    lg = langs or ("en",)
    return value.islower() and not (
        words
        and (is_first_name(words[0], langs) or _no_word(words[0], lg))
        and all(
            is_first_name(w, langs) or is_surname(w, langs or LANGS) or _no_word(w, lg) for w in words[1:]
        )
    )


def text_langs(text: str) -> tuple[str, ...]:
    """English plus the language of `text` (py3langid), for "is this an ordinary word *here*".

    Short strings (a JSON value, a device name) say little about their language: English only.
    """
    if len(text) < 30:
        return ("en",)
    from evalpipe.pii.recognizers import detect_language

    lang = detect_language(text)
    return ("en",) if lang == "en" else ("en", lang)


def _philter(text: str, extra: frozenset[str]) -> list[Hit]:
    """Capitalised / non-Latin tokens not known to be safe, standing where names stand.

    A run of capitalised tokens with at least one unknown token (not a common word, or a lexicon
    first name) and the others not very common ("Paige Medina") is a name anywhere; a single one
    is a name after a person cue word ("ask Okafor"), or a lexicon first name after a preposition
    ("created and Leone will send").  "Ordinary word" means one of the text's own language (plus
    English): "Vittoria Pacelli", "Demi Boer" are names in an English sentence.
    """
    hits: list[Hit] = []
    words = list(_WORD_RE.finditer(text))
    langs = text_langs(text)
    i = 0
    while i < len(words):
        w = words[i]
        if not _capitalised(w.group()):
            i += 1
            continue
        j = i
        while True:
            if (
                j + 1 < len(words)
                and text[words[j].end() : words[j + 1].start()] in (" ", "\t")
                and _capitalised(words[j + 1].group())
            ):
                j += 1
                continue
            # "Swen von der Seidel", "Elpidio de los Posada": particles inside the run
            k = j + 1
            while (
                k < len(words)
                and words[k].group() in _PARTICLE_WORDS
                and text[words[k - 1].end() : words[k].start()] in (" ", "\t")
            ):
                k += 1
            if (
                k > j + 1
                and k < len(words)
                and text[words[k - 1].end() : words[k].start()] in (" ", "\t")
                and _capitalised(words[k].group())
            ):
                j = k
                continue
            break
        k0 = i
        while k0 <= j and _very_common(words[k0].group(), extra, langs):
            k0 += 1  # "Thanks Paige Medina" -> "Paige Medina"
        run = [words[k].group() for k in range(k0, j + 1)]
        inner = [t for t in run[1:-1] if re.fullmatch(_PARTICLE, t.lower())]
        prev = fold(words[k0 - 1].group()) if k0 > 0 else ""
        gap = text[words[k0 - 1].end() : words[k0].start()] if 0 < k0 <= j else ""
        slot = not re.search(r"[.!?:\n]", gap)
        if (
            len(run) > 1
            and not (inner and prev in _PLACE_BEFORE)  # "in Paris de la Défense": a place
            and not any(_very_common(t, extra, langs) for t in run if t not in inner)
            and fold(run[-1]) not in _PRODUCT_HEADS
            and any(_candidate(t, extra, langs) and _name_evidence(t, langs) for t in run)
        ):
            hits.append(Hit(words[k0].start(), words[j].end(), "PERSON", 0.75, "philter_unknown_capitalised"))
        elif (
            len(run) == 1
            and k0 == i
            and slot
            and _candidate(run[0], extra, langs)
            and (
                prev in _PERSON_BEFORE
                or prev in _WEAK_BEFORE
                and is_first_name(run[0], langs)
                and (prev == "and" or zipf(run[0], ("en",)) < 4.0)  # "flights to Madrid": a place
            )
        ):
            hits.append(Hit(words[k0].start(), words[k0].end(), "PERSON", 0.7, "philter_person_slot"))
        elif (
            len(run) == 1
            and k0 == i
            and _SENDER.match(text, words[i].end())
            and _sentence_start(text, words[i].start())
        ):
            tok = run[0]
            if (
                not is_product_term(tok, extra)
                and fold(tok) not in NOT_NAMES
                and (is_first_name(tok, langs) or len(tok) >= 3 and zipf(tok) < 3.0)
            ):
                hits.append(Hit(words[i].start(), words[i].end(), "PERSON", 0.7, "philter_sender"))
        i = j + 1
    return hits


# "Marina from Leroy Merlin sent …": a sentence opened by a lone name, then "from <Company>".
_SENDER = re.compile(r"[ \t]+(?:from|of|at)[ \t]+[" + _UP + r"<]")


def _sentence_start(text: str, i: int) -> bool:
    before = text[:i].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?:\n|>"


# Name prefixes after which a capital is part of the name ("McKenzie", "DeShawn", "LaToya").
_INNER_CAP_PREFIX = re.compile(r"(?:Mc|Mac|O['’]|D['’]|De|Di|Da|Du|La|Le|Van|Von|St|Fitz|Al-|El-|Ben|Abd)$")


def _camel_brand(tok: str) -> bool:
    """ "CityGym", "GymDesk", "ParcelPal": an inner capital that no name prefix explains is a brand."""
    for i in range(1, len(tok)):
        if tok[i].isupper() and tok[i - 1] not in "-'’" and not _INNER_CAP_PREFIX.search(tok[:i]):
            return True
    return False


def _capitalised(tok: str) -> bool:
    if len(tok) < 2 or any(c.isdigit() or c == "_" for c in tok):
        return False
    if _nonlatin(tok):
        return tok[0].isupper()
    return (
        tok[0].isupper()
        and not tok.isupper()
        and sum(c.isupper() for c in tok) <= 2
        and not _camel_brand(tok)
    )


def _very_common(tok: str, extra: frozenset[str], langs: tuple[str, ...] = LANGS) -> bool:
    if is_first_name(tok, langs):
        return False  # "Claude Lecoq", "Alexa Schweitzer": a first name that is also a product
    core = tok[:-2] if tok.endswith(("'s", "’s")) else tok
    return is_product_term(core, extra) or is_word_in(core, langs, 4.6)


def _name_evidence(tok: str, langs: tuple[str, ...]) -> bool:
    """A token that makes a capitalised run a name: an unambiguous first name, a listed surname,
    a word of no list (Zipf < 2.5) or another script.  "Gateway Timeout", "Jeep Renegade" and
    "Dusty Rose" are rare-ish words (Zipf 2.5-3.5), not names."""
    core = tok[:-2] if tok.endswith(("'s", "’s")) else tok
    return (
        _nonlatin(core)
        or is_first_name(core, langs)
        and fold(core) not in AMBIGUOUS
        or is_surname(core, langs, max_zipf=4.0)
        or zipf(core, langs) < 2.5
    )


def _candidate(tok: str, extra: frozenset[str], langs: tuple[str, ...] = LANGS) -> bool:
    if len(tok) < 3:
        return False
    if _nonlatin(tok):
        return tok[0].isupper() and zipf(tok, ("ru",)) < 3.5 and not is_product_term(tok, extra)
    core = tok[:-2] if tok.endswith(("'s", "’s")) else tok
    if is_first_name(core, langs):
        return True
    if len(core) <= 2 or is_product_term(core, extra):
        return False
    return not is_word_in(core, langs, 3.5, elsewhere=4.5)


# ---------------------------------------------------------------- shapes the cue rules cannot see
_VOCATIVE = re.compile(r"(?<=[,;])[ \t]+([" + _UP + r"][" + _L + r"]{2,})(?=[ \t]*[.!?](?:\s|$))")
_LOWER_PAIR = re.compile(r"(?<![\w@.<])([a-zß-öø-ÿā-ž]{2,})(?=[ \t]+([a-zß-öø-ÿā-ž]{2,})(?:['’]s)?(?![\w@]))")
_EAST_ASIAN = r"[" + _CJK + _KANA + _HANGUL + r"]"
_OTHER_SCRIPT = r"[" + _CYR + _ARAB + _DEVA + _GREEK + _HEB + r"]"
_FOREIGN_RUN = re.compile(
    r"(?<![\w\d])(?:"
    + _EAST_ASIAN
    + r"{1,4}(?:[ \t\u3000]"
    + _EAST_ASIAN
    + r"{1,4}){0,2}|"
    + _OTHER_SCRIPT
    + r"{2,}(?:[ \t]"
    + _OTHER_SCRIPT
    + r"{2,}){0,2})(?![\w\d])"
)
_SPACED_CJK = re.compile(r"(?<![\w\d])" + _EAST_ASIAN + r"{1,3}[ \u3000]" + _EAST_ASIAN + r"{1,3}(?![\w\d])")
_DEVICE = re.compile(
    r"(?i:((?:[^\W\d_][\w-]*[ \t]+){0,3}[^\W\d_][\w-]*)['’]s[ \t]+"
    r"(?:phone|iphone|ipad|android|laptop|macbook|pc|desktop|tablet|galaxy|pixel|watch|tv|kindle|echo|"
    r"switch|printer|computer|notebook|chromebook|surface))\b"
)
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ɏ]")
_NON_LATIN_LETTER = re.compile(_EAST_ASIAN + "|" + _OTHER_SCRIPT)
_WHOLE_NAME = re.compile(
    r"[ \t]*(" + _LATIN_NAME + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)*" + _LATIN_NAME + r"){1,3})[ \t]*"
)


def _vocative(text: str, extra: frozenset[str], langs: tuple[str, ...]) -> list[Hit]:
    """A name addressed at the end of a clause: "Sorry to hear that, Lizz." / "Done, Mugdha!"."""
    out = []
    for m in _VOCATIVE.finditer(text):
        tok = m.group(1)
        if fold(tok) not in _PRODUCT_HEADS and _candidate(tok, extra, langs) and not tok.isupper():
            out.append(Hit(m.start(1), m.end(1), "PERSON", 0.7, "name_vocative"))
    return out


def _lowercase_names(text: str, langs: tuple[str, ...]) -> list[Hit]:
    """Lower-case "first last" pairs ("holder angela owen", "tonino piazzi's phone").

    The first word must be a lexicon first name that is not also a word (not ambiguous like
    "will", "grace"; Zipf < 4.5 in every log language), the second no frequent word of the text;
    or a frequent first name ("maria") before a names-dataset surname that is a rare word.
    """
    out = []
    for m in _LOWER_PAIR.finditer(text):
        first, last = m.group(1), m.group(2)
        f = fold(first)
        if f in AMBIGUOUS or f in NOT_NAMES or not is_first_name(first, langs):
            continue
        if fold(last) in NOT_NAMES or len(last) < 3:
            continue
        # a frequent first name ("maria", "john") needs a listed surname that is a rare word
        if zipf(first) >= 4.5 and not is_surname(last, langs, max_zipf=4.0):
            continue
        if zipf(last, langs) >= 5.0 or zipf(last) >= 5.5:
            continue
        out.append(Hit(m.start(1), m.end(2), "PERSON", 0.75, "name_lowercase_pair"))
    return [
        h for i, h in enumerate(out) if not (i and out[i - 1].end > h.start)
    ]  # "angela owen", not "owen ref"


def _device_owner(text: str, langs: tuple[str, ...]) -> list[Hit]:
    """Owners in device names, as routers and MDM tools list them: "tonino piazzi's phone".

    The words before "'s phone / laptop / iPad" are the owner's name when none of them is a
    frequent word of the text (lower case is the norm in host names).
    """
    out = []
    for m in _DEVICE.finditer(text):
        words = list(re.finditer(r"\S+", m.group(1)))
        first, named = len(words), False
        for w in reversed(words):
            if first < len(words) and re.fullmatch(_PARTICLE, w.group().lower()):
                first -= 1  # "maría del carmen"
                continue
            parts = w.group().split("-")
            if any(
                is_product_term(c) or zipf(c, langs) >= 5.0 and not is_first_name(c, langs) for c in parts
            ):
                break
            named = named or any(is_first_name(c, langs) or zipf(c, langs) < 3.0 for c in parts)
            first -= 1
        while first < len(words) and re.fullmatch(_PARTICLE, words[first].group().lower()):
            first += 1
        if first < len(words) and named:
            out.append(Hit(m.start(1) + words[first].start(), m.end(1), "PERSON", 0.75, "name_device_owner"))
    return out


def _foreign_script_names(text: str, extra: frozenset[str]) -> list[Hit]:
    """Short non-Latin runs inside Latin-script text ("HR contact: 零 村上", "Sorry, 修平.").

    In a sentence written in Latin script a word of CJK, Cyrillic, Arabic or Devanagari that is
    not glued to digits (dates like 1986年1月15日 are not names) is almost always a name.
    """
    nonlatin = len(_NON_LATIN_LETTER.findall(text))
    if not nonlatin:
        return []
    # CJK writing puts no spaces between words: two short runs split by one space are a name in
    # Western order ("学 井上", "香織 松田's phone"), whatever script the rest of the text is in.
    hits = [Hit(m.start(), m.end(), "PERSON", 0.8, "name_spaced_cjk") for m in _SPACED_CJK.finditer(text)]
    if len(_LATIN_LETTER.findall(text)) >= 2 * nonlatin:
        hits += [
            Hit(m.start(), m.end(), "PERSON", 0.8, "name_foreign_script")
            for m in _FOREIGN_RUN.finditer(text)
            if not is_product_term(m.group(), extra)
        ]
    return hits


def _whole_value_name(text: str, extra: frozenset[str]) -> list[Hit]:
    """A string that is nothing but a name ("Fleur Serra", "Marijn van den Corput").

    JSON values and form fields hold names alone; the value must start with a lexicon first name
    and its other words must be no frequent English word or product vocabulary.
    """
    m = _WHOLE_NAME.fullmatch(text)
    if m is None:
        return []
    toks = [t for t in m.group(1).split() if not re.fullmatch(_PARTICLE, t.lower())]
    if not is_first_name(toks[0], ("en",)) or fold(toks[-1]) in _PRODUCT_HEADS:
        return []
    if any(
        is_product_term(t, extra) or (not is_first_name(t, ("en",)) and zipf(t, ("en",)) >= 4.6) for t in toks
    ):
        return []
    return [Hit(m.start(1), m.end(1), "PERSON", 0.8, "name_whole_value")]


# Rules that guess from shape alone; a company position or a spaCy ORG overrides them.  Cue rules
# ("my name is", "Agent on duty:", signatures, JSON name keys) are stronger evidence and stay.
SHAPE_RULES = frozenset(
    {"philter_unknown_capitalised", "philter_person_slot", "gazetteer_full_name", "gazetteer_first_name",
     "name_vocative", "name_whole_value", "philter_sender", "spacy_ner", "philter_lone_name"}
)  # fmt: skip
_TITLE_BEFORE = re.compile(
    r"(?i:\b(?:manager|director|engineer|specialist|lead|officer|consultant|analyst|buyer|representative|"
    r"coordinator|assistant|associate|partner|advisor|adviser|executive|president|founder|head of \w+|"
    r"ceo|cto|cfo|coo|vp|intern|developer|designer|recruiter|accountant|agent))[ \t]*(?:,|@|\bat|\||–|—|-)[ \t]*$"
)
_PREP_BEFORE = re.compile(r"(?:^|(?<=\s))(\S+)[ \t]+(?i:(from|at|of))[ \t]+$")


def weak_slot_non_name(text: str, start: int, word: str) -> bool:
    """A single word after "with / to / from / by / for / and" that is no lexicon first name.

    The small NER model reads "ship with Colissimo" as a person; a preposition alone is no
    evidence of one (the cue rules catch "spoke with Okafor").
    """
    m = re.search(r"(\w+)[ \t]+$", text[max(0, start - 20) : start])
    return m is not None and fold(m.group(1)) in _WEAK_BEFORE and not is_first_name(word, text_langs(text))


def after_job_title(text: str, start: int) -> bool:
    """ "Account Manager, Tim Hortons" / "Senior Buyer @ Leroy Merlin": a signature's company slot."""
    return bool(_TITLE_BEFORE.search(text[max(0, start - 60) : start].rsplit("\n", 1)[-1]))


def in_org_position(text: str, start: int, end: int) -> bool:
    """Does text[start:end] stand where a company stands?

    Presidio-style context words read the other way round: "Account Manager, Tim Hortons" (a job
    title before, on the same line), "works at Leroy Merlin" ("at"), "Mugdha from Goldman Sachs"
    (a name, then from / at / of).  "an e-mail from Paige Medina" stays a person.
    """
    if after_job_title(text, start):
        return True
    line_before = text[max(0, start - 60) : start].rsplit("\n", 1)[-1]
    m = _PREP_BEFORE.search(line_before)
    if m is None:
        return False
    prev, prep = m.group(1), m.group(2).lower()
    if prep == "at":
        return True
    prev = prev.strip(",;:()\"'")
    return prev.endswith(">") or (
        prev[:1].isupper()
        and not prev.isupper()
        and (is_first_name(prev, ("en",)) or zipf(prev, ("en",)) < 3.5)
    )


def name_parts(value: str) -> list[str]:
    """The words of a detected full name that identify on their own ("Mugdha" of "Mugdha Deep").

    Used by the partition sweep: once "Lizz Rijntjes" is known, "Sorry to hear that, Lizz" in the
    assistant's reply is the same person.  Particles and short words are left out.
    """
    toks = [t.strip(".,;:!?()\"'") for t in value.split()]
    toks = [t for t in toks if t]
    if len(toks) < 2:
        return []
    return [
        t
        for t in toks
        if len(t) >= 3
        and not re.fullmatch(_PARTICLE, t.lower())
        and fold(t) not in AMBIGUOUS  # "Will", "Grace", "Mark" are words first
        and not is_word_in(t, ("en",), 4.5, elsewhere=9.9)
    ]


def keep_ner_person(
    value: str,
    extra: frozenset[str] = frozenset(),
    min_zipf: float = 3.5,
    langs: tuple[str, ...] | None = None,
) -> bool:
    """False for NER PERSON spans made only of safe tokens ("Does", "Bearer", "Jira Cloud").

    `langs`: the text's languages (`text_langs`); a word frequent only in some other language is
    not safe there ("Leone", "Vittoria" in an English sentence).  None: every log language.
    """
    if is_product_term(value, extra):
        return False
    toks = [t.strip(".,;:!?'\"()") for t in value.split()]
    toks = [t for t in toks if t]
    if not toks:
        return False
    if any(is_first_name(t, langs) for t in toks) and len(toks) == 1:
        return True
    if any(_nonlatin(t) for t in toks):
        return True
    if len(toks) == 1:
        core = toks[0]
        if len(core) <= 2 or is_product_term(core, extra):
            return False
        if langs is None:
            return not is_common_word(core, min_zipf=min_zipf)
        return not is_word_in(core, langs, min_zipf, elsewhere=max(min_zipf, 5.0))
    # "Acme Cloud", "Dark Mode", "Vault Server": a product / organisation head noun, not a person.
    if fold(toks[-1]) in _PRODUCT_HEADS or any(
        is_product_term(t, extra) and not is_first_name(t, langs) for t in toks
    ):
        return False
    # a full name may be made of common words ("Shaun Fox"); very common words only are not one
    return not all(zipf(t) >= 5.0 and not is_first_name(t, langs) for t in toks)


_PRODUCT_HEADS = frozenset(
    fold(w)
    for w in """cloud mode pro plus suite bank server studio hub desk manager app apps portal store pay drive
    mail connect center centre console analytics enterprise business team teams edition premium max ultra
    lite air mini os api services service inc ltd gmbh llc corp corporation sa ag bv nv plc group labs lab
    systems technologies solutions software platform network networks engine gateway agent assistant bot
    dashboard settings account accounts billing support workspace workspaces plan plans tier tiers
    insurance airlines airways bahn telekom energy capital partners holdings university hospital clinic
    school college street road avenue traders trading company co industries foods motors media studios
    consulting logistics retail stores shop market markets bakery cafe restaurant hotel
    station terminal airport academy institute depot square stadium arena museum gallery library
    cathedral theatre theater mall plaza tower branch campus pharmacy surgery hostel lodge resort
    salon foundation council ministry embassy consulate office department committee fund festival
    menu fitness gym sale special edition collection series""".split()
)


def name_part_values(values: dict[str, tuple[str, str, float]]) -> dict[str, tuple[str, str, float]]:
    """The identifying words of each found full name, as candidate values for the sweep.

    Once "Lizz Rijntjes" signed an e-mail in the partition, "Sorry to hear that, Lizz" in the
    assistant's reply is the same person.  The sweep's own eligibility rule (`sweep_eligible`:
    confident, no common word, not short) still decides which of them spread.
    """
    out: dict[str, tuple[str, str, float]] = {}
    for value, (entity, detector, score) in values.items():
        if entity != "PERSON":
            continue
        for part in name_parts(value):
            if part not in values and (part not in out or out[part][2] < score):
                out[part] = ("PERSON", f"name_part:{detector}", score)
    return out


# ------------------------------------------------------- honorifics, lists, @mentions, "x here"
# Capitalised titles that only ever stand before a surname.  "Sr" is left out ("Sr Engineer").
_HONORIFIC = re.compile(
    r"(?<![\w.])(?:Mr|Mrs|Ms|Mx|Miss|Dr|Dra|Drs|Prof|Herr|Frau|Señor|Señora|Señorita|Sra|Srta|Mme|Mlle|"
    r"Monsieur|Madame|Meneer|Mevrouw|Dhr|Mevr|Signor|Signora|Sig|Sig\.ra|Dott|Dott\.ssa|Avv|Ing|Prof\.ssa|"
    r"Senhor|Senhora|Sra|Pan|Pani|Hr|Fr)\.?[ \t]+"
)


def _honorific_names(text: str, extra: frozenset[str]) -> list[Hit]:
    """ "Dr. Hill", "Frau Schulz", "Dott. Salvini": after a title any capitalised word is a surname.

    The cue rules ask a single word after a cue not to be a common word; after a title that is too
    strict ("Dr Brown", "Mrs Hill" are people).  Only very frequent words (Zipf >= 5.3: "Dr Who")
    and product vocabulary ("Dr. Martens", checked as a phrase by the caller) are left.
    """
    out = []
    for m in _HONORIFIC.finditer(text):
        seq = _NAME_SEQ_RE.match(text, m.end())
        if seq is None:
            continue
        end, first = None, True
        for t in re.finditer(r"\S+", seq.group(1)):
            tok = t.group().rstrip(".,;:!?")
            if re.fullmatch(_PARTICLE, tok.lower()) and not first:
                continue
            if not _capitalised(tok) or tok.isupper() or is_product_term(tok, extra):
                break
            if zipf(tok, ("en",)) >= 5.3 and not is_first_name(tok, ("en",)):
                break
            end = seq.start(1) + t.start() + len(tok)
            first = False
            if t.group() != tok:
                break  # punctuation ends the name
        if end is not None:
            out.append(Hit(seq.start(1), end, "PERSON", 0.8, "name_honorific"))
    return out


_LIST_NAME = r"[" + _UP + r"][" + _L + r"]*(?:[-'’][" + _UP + r"]?[" + _L + r"]+)*"
_LIST_ITEM = _LIST_NAME + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _LIST_NAME + r")?"
_LIST_SEP = (
    r"(?:,[ \t]*(?:and|und|et|y|e|en|&)?[ \t]+|[ \t]+(?:and|und|et|y|e|en|og|i|&)[ \t]+|[ \t]*/[ \t]*)"
)
_NAME_LIST = re.compile(
    r"(?<![\w'’-])(" + _LIST_ITEM + r")((?:" + _LIST_SEP + _LIST_ITEM + r"){1,12})(?![\w'’-])"
)
_LIST_SPLIT = re.compile(_LIST_SEP)


def _name_lists(text: str, extra: frozenset[str], langs: tuple[str, ...]) -> list[Hit]:
    """ "Nora, Felix and Ida", "Raphaela, Gretchen, Maeve": every item of a list that is mostly names.

    Lists hold one kind of thing: when at least half the items open with an unambiguous lexicon
    first name, the other items (rare first names the lexicon lacks) are names too, unless they
    are common words or product vocabulary ("Chrome, Safari and Firefox" has no first name).
    """
    out = []
    for m in _NAME_LIST.finditer(text):
        start = m.start(1)
        pieces, pos = [], start
        for sep in _LIST_SPLIT.finditer(text, m.start(1), m.end(2)):
            pieces.append((pos, sep.start()))
            pos = sep.end()
        pieces.append((pos, m.end(2)))
        items = []
        for a, b in pieces:
            tok = text[a:b]
            core = tok[:-2] if tok.endswith(("'s", "’s")) else tok.rstrip(".")
            items.append((a, a + len(core), core))
        named = sum(
            1
            for _, _, it in items
            if is_first_name(it.split()[0], langs) and fold(it.split()[0]) not in AMBIGUOUS
        )
        if named * 2 < len(items) or named < 1:
            continue
        for a, b, it in items:
            words = [w for w in it.split() if not re.fullmatch(_PARTICLE, w.lower())]
            if any(is_product_term(w, extra) or fold(w) in _PRODUCT_HEADS for w in words):
                continue
            if is_product_term(it, extra):
                continue
            if fold(words[0]) in NOT_NAMES or (
                not is_first_name(words[0], langs) and not _candidate(words[0], extra, langs)
            ):
                continue
            out.append(Hit(a, b, "PERSON", 0.75, "name_list"))
    return out


# Handles in any script ("@józef.nowak", "@山田"); a display-name mention may go on with the
# surname ("@Maria Gonzalez", as Teams and Slack render them).
_MENTION = re.compile(r"(?<![\w@.+/-])@([^\W\d_][\w.-]{0,38}(?<![._-]))(?![\w@/-])")
_MENTION_SURNAME = re.compile(r"[ \t]+((?:" + _PARTICLE + r"[ \t]+)?[" + _UP + r"][" + _L + r"'’-]+)")
# Handles that address a group or are code, not a person.
_MENTION_SAFE = frozenset(
    """here channel everyone all team support admin admins help bot everybody group devs oncall on-call
    dataclass staticmethod classmethod property override deprecated abstractmethod pytest param return
    returns throws author media import keyframes font-face charset supports layer apply tailwind param
    type types latest next""".split()
)


def _mentions(text: str, extra: frozenset[str]) -> list[Hit]:
    """@-mentions ("cc @gwillems", "@maria.gonzalez"): chat handles are people's names or built from them.

    A handle is a name unless it addresses a group / is code (`_MENTION_SAFE`) or is made only of
    common words or product vocabulary ("@release-bot", "@app.route").
    """
    out = []
    for m in _MENTION.finditer(text):
        handle = m.group(1)
        if handle.casefold() in _MENTION_SAFE or is_product_term(handle, extra):
            continue
        parts = [p for p in re.split(r"[._-]+", handle) if p and not p.isdigit()]
        if not parts:
            continue

        def named(p: str) -> bool:
            return is_first_name(p) or is_surname(p) or zipf(p, ("en",)) < 3.5

        if all(is_product_term(p, extra) or not named(p) for p in parts):
            continue
        end = m.end(1)
        if handle[:1].isupper() and "." not in handle and "_" not in handle:
            nxt = _MENTION_SURNAME.match(text, end)
            if (
                nxt
                and not is_product_term(nxt.group(1), extra)
                and not _very_common(nxt.group(1).split()[-1], extra)
            ):
                end = nxt.end(1)
        out.append(Hit(m.start(1), end, "PERSON", 0.8, "name_mention"))
    return out


_UPPER_RUN = re.compile(
    r"(?<![\w-])([A-ZÀ-ÖØ-ÞĀ-Ž][A-ZÀ-ÖØ-ÞĀ-Ž'’-]+(?:[ \t]+[A-ZÀ-ÖØ-ÞĀ-Ž][A-ZÀ-ÖØ-ÞĀ-Ž'’-]+){1,3})(?![\w-])"
)


def _upper_names(text: str, langs: tuple[str, ...]) -> list[Hit]:
    """Names typed or printed in capitals ("MARIA GONZALEZ", "NOWAK JÓZEF" on a form).

    A run of 2-4 upper-case words is a name when one is a lexicon first name (title-cased) and the
    others are first names, listed surnames or no words; "HTTP ERROR", "PLEASE CALL ME" are not.
    """
    out = []
    for m in _UPPER_RUN.finditer(text):
        words = [w.title() for w in m.group(1).split()]
        if any(is_product_term(w) or fold(w) in NOT_NAMES for w in words):
            continue
        firsts = [is_first_name(w, langs) and fold(w) not in AMBIGUOUS for w in words]
        if not any(firsts):
            continue
        if all(
            f
            or is_surname(w, langs, max_zipf=4.5)
            or zipf(w, langs) < 2.5
            or re.fullmatch(_PARTICLE, w.lower())
            for w, f in zip(words, firsts, strict=True)
        ):
            out.append(Hit(m.start(1), m.end(1), "PERSON", 0.75, "name_upper"))
    return out


_LOWER_HERE = re.compile(
    r"(?m)(?:^|(?<=[.!?]\s)|(?<=[\"'(>]))([a-zß-öø-ÿā-ž]{3,}(?:[ \t]+[a-zß-öø-ÿā-ž]{3,})?)[ \t]+(?:here|speaking)\b"
)


def _lowercase_here(text: str, langs: tuple[str, ...]) -> list[Hit]:
    """ "durante here. parcel ... ": a lower-case word opening a message before "here / speaking".

    The word must be no ordinary word of the text (Zipf < 3.0 there): "still here", "everyone
    here", "nobody here" stay.
    """
    out = []
    for m in _LOWER_HERE.finditer(text):
        first, *rest = m.group(1).split()

        def common(w: str) -> bool:
            return fold(w) in NOT_NAMES or is_word_in(w, langs, 3.0, elsewhere=9.9)

        if common(first) and not (is_first_name(first, langs) and fold(first) not in AMBIGUOUS):
            continue
        if rest and common(rest[0]) and not is_surname(rest[0], langs):
            continue
        out.append(Hit(m.start(1), m.end(1), "PERSON", 0.75, "name_lowercase_here"))
    return out


# Words that follow a person far more often than the word ("Claire from Tim Hortons", "Mark said").
_AFTER_A_NAME = frozenset("from here speaking said says wrote asked called and has had was is at".split())


def ambiguous_word_use(text: str, start: int, end: int) -> bool:
    """ "Will you…", "Bill to …", "Mark as read", "Frank feedback", "Grace period": a word, not a name.

    A single word that is both a first name and an ordinary word (`AMBIGUOUS`), opening a sentence
    and followed by a lower-case word, is the word.  "Mark called" is lost this way; the shape
    rules would otherwise mask every "Will you" of the partition.
    """
    word = text[start:end]
    if " " in word.strip() or fold(word) not in AMBIGUOUS:
        return False
    if not _sentence_start(text, start):
        return False
    nxt = re.match(r"[ \t]+([a-z]+)", text[end : end + 20])
    return nxt is not None and nxt.group(1) not in _AFTER_A_NAME


def row_name_parts(values: dict[str, tuple[str, str, float]], min_score: float = 0.75) -> dict[str, str]:
    """Names found in one record, and the words of its full names -> the detector that found them.

    Inside one conversation "Vera" is the "Vera van der Steen" of the tool call, even when "Vera"
    is also a word or an ambiguous first name: the record-level sweep (`scrubber`) replaces them
    there, and only there (the partition sweep keeps its stricter `name_parts`).
    """
    out: dict[str, str] = {}
    for value, (entity, detector, score) in values.items():
        if entity != "PERSON" or score < min_score or value.startswith("<"):
            continue
        toks = [t.strip(".,;:!?()\"'") for t in value.split()]
        if len(toks) < 2:
            if len(value) >= 3 and not is_product_term(value) and fold(value) not in NOT_NAMES:
                out.setdefault(value, detector)  # found in one string, the same person in the others
                if value.islower() and value.isalpha():
                    out.setdefault(value.capitalize(), detector)  # typed "fabio", the form says "Fabio"
            continue
        # the same name typed in lower case elsewhere in the conversation ("zara van tuijl")
        out.setdefault(value.lower(), detector)
        for t in toks:
            if len(t) < 3 or re.fullmatch(_PARTICLE, t.lower()) or is_product_term(t) or fold(t) in NOT_NAMES:
                continue
            if is_common_word(t) and not is_first_name(t, ("en",)):
                continue  # "Hill", "Meyer" alone may be the word; the honorific rule finds "Dr Hill"
            if t[:1].isupper():
                out.setdefault(t, detector)
                if fold(t) not in AMBIGUOUS and zipf(t, ("en",)) < 3.0:
                    out.setdefault(t.lower(), detector)
            elif t.islower() and zipf(t, ("en",)) < 3.0 and fold(t) not in AMBIGUOUS:
                out.setdefault(t, detector)
                out.setdefault(t.capitalize(), detector)
    return out


def part_is_word_here(text: str, start: int, end: int) -> bool:
    """A name part used as a word: "Mark as read", "Bill to …" (an ambiguous / frequent word that
    opens a sentence before a lower-case word)."""
    word = text[start:end]
    if fold(word) not in AMBIGUOUS and zipf(word, ("en",)) < 4.5:
        return False
    nxt = re.match(r"[ \t]+([a-z]+)", text[end : end + 20])
    return _sentence_start(text, start) and nxt is not None and nxt.group(1) not in _AFTER_A_NAME


# Lower-case names typed into chat, where a role word or an act says a person follows / precedes.
_LOW = r"[a-zß-öø-ÿā-ž][a-zß-öø-ÿā-ž'’-]{1,}"
_LOW_SEQ = r"(" + _LOW + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)*" + _LOW + r"){0,2})"
_LOWER_AFTER = re.compile(
    r"(?i:(?<![\w])(?:member|candidate|neighbour|neighbor|guest|patient|tenant|pupil|student|driver|"
    r"applicant|attendee|passenger|my wife|my husband|my son|my daughter|my partner|my neighbour|"
    r"give it to|hand it to|leave it with|pass it to|send it to|what did|(did|ask|tell|with|for|to|and)))"
    r"[ \t]+" + _LOW_SEQ
)
_LOWER_BEFORE = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\s[-–—]\s)|(?<=[,;]\s)|(?<=\n))"
    + _LOW_SEQ
    + r"[ \t]+(?:wants|forgot|accepted|declined|"
    r"said|says|asked|called|is here|is coming|will be|can't|cannot|needs|paid|booked|cancelled|canceled|"
    r"signed|replied|emailed|rang|phoned|left|arrived|won't|isn't|has|had)\b"
)


def _lower_name_word(w: str, langs: tuple[str, ...], first: bool, lexicon_only: bool = False) -> bool:
    """A lower-case word that is a name here: a lexicon name that is no frequent word, or no word of
    the text's language at all ("aachal", "kursa" in an English sentence)."""
    if fold(w) in NOT_NAMES or fold(w) in AMBIGUOUS or len(w) < 3 or is_product_term(w):
        return False
    if not lexicon_only and zipf(w, langs) < 2.0 and w.isalpha():
        return True
    if first:
        return is_first_name(w, ("en",)) and zipf(w, langs) < 4.0
    return (is_surname(w, langs, max_zipf=4.0) or is_first_name(w, ("en",))) and zipf(w, langs) < 4.0


def _lowercase_slot(text: str, langs: tuple[str, ...]) -> list[Hit]:
    """ "member nela kursa forgot her card", "give it to thierry", "fabio wants to freeze".

    After a role word or an act ("member", "give it to", "what did") or before a verb of doing
    ("wants", "forgot", "accepted"), lower-case words are a name when the first is a lexicon first
    name that is no frequent word, or a word of no log language, and the others surnames / no words.
    """
    out = []
    for rx in (_LOWER_AFTER, _LOWER_BEFORE):
        for m in rx.finditer(text):
            grp = 1 if rx is _LOWER_BEFORE else 2
            words = list(re.finditer(r"\S+", m.group(grp)))
            g = m.start(grp)
            weak = rx is _LOWER_AFTER and m.group(1) is not None  # "with", "to": a lexicon name first
            end = None
            for k, w in enumerate(words):
                tok = w.group()
                if k and re.fullmatch(_PARTICLE, tok):
                    continue
                if not _lower_name_word(tok, langs, first=k == 0, lexicon_only=weak and k == 0):
                    break
                end = g + w.end()
            if end is None:
                continue
            if rx is _LOWER_BEFORE and end != m.end(grp):
                continue  # the verb must follow the name itself
            out.append(Hit(g, end, "PERSON", 0.7, "name_lowercase_slot"))
    return out


_LONE_CAP = re.compile(
    r"(?<![\w@.'’<-])(["
    + _UP
    + r"]["
    + _L
    + r"]{2,}(?:-["
    + _UP
    + r"]["
    + _L
    + r"]+)?)(?![\w@-]|['’](?!s\b))"
)
_PLACE_BEFORE = frozenset(
    fold(w) for w in "in at from near via of the a an on into onto across around".split()
)


def _lone_first_names(text: str, extra: frozenset[str], langs: tuple[str, ...]) -> list[Hit]:
    """A single capitalised first name in running text ("it booked Romy twice", "Christelle at the desk").

    Philter's safe-list rule for one token: a lexicon first name that is a rare word (Zipf < 3.3 in
    English, so "Madrid", "Sofia", "Chelsea" stay), or a capitalised word that no word list of the
    log languages knows ("Ingetraud"), standing alone (not in a run of capitalised words, which the
    other rules judge) and not after a place preposition ("in Lyon", "at Heathrow").
    """
    out = []
    for m in _LONE_CAP.finditer(text):
        tok = m.group(1)
        if (
            _camel_brand(tok)
            or is_product_term(tok, extra)
            or fold(tok) in NOT_NAMES
            or fold(tok) in AMBIGUOUS
        ):
            continue
        before = text[max(0, m.start() - 30) : m.start()]
        after = text[m.end() : m.end() + 30]
        if re.match(r"[ \t]+[" + _UP + r"]", after) or re.search(r"[" + _UP + r"][\w'’-]*[ \t]+$", before):
            continue  # part of a capitalised run
        prev = re.search(r"(\w+)[ \t]+$", before)
        if prev and fold(prev.group(1)) in _PLACE_BEFORE:
            continue
        nxt = re.match(r"[ \t]+(\w+)", after)
        if nxt and fold(nxt.group(1)) in _PRODUCT_HEADS:
            continue
        rare_name = is_first_name(tok, langs) and zipf(tok, ("en",)) < 3.8
        unknown = all(zipf(p, (*LANGS, *EXTRA_LANGS)) < 1.0 for p in tok.split("-"))  # not "Off-Peak"
        if rare_name or unknown:
            out.append(Hit(m.start(1), m.end(1), "PERSON", 0.7, "philter_lone_name"))
    return out


# ICAO 9303 name field, as forms and MRZ copies write it: "PITTS<<DONNA", "VAN DER BERG<<ANNA<MARIE".
_MRZ_NAME = re.compile(r"(?<![A-Z<])([A-Z][A-Z' -]*[A-Z]<<[A-Z]+(?:[< ][A-Z]+)*)(?![A-Z])")
# "owner:vajen_vanduivenvoorde", "assignee=mlopez": a person key glued to its value in a tag or a query.
_KEY_HANDLE = re.compile(
    r"(?<![\w-])([A-Za-z][A-Za-z_-]{1,30})[:=]([A-Za-z][\w.-]{1,40}[A-Za-z0-9])(?![\w@])"
)


_KEY_QUOTED = re.compile(
    r"(?<![\w-])([A-Za-z][A-Za-z_-]{1,30})[ \t]*[:=][ \t]*['\"]([^'\"\n<>{}]{2,60})['\"]"
)


def _structured_names(text: str) -> list[Hit]:
    """Names in machine-made shapes: MRZ name fields and `key:value` tags under a person key."""
    from evalpipe.pii.keys import key_entity, keyed_entity

    out = [Hit(m.start(1), m.end(1), "PERSON", 0.9, "name_mrz") for m in _MRZ_NAME.finditer(text)]
    for m in _KEY_QUOTED.finditer(text):  # "main_driver='Ugolino Giannuzzi'" in an error message
        if keyed_entity(m.group(1), m.group(2)) == "PERSON":
            out.append(Hit(m.start(2), m.end(2), "PERSON", 0.85, "name_key_quoted"))
    for m in _KEY_HANDLE.finditer(text):
        if key_entity(m.group(1)) in ("PERSON", "ROLE?", "NAME?") and not is_product_term(m.group(2)):
            handle = m.group(2)
            parts = [p for p in re.split(r"[._-]+", handle) if p]
            if any(is_first_name(p) or is_surname(p) or zipf(p, ("en",)) < 3.0 for p in parts):
                out.append(Hit(m.start(2), m.end(2), "PERSON", 0.8, "name_key_handle"))
    return out
