"""Presidio recognizers: the project's language-agnostic detectors plus a filtered spaCy PERSON.

Presidio stays the framework (registry, NLP artifacts, score thresholds, duplicate removal,
anonymizer); the detectors behind it are ours where the defaults are weak (README, "PII and secret scrubbing").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import cast

from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from evalpipe.pii.names import FIRST_NAMES, NOT_NAMES
from evalpipe.pii.patterns import PSEUDONYM_RE, Hit, _norm
from evalpipe.pii.persons import (
    SHAPE_RULES,
    ambiguous_word_use,
    in_org_position,
    keep_ner_person,
    text_langs,
    weak_slot_non_name,
)


class FinderRecognizer(LocalRecognizer):
    """Wraps a plain `find_*(text) -> list[Hit]` detector as a Presidio recognizer."""

    name: str  # set by EntityRecognizer.__init__, whose branches leave mypy unable to infer it

    def __init__(self, entity: str, finder: Callable[[str], list[Hit]], name: str) -> None:
        self._finder = finder
        super().__init__(supported_entities=[entity], name=name, supported_language="en")

    def load(self) -> None:  # nothing to load: compiled regexes live at module level
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        orgs = _org_spans(nlp_artifacts) if self.supported_entities == ["PERSON"] else frozenset()
        for h in self._finder(text):
            if h.entity not in entities:
                continue
            if (
                orgs
                and h.rule in SHAPE_RULES
                and (h.start, h.end) in orgs
                and _all_given_names(text[h.start : h.end])
            ):
                continue  # spaCy reads "Morgan Stanley" as an organisation; its shape says nothing
            out.append(
                RecognizerResult(
                    h.entity,
                    h.start,
                    h.end,
                    h.score,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        "rule": h.rule,
                    },
                )
            )
        return out


_ORG_LABELS = frozenset({"ORG", "FAC", "PRODUCT"})


def _org_spans(nlp_artifacts: NlpArtifacts | None) -> frozenset[tuple[int, int]]:
    """(start, end) of the spaCy doc's organisation / facility / product entities, if NER ran.

    Only exact matches veto a shape-only PERSON guess: the small model also tags a signature
    block ("Ulla Stiebitz\nAccount") as ORG, and such a span never equals the name itself.
    """
    doc = getattr(nlp_artifacts, "tokens", None) if nlp_artifacts is not None else None
    if doc is None:
        return frozenset()  # NER did not run: no entities to read
    ents = getattr(doc, "ents", None) or ()
    out = set()
    for e in ents:
        if e.label_ in _ORG_LABELS:
            end = e.end_char
            while end > e.start_char and doc.text[end - 1] in ".,;:!?'\")":
                end -= 1
            out.add((e.start_char, end))
    return frozenset(out)


def _all_given_names(value: str) -> bool:
    """ "Morgan Stanley", "Leroy Merlin": every word a first name, the weakest shape evidence.

    Only there does a spaCy ORG override a shape rule: the small model also reads unseen full
    names ("Eusebio Mariscal", "Jill Fisher") as ORG, where the surname is the evidence.
    """
    from evalpipe.pii.lexicon import is_first_name

    words = value.split()
    return len(words) > 1 and all(is_first_name(w.strip(".,;:!?"), ("en",)) for w in words)


_LANGID = None


@functools.lru_cache(maxsize=8192)
def detect_language(text: str) -> str:
    """ISO code among the languages seen in our traffic (py3langid, ~30 us per text)."""
    global _LANGID
    if _LANGID is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE)
        ident.set_languages(["en", "es", "de", "fr", "it", "pt", "nl"])
        _LANGID = ident
    return _LANGID.classify(text)[0]


_STOP: frozenset[str] | None = None


def stop_words() -> frozenset[str]:
    """EN/ES/DE/FR stop words (spaCy's lists): capitalised German nouns after 'Meine', 'Die'..."""
    global _STOP
    if _STOP is None:
        from spacy.lang.de.stop_words import STOP_WORDS as de
        from spacy.lang.en.stop_words import STOP_WORDS as en
        from spacy.lang.es.stop_words import STOP_WORDS as es
        from spacy.lang.fr.stop_words import STOP_WORDS as fr

        _STOP = frozenset(de | en | es | fr | NOT_NAMES | {"guten", "tag", "grüße", "gruß", "danke"})
    return _STOP


_PARTICLES = frozenset({"de", "del", "la", "van", "von", "der", "da", "di", "le", "du", "y", "dos", "das"})


def _plausible_full_name(words: list[str]) -> bool:
    """Two+ capitalised tokens, none a stop word (particles allowed in the middle)."""
    if len(words) < 2 or not words[0][:1].isupper() or not words[-1][:1].isupper():
        return False
    stop = stop_words()
    for i, w in enumerate(words):
        low = _norm(w.strip(",.!?"))
        if 0 < i < len(words) - 1 and low in _PARTICLES:
            continue
        if not w[:1].isupper() or low in stop:
            return False
    return True


def _lead_word(word: str) -> bool:
    """A greeting / role word at the start of an NER span, not part of the name."""
    from evalpipe.pii.lexicon import is_first_name, safe_token

    return _norm(word) in NOT_NAMES or safe_token(word) and not is_first_name(word)


class FilteredSpacyPersonRecognizer(SpacyRecognizer):
    """spaCy PERSON entities minus the small model's chat-log mistakes.

    On chat text the small model tags greetings ("Hola"), pseudonym tokens, handles with digits and
    lower-case words as PERSON; those are dropped.  Spans are trimmed of trailing punctuation.
    The model is English-only: on other languages it tags capitalised nouns ("Meine Handynummer",
    "Guten Tag"), so there a PERSON is kept only when it starts with a gazetteer first name or
    looks like a full name (capitalised tokens, none a stop word of EN/ES/DE/FR).
    """

    name: str  # set by EntityRecognizer.__init__ (see FinderRecognizer)

    def __init__(self, extra: frozenset[str] = frozenset()) -> None:
        self._extra = extra
        super().__init__(supported_language="en", supported_entities=["PERSON"], name="SpacyPersonRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not nlp_artifacts or "PERSON" not in entities:
            return []
        results = []
        tokens = [(m.start(), m.end()) for m in PSEUDONYM_RE.finditer(text)]
        english: bool | None = None
        for ent in nlp_artifacts.entities:
            if ent.label_ not in ("PERSON", "PER"):
                continue
            start, end = ent.start_char, ent.end_char
            value = text[start:end]
            while value and value[-1] in ".,;:!?'\")":
                value = value[:-1]
                end -= 1
            # leading dashes and greeting / role words: "-- Brian", "Hallo Jürgen", "Kontoinhaber Lena"
            lead = re.match(r"^(?:[-–—\s]+|(?:\w+\s+)(?=\w))", value)
            while lead and value and (not lead.group().strip(" -–—") or _lead_word(lead.group().strip())):
                start += len(lead.group())
                value = value[len(lead.group()) :]
                lead = re.match(r"^(?:[-–—\s]+|(?:\w+\s+)(?=\w))", value)
            words = value.split()
            if not words or not any(w[:1].isupper() for w in words):
                continue
            if any(ch.isdigit() or ch in "@<>_/=\\{}[]|#$%" for ch in value):
                continue
            if any(t0 <= start and end <= t1 for t0, t1 in tokens):
                continue
            if all(_norm(w.strip(",.!")) in NOT_NAMES for w in words):
                continue
            if not keep_ner_person(value, self._extra, langs=text_langs(text)):
                continue  # only safe tokens: common words / product vocabulary ("Does", "Jira Cloud")
            if in_org_position(text, start, end):
                continue  # "Thérèse from Leroy Merlin sent …", "Account Manager, Tim Hortons"
            if ambiguous_word_use(text, start, end):
                continue  # "Will you …", "Bill to our Madrid entity": the word, not the name
            if len(words) == 1 and weak_slot_non_name(text, start, words[0]):
                continue  # "goes with Colissimo": carriers and shops follow prepositions too
            if english is None:
                english = detect_language(text) == "en"
            if not english and _norm(words[0]) not in FIRST_NAMES and not _plausible_full_name(words):
                continue
            results.append(
                RecognizerResult(
                    "PERSON",
                    start,
                    end,
                    0.85 if len(words) > 1 else 0.7,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        "rule": "spacy_ner",
                    },
                )
            )
        return results


def build_recognizers(
    entities: tuple[str, ...], use_ner: bool = True, extra: frozenset[str] = frozenset()
) -> list[EntityRecognizer]:
    """The registry content: one recognizer per finder, Presidio's e-mail recognizer, spaCy PERSON."""
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    from evalpipe.pii.patterns import ALL_FINDERS

    recs: list[EntityRecognizer] = []
    for entity, finder in ALL_FINDERS.items():
        if entity == "PERSON":
            # ALL_FINDERS is typed by its common shape (text -> hits); the PERSON finder also takes `extra`.
            finder = functools.partial(cast("Callable[..., list[Hit]]", finder), extra=extra)
        if entity in entities:
            recs.append(FinderRecognizer(entity, finder, name=f"evalpipe_{entity.lower()}"))
    if "EMAIL_ADDRESS" in entities:
        recs.append(EmailRecognizer())  # validates the TLD with tldextract (offline snapshot)
    if use_ner and "PERSON" in entities:
        recs.append(FilteredSpacyPersonRecognizer(extra))
    return recs
