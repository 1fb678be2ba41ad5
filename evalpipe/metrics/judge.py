"""LLM-as-judge: pointwise rubric scoring and position-swapped pairwise comparison.

One small protocol, `JudgeClient` (`complete(list[messages]) -> list[JudgeReply]`), with two
implementations: `OpenAICompatJudgeClient` (any /v1/chat/completions endpoint: OpenAI, vLLM,
llama.cpp; retries 429/5xx/timeouts with exponential backoff and Retry-After) and
`CallableJudgeClient` (an in-process `generate(list[messages]) -> list[str]`, e.g. the local
small model in the demo). Raw judge replies are cached on disk by (judge fingerprint, prompt
hash, sample index) in SQLite, so a rerun costs nothing and stays identical.

Scoring modes (part of the judge fingerprint):
- `json`: the judge writes `{"score", "reason"}`; replies are parsed (any endpoint).
- `logprob`: the rubric is presented and the judge's next-token probabilities of the score tokens
  "1".."5" are read at the answer position; the score is their expectation and the distribution
  is kept (G-Eval). Needs an `OptionScorer` client: the local model, or an OpenAI-compatible
  endpoint that returns `top_logprobs`. A small model then yields a score every time; whether
  that score agrees with people is for calibration to measure.
- `constrained`: the reply is decoded with logits masked to the JSON grammar of the schema, so it
  always parses (local backends).

Nothing becomes a silent NaN: every verdict carries a status (ok / partial / parse_failure /
refusal / error) and counts of each outcome across its K samples.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast, runtime_checkable

from evalpipe.metrics.constraints import extract_json, is_refusal

Messages = list[dict[str, str]]
GenerateFn = Callable[[list[Messages]], list[str]]


@dataclass(frozen=True)
class JudgeReply:
    text: str | None
    error: str | None = None  # transport failure after retries (never cached)
    cached: bool = False


@runtime_checkable
class JudgeClient(Protocol):
    """Anything that turns chat prompts into reply texts; `fingerprint` identifies model+params."""

    fingerprint: str

    def complete(self, prompts: list[Messages], sample_index: int = 0) -> list[JudgeReply]: ...


JUDGE_MODES: tuple[str, ...] = ("json", "logprob", "constrained")
SCORE_LABELS: tuple[str, ...] = ("1", "2", "3", "4", "5")
PAIR_LABELS: tuple[str, ...] = ("A", "B")


@dataclass(frozen=True)
class OptionProbs:
    """Next-token probabilities of a fixed set of option strings at the answer position.

    `probs` is renormalised over the options (None when no option token was seen, e.g. absent from
    an endpoint's top_logprobs); `mass` is the raw probability the model put on them (a diagnostic:
    low mass means the model wanted to say something else).
    """

    probs: dict[str, float] | None
    mass: float | None = None
    error: str | None = None
    cached: bool = False


@runtime_checkable
class OptionScorer(Protocol):
    """A client that can read option probabilities (logprob mode)."""

    fingerprint: str

    def option_probs(self, prompts: list[Messages], options: Sequence[str]) -> list[OptionProbs]: ...


@runtime_checkable
class ConstrainedClient(Protocol):
    """A client that decodes under the pointwise JSON grammar (constrained mode)."""

    fingerprint: str

    def complete_constrained(self, prompts: list[Messages]) -> list[JudgeReply]: ...


def option_probs_from_logprobs(
    top: Sequence[tuple[str, float]], options: Sequence[str]
) -> tuple[dict[str, float] | None, float]:
    """Aggregate (token, logprob) pairs onto options by stripped token text ("4" and " 4" both
    count for "4"); returns (renormalised probs or None, raw mass)."""
    acc = dict.fromkeys(options, 0.0)
    for tok, lp in top:
        key = str(tok).strip()
        if key in acc and lp is not None and math.isfinite(lp):
            acc[key] += math.exp(lp)
    mass = sum(acc.values())
    if mass <= 0:
        return None, 0.0
    return {k: v / mass for k, v in acc.items()}, mass


def _stable_hash(obj: object) -> str:
    return hashlib.blake2b(
        json.dumps(obj, sort_keys=True, ensure_ascii=False).encode(), digest_size=16
    ).hexdigest()


class JudgeCache:
    """SQLite store of raw judge replies keyed by (fingerprint, prompt hash, sample index)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS judge_cache (fingerprint TEXT, prompt_hash TEXT, sample INTEGER, "
            "reply TEXT NOT NULL, created REAL, PRIMARY KEY (fingerprint, prompt_hash, sample))"
        )
        self._conn.commit()
        self.hits = 0
        self.misses = 0

    def get(self, fingerprint: str, prompt_hash: str, sample: int) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT reply FROM judge_cache WHERE fingerprint=? AND prompt_hash=? AND sample=?",
                (fingerprint, prompt_hash, sample),
            ).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return row[0]

    def put(self, fingerprint: str, prompt_hash: str, sample: int, reply: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO judge_cache VALUES (?, ?, ?, ?, ?)",
                (fingerprint, prompt_hash, sample, reply, time.time()),
            )
            self._conn.commit()

    def close(self) -> None:
        self._conn.close()


def cached_complete(
    client: JudgeClient, prompts: list[Messages], sample_index: int, cache: JudgeCache | None
) -> list[JudgeReply]:
    """Serve what the cache has, send only the misses, store successful replies."""
    if cache is None:
        return client.complete(prompts, sample_index)
    hashes = [_stable_hash(p) for p in prompts]
    out: list[JudgeReply | None] = []
    todo: list[int] = []
    for i, h in enumerate(hashes):
        hit = cache.get(client.fingerprint, h, sample_index)
        out.append(JudgeReply(hit, cached=True) if hit is not None else None)
        if hit is None:
            todo.append(i)
    if todo:
        fresh = client.complete([prompts[i] for i in todo], sample_index)
        for i, r in zip(todo, fresh, strict=True):
            out[i] = r
            if r.error is None and r.text is not None:
                cache.put(client.fingerprint, hashes[i], sample_index, r.text)
    return [r for r in out if r is not None]


def cached_option_probs(
    client: OptionScorer, prompts: list[Messages], options: Sequence[str], cache: JudgeCache | None
) -> list[OptionProbs]:
    """`cached_complete` for logprob mode: the distribution is stored as JSON under a key that
    includes the options (so a score read and a pairwise read never collide)."""
    if cache is None:
        return client.option_probs(prompts, options)
    fp = f"{client.fingerprint}|options={','.join(options)}"
    hashes = [_stable_hash(p) for p in prompts]
    out: list[OptionProbs | None] = []
    todo: list[int] = []
    for i, h in enumerate(hashes):
        hit = cache.get(fp, h, 0)
        if hit is not None:
            d = json.loads(hit)
            out.append(OptionProbs(d["probs"], d["mass"], None, cached=True))
        else:
            out.append(None)
            todo.append(i)
    if todo:
        fresh = client.option_probs([prompts[i] for i in todo], options)
        for i, r in zip(todo, fresh, strict=True):
            out[i] = r
            if r.error is None:
                cache.put(fp, hashes[i], 0, json.dumps({"probs": r.probs, "mass": r.mass}, sort_keys=True))
    return [r for r in out if r is not None]


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


class OpenAICompatJudgeClient:
    """Judge over an OpenAI-compatible chat-completions endpoint.

    The API key is read from the environment variable named by `api_key_env` (never stored in
    config). HTTP, retries and backoff are the project's one client policy (`evalpipe.openai_http`,
    shared with the inference backend): `max_retries` retries after the first attempt, then the
    reply is a recorded error.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = "OPENAI_API_KEY",
        temperature: float = 0.0,
        max_tokens: int = 256,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        seed: int | None = 0,
        json_mode: bool = False,
        concurrency: int = 4,
        top_logprobs: int = 20,
        transport=None,
    ):
        import httpx

        from evalpipe.openai_http import RetryPolicy, auth_headers

        if temperature > 0.3:
            raise ValueError("judge temperature must be <= 0.3 (near-deterministic scoring)")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.max_retries = max_retries
        self.policy = RetryPolicy(
            max_attempts=max_retries + 1, backoff_base_s=backoff_s, backoff_max_s=max_backoff_s
        )
        self.seed = seed
        self.json_mode = json_mode
        self.concurrency = max(1, concurrency)
        self.top_logprobs = int(top_logprobs)
        key = os.environ.get(api_key_env, "") if api_key_env else ""
        self._http = httpx.Client(timeout=timeout_s, headers=auth_headers(key), transport=transport)
        self.fingerprint = f"openai:{model}:t={temperature}:max={max_tokens}:seed={seed}:json={json_mode}"
        self.stats = {"requests": 0, "retries": 0, "failures": 0}

    def _post(self, body: dict) -> tuple[dict | None, str | None]:
        """POST one chat completion under the shared retry policy; (response JSON, None) or (None, error)."""
        from evalpipe.openai_http import MalformedResponse, post_with_retries

        def parse(resp) -> dict:
            try:
                payload = resp.json()
                payload["choices"][0]["message"]
                return payload
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise MalformedResponse(type(exc).__name__) from exc

        def attempt_started(attempt: int) -> None:
            self.stats["requests"] += 1
            self.stats["retries"] += attempt > 1

        out = post_with_retries(
            self._http,
            f"{self.base_url}/chat/completions",
            body,
            parse,
            self.policy,
            on_attempt=attempt_started,
        )
        if not out.ok:
            self.stats["failures"] += 1
        return out.value, out.error

    def _body(self, messages: Messages, sample_index: int) -> dict:
        body: dict = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if self.seed is not None:
            body["seed"] = self.seed + sample_index
        return body

    def _one(self, messages: Messages, sample_index: int) -> JudgeReply:
        body = self._body(messages, sample_index)
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        payload, err = self._post(body)
        if payload is None:
            return JudgeReply(None, err)
        return JudgeReply(payload["choices"][0]["message"].get("content") or "")

    def _one_options(self, messages: Messages, options: Sequence[str]) -> OptionProbs:
        """Logprob mode through the API: one token, `top_logprobs`, aggregated onto the options."""
        body = self._body(messages, 0)
        body.update(max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=self.top_logprobs)
        payload, err = self._post(body)
        if payload is None:
            return OptionProbs(None, None, err)
        try:
            first = payload["choices"][0]["logprobs"]["content"][0]
            top = [(t["token"], t["logprob"]) for t in first.get("top_logprobs") or []]
            if not top:
                top = [(first["token"], first["logprob"])]
        except (KeyError, IndexError, TypeError):
            return OptionProbs(None, None, "endpoint returned no logprobs (does it support top_logprobs?)")
        probs, mass = option_probs_from_logprobs(top, options)
        return OptionProbs(probs, mass)

    def _map(self, fn, prompts: list):
        if self.concurrency == 1 or len(prompts) <= 1:
            return [fn(p) for p in prompts]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(fn, prompts))

    def option_probs(self, prompts: list[Messages], options: Sequence[str]) -> list[OptionProbs]:
        return self._map(lambda p: self._one_options(p, options), prompts)

    def complete(self, prompts: list[Messages], sample_index: int = 0) -> list[JudgeReply]:
        return self._map(lambda p: self._one(p, sample_index), prompts)

    def close(self) -> None:
        self._http.close()


class CallableJudgeClient:
    """Judge backed by an in-process generate function (`list[messages] -> list[str]`)."""

    def __init__(self, generate: GenerateFn, name: str, batch_size: int = 16):
        self.generate = generate
        self.batch_size = batch_size
        self.fingerprint = f"callable:{name}"

    def complete(self, prompts: list[Messages], sample_index: int = 0) -> list[JudgeReply]:
        out: list[JudgeReply] = []
        for s in range(0, len(prompts), self.batch_size):
            chunk = prompts[s : s + self.batch_size]
            try:
                texts = list(self.generate(chunk))
                if len(texts) != len(chunk):
                    raise ValueError(f"generate returned {len(texts)} texts for {len(chunk)} prompts")
                out.extend(JudgeReply(str(t)) for t in texts)
            except Exception as exc:  # recorded per item, never raised past the judge
                out.extend(JudgeReply(None, f"{type(exc).__name__}: {exc}") for _ in chunk)
        return out


# ---------------------------------------------------------------------------------------------
# Pointwise
# ---------------------------------------------------------------------------------------------

POINTWISE_SCHEMA = {
    "type": "object",
    "required": ["score", "reason"],
    "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5}, "reason": {"type": "string"}},
}

PAIRWISE_SCHEMA = {
    "type": "object",
    "required": ["winner", "reason"],
    "properties": {"winner": {"enum": ["1", "2", "tie", 1, 2]}, "reason": {"type": "string"}},
}


@dataclass(frozen=True)
class Rubric:
    """Criterion plus anchored descriptions for each level 1..5 (anchors make scores comparable)."""

    name: str
    criterion: str
    levels: dict[int, str]
    version: str = "1"

    def render(self) -> str:
        anchors = "\n".join(f"{k} = {v}" for k, v in sorted(self.levels.items()))
        return f"Criterion: {self.criterion}\nScore levels:\n{anchors}"


HELPDESK_RUBRIC = Rubric(
    name="helpdesk_correctness",
    criterion=(
        "Is the answer correct, complete and appropriate for a customer of the Brightdesk help desk? "
        "Facts (prices, refund window, cancellation, data retention) must match the reference or context; "
        "the answer must be in the customer's language and must refuse only requests it should refuse."
    ),
    levels={
        1: "Wrong or harmful: invented prices or policies, leaks data, or refuses a legitimate question.",
        2: "Mostly wrong or unhelpful: a key fact is wrong, or the answer is in the wrong language.",
        3: "Partly correct: the main point is right but a detail is wrong or an important part is missing.",
        4: "Correct and helpful, with minor issues of completeness, tone or verbosity.",
        5: "Fully correct, complete, concise and in the customer's language.",
    },
)


@dataclass(frozen=True)
class JudgeItem:
    question: str
    answer: str
    reference: str | None = None
    context: Sequence[str] | None = None
    item_id: str | None = None


@dataclass
class PointwiseVerdict:
    item_id: str | None
    status: str  # ok | partial | parse_failure | refusal | error
    score_mean: float | None
    score_var: float | None
    scores: list[int] = field(default_factory=list)
    reason: str | None = None
    n_parse_failures: int = 0
    n_refusals: int = 0
    n_errors: int = 0
    n_cached: int = 0
    passed: bool = False
    detail: str = ""
    mode: str = "json"
    distribution: dict[int, float] | None = None  # logprob/constrained: P(score = k) over 1..5
    score_mass: float | None = None  # raw probability on the score tokens (logprob mode)

    @property
    def score_sd(self) -> float | None:
        """Judge uncertainty: sd of the score distribution (logprob) or of the K samples (json)."""
        if self.distribution:
            m = sum(k * p for k, p in self.distribution.items())
            return math.sqrt(max(0.0, sum(p * (k - m) ** 2 for k, p in self.distribution.items())))
        return math.sqrt(self.score_var) if self.score_var is not None else None


def parse_pointwise(text: str | None) -> tuple[int | None, str | None, str]:
    """(score, reason, status) from a judge reply; out-of-range or non-integer score = parse_failure."""
    import jsonschema

    if text is None:
        return None, None, "error"
    value, err = extract_json(text)
    if err is None:
        try:
            jsonschema.validate(value, POINTWISE_SCHEMA)
            return int(value["score"]), str(value["reason"]), "ok"
        except jsonschema.ValidationError as exc:
            err = f"schema: {exc.message}"
    if is_refusal(text):
        return None, None, "refusal"
    return None, err, "parse_failure"


LOGPROB_INSTRUCTION = "\nReply with the score only: a single digit from 1 to 5."
JSON_INSTRUCTION = '\nReply with JSON only: {"score": <integer 1-5>, "reason": "<one sentence>"}'


def _messages_pointwise(rubric: Rubric, item: JudgeItem, mode: str = "json") -> Messages:
    parts = [f"Question:\n{item.question}"]
    if item.context:
        parts.append("Retrieved context:\n" + "\n".join(f"- {c}" for c in item.context))
    if item.reference:
        parts.append(f"Reference answer:\n{item.reference}")
    parts.append(f"Answer to grade:\n{item.answer}")
    instruction = LOGPROB_INSTRUCTION if mode == "logprob" else JSON_INSTRUCTION
    return [
        {"role": "system", "content": "You are a strict evaluator. " + rubric.render() + instruction},
        {"role": "user", "content": "\n\n".join(parts)},
    ]


def _check_mode(mode: str, client: object, pairwise: bool = False) -> None:
    if mode not in JUDGE_MODES:
        raise ValueError(f"judge mode must be one of {', '.join(JUDGE_MODES)}, not {mode!r}")
    if mode == "logprob" and not isinstance(client, OptionScorer):
        raise ValueError(
            f"judge mode 'logprob' needs a client that returns token probabilities (the local model or an "
            f"endpoint with top_logprobs); {type(client).__name__} does not"
        )
    if mode == "constrained" and (pairwise or not isinstance(client, ConstrainedClient)):
        raise ValueError(
            f"judge mode 'constrained' needs a local client that masks logits to the grammar"
            f"{' (pointwise only)' if pairwise else ''}; {type(client).__name__} does not"
        )


class PointwiseJudge:
    """Rubric scoring in one of JUDGE_MODES; json/constrained take K samples per item (mean and
    variance over the parsed samples), logprob reads one distribution per item."""

    def __init__(
        self,
        client: JudgeClient,
        rubric: Rubric = HELPDESK_RUBRIC,
        *,
        samples: int = 1,
        cache: JudgeCache | None = None,
        pass_score: float = 4.0,
        mode: str = "json",
    ):
        _check_mode(mode, client)
        self.client = client
        self.rubric = rubric
        self.mode = mode
        self.samples = 1 if mode in ("logprob", "constrained") else max(1, samples)  # both deterministic
        self.cache = cache
        self.pass_score = pass_score

    @property
    def fingerprint(self) -> str:
        return (
            f"{self.client.fingerprint}|rubric={self.rubric.name}@{self.rubric.version}"
            f"|k={self.samples}|mode={self.mode}"
        )

    def score(self, items: Sequence[JudgeItem]) -> list[PointwiseVerdict]:
        if self.mode == "logprob":
            return self._score_logprob(items)
        prompts = [_messages_pointwise(self.rubric, it, self.mode) for it in items]
        if self.mode == "constrained":
            per_sample = [self._constrained_cached(prompts)]
        else:
            per_sample = [cached_complete(self.client, prompts, k, self.cache) for k in range(self.samples)]
        verdicts = []
        for i, it in enumerate(items):
            scores: list[int] = []
            reasons: list[str | None] = []
            counts, last_err = {"parse_failure": 0, "refusal": 0, "error": 0}, ""
            n_cached = 0
            for k in range(self.samples):
                reply = per_sample[k][i]
                n_cached += reply.cached
                s, reason, status = parse_pointwise(reply.text)
                if status == "ok":  # an "ok" parse always carries a score
                    scores.append(cast(int, s))
                    reasons.append(reason)
                else:
                    counts[status] += 1
                    last_err = reply.error or reason or status
            if scores:
                mean = sum(scores) / len(scores)
                var = sum((x - mean) ** 2 for x in scores) / (len(scores) - 1) if len(scores) > 1 else 0.0
                status = "ok" if len(scores) == self.samples else "partial"
                verdicts.append(
                    PointwiseVerdict(
                        it.item_id,
                        status,
                        mean,
                        var,
                        scores,
                        reasons[0],
                        counts["parse_failure"],
                        counts["refusal"],
                        counts["error"],
                        n_cached,
                        mean >= self.pass_score,
                        last_err if status == "partial" else "",
                        mode=self.mode,
                    )
                )
            else:
                status = max(counts, key=lambda s: counts[s])
                verdicts.append(
                    PointwiseVerdict(
                        it.item_id,
                        status,
                        None,
                        None,
                        [],
                        None,
                        counts["parse_failure"],
                        counts["refusal"],
                        counts["error"],
                        n_cached,
                        False,
                        last_err,
                        mode=self.mode,
                    )
                )
        return verdicts

    def _constrained_cached(self, prompts: list[Messages]) -> list[JudgeReply]:
        client = self.client
        assert isinstance(client, ConstrainedClient)
        constrained: ConstrainedClient = client  # the narrowing does not reach into _Adapter

        class _Adapter:  # constrained replies cached like json ones, under their own fingerprint
            fingerprint = f"{client.fingerprint}|constrained"

            def complete(self, ps: list[Messages], sample_index: int = 0) -> list[JudgeReply]:
                return constrained.complete_constrained(ps)

        return cached_complete(_Adapter(), prompts, 0, self.cache)

    def _score_logprob(self, items: Sequence[JudgeItem]) -> list[PointwiseVerdict]:
        assert isinstance(self.client, OptionScorer)
        prompts = [_messages_pointwise(self.rubric, it, "logprob") for it in items]
        replies = cached_option_probs(self.client, prompts, SCORE_LABELS, self.cache)
        out = []
        for it, r in zip(items, replies, strict=True):
            if r.probs is None:
                status = "error" if r.error else "parse_failure"
                detail = r.error or "no score token (1-5) among the returned token probabilities"
                out.append(
                    PointwiseVerdict(
                        it.item_id,
                        status,
                        None,
                        None,
                        [],
                        None,
                        int(status == "parse_failure"),
                        0,
                        int(status == "error"),
                        int(r.cached),
                        False,
                        detail,
                        mode="logprob",
                        score_mass=r.mass,
                    )
                )
                continue
            dist = {int(k): float(v) for k, v in r.probs.items()}
            mean = sum(k * p for k, p in dist.items())
            var = sum(p * (k - mean) ** 2 for k, p in dist.items())
            top = max(dist, key=lambda k: dist[k])
            out.append(
                PointwiseVerdict(
                    it.item_id,
                    "ok",
                    mean,
                    var,
                    [top],
                    None,
                    0,
                    0,
                    0,
                    int(r.cached),
                    mean >= self.pass_score,
                    "",
                    mode="logprob",
                    distribution=dist,
                    score_mass=r.mass,
                )
            )
        return out


# ---------------------------------------------------------------------------------------------
# Pairwise
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairItem:
    question: str
    answer_a: str
    answer_b: str
    reference: str | None = None
    item_id: str | None = None


@dataclass
class PairVerdict:
    item_id: str | None
    winner: str  # "A" | "B" | "tie" (reconciled) | "invalid" (an order failed to parse)
    order_ab: str | None  # verdict of the (A first, B second) order, mapped to A/B/tie; None = failed
    order_ba: str | None
    consistent: bool | None
    status: str  # ok | parse_failure | refusal | error
    detail: str = ""
    p_a: float | None = None  # logprob mode: P(A better), averaged over both orders (position-debiased)
    p_first_ab: float | None = None  # logprob mode: P(first shown wins) in order AB ...
    p_first_ba: float | None = None  # ... and in order BA (both high = position bias)


def parse_pairwise(text: str | None) -> tuple[str | None, str]:
    """('1' | '2' | 'tie', status) from a judge reply."""
    import jsonschema

    if text is None:
        return None, "error"
    value, err = extract_json(text)
    if err is None:
        try:
            jsonschema.validate(value, PAIRWISE_SCHEMA)
            return str(value["winner"]), "ok"
        except jsonschema.ValidationError:
            pass
    return None, "refusal" if is_refusal(text) else "parse_failure"


def _messages_pairwise(
    rubric: Rubric, item: PairItem, first: str, second: str, mode: str = "json"
) -> Messages:
    ref = f"\n\nReference answer:\n{item.reference}" if item.reference else ""
    if mode == "logprob":
        names, instruction = ("A", "B"), "\nReply with the letter of the better answer only: A or B."
    else:
        names, instruction = (
            ("1", "2"),
            '\nReply with JSON only: {"winner": "1" | "2" | "tie", "reason": "<one sentence>"}',
        )
    return [
        {
            "role": "system",
            "content": "You compare two answers to the same question. "
            + f"Criterion: {rubric.criterion}"
            + instruction,
        },
        {
            "role": "user",
            "content": f"Question:\n{item.question}{ref}\n\nAnswer {names[0]}:\n{first}\n\nAnswer {names[1]}:\n{second}",
        },
    ]


def reconcile(order_ab: str | None, order_ba: str | None) -> str:
    """A win counts only when both orders agree; disagreement is a tie; a failed order is invalid."""
    if order_ab is None or order_ba is None:
        return "invalid"
    return order_ab if order_ab == order_ba else "tie"


def reconcile_probs(
    p_first_ab: float, p_first_ba: float, tie_margin: float = 0.1
) -> tuple[str, str, str, float]:
    """Logprob-mode reconciliation of both presentation orders.

    p_first_ab = P(first shown wins) with A first; p_first_ba = the same with B first. Each order's
    own verdict is its argmax (mapped to A/B); the debiased P(A better) is the mean of
    P(A wins | A first) and P(A wins | A second), which cancels a constant position bias. A win
    needs both orders to agree *and* the mean to clear 0.5 by `tie_margin`; otherwise tie.
    Returns (winner, order_ab, order_ba, p_a).
    """

    def side(p_first: float, first: str, second: str) -> str:
        return first if p_first > 0.5 else second if p_first < 0.5 else "tie"

    m1 = side(p_first_ab, "A", "B")
    m2 = side(p_first_ba, "B", "A")
    p_a = (p_first_ab + (1.0 - p_first_ba)) / 2
    agreed = reconcile(m1, m2)
    if agreed == "A" and p_a > 0.5 + tie_margin:
        winner = "A"
    elif agreed == "B" and p_a < 0.5 - tie_margin:
        winner = "B"
    else:
        winner = "tie"
    return winner, m1, m2, p_a


class PairwiseJudge:
    """Pairwise preference with both presentation orders judged and reconciled (json or logprob)."""

    def __init__(
        self,
        client: JudgeClient,
        rubric: Rubric = HELPDESK_RUBRIC,
        *,
        cache: JudgeCache | None = None,
        mode: str = "json",
        tie_margin: float = 0.1,
    ):
        _check_mode(mode, client, pairwise=True)
        self.client = client
        self.rubric = rubric
        self.cache = cache
        self.mode = mode
        self.tie_margin = tie_margin

    @property
    def fingerprint(self) -> str:
        return f"{self.client.fingerprint}|pairwise={self.rubric.name}@{self.rubric.version}|mode={self.mode}"

    def compare(self, items: Sequence[PairItem]) -> list[PairVerdict]:
        ab = [_messages_pairwise(self.rubric, it, it.answer_a, it.answer_b, self.mode) for it in items]
        ba = [_messages_pairwise(self.rubric, it, it.answer_b, it.answer_a, self.mode) for it in items]
        if self.mode == "logprob":
            return self._compare_logprob(items, ab, ba)
        replies = cached_complete(self.client, ab + ba, 0, self.cache)
        out = []
        for i, it in enumerate(items):
            w1, s1 = parse_pairwise(replies[i].text)
            w2, s2 = parse_pairwise(replies[len(items) + i].text)
            m1 = {"1": "A", "2": "B", "tie": "tie"}.get(w1) if w1 else None  # A shown first
            m2 = {"1": "B", "2": "A", "tie": "tie"}.get(w2) if w2 else None  # B shown first
            status = "ok" if s1 == s2 == "ok" else (s1 if s1 != "ok" else s2)
            errs = "; ".join(e for e in (replies[i].error, replies[len(items) + i].error) if e)
            out.append(
                PairVerdict(
                    it.item_id, reconcile(m1, m2), m1, m2, (m1 == m2) if (m1 and m2) else None, status, errs
                )
            )
        return out

    def _compare_logprob(
        self, items: Sequence[PairItem], ab: list[Messages], ba: list[Messages]
    ) -> list[PairVerdict]:
        assert isinstance(self.client, OptionScorer)
        replies = cached_option_probs(self.client, ab + ba, PAIR_LABELS, self.cache)
        out = []
        for i, it in enumerate(items):
            r1, r2 = replies[i], replies[len(items) + i]
            if r1.probs is None or r2.probs is None:
                errs = "; ".join(e for e in (r1.error, r2.error) if e)
                status = "error" if errs else "parse_failure"
                out.append(
                    PairVerdict(it.item_id, "invalid", None, None, None, status, errs or "no A/B token")
                )
                continue
            pf_ab, pf_ba = float(r1.probs["A"]), float(r2.probs["A"])  # "A" = the answer shown first
            winner, m1, m2, p_a = reconcile_probs(pf_ab, pf_ba, self.tie_margin)
            out.append(PairVerdict(it.item_id, winner, m1, m2, m1 == m2, "ok", "", p_a, pf_ab, pf_ba))
        return out


def pairwise_summary(verdicts: Sequence[PairVerdict]) -> dict[str, float | int]:
    """Wins/ties, position-consistency rate and first-position preference rate.

    first_position_preference = share of decisive single-order judgments that picked whichever
    answer was shown first (0.5 = no position bias).
    """
    valid = [v for v in verdicts if v.winner != "invalid"]
    first_picks = decisive = 0
    for v in valid:
        if v.order_ab in ("A", "B"):
            decisive += 1
            first_picks += v.order_ab == "A"
        if v.order_ba in ("A", "B"):
            decisive += 1
            first_picks += v.order_ba == "B"
    n = len(valid)
    return {
        "n": len(verdicts),
        "n_valid": n,
        "n_invalid": len(verdicts) - n,
        "wins_a": sum(v.winner == "A" for v in valid),
        "wins_b": sum(v.winner == "B" for v in valid),
        "ties": sum(v.winner == "tie" for v in valid),
        "position_consistency": (sum(bool(v.consistent) for v in valid) / n) if n else math.nan,
        "first_position_preference": (first_picks / decisive) if decisive else math.nan,
    }


def judge_from_config(
    cfg: dict,
    generate: GenerateFn | None = None,
    name: str = "local",
    rubric: Rubric = HELPDESK_RUBRIC,
    *,
    client: JudgeClient | None = None,
    mode: str | None = None,
) -> PointwiseJudge:
    """Build the PointwiseJudge that `metrics.yaml` describes (`judge:` section or the whole dict).

    With `client` (e.g. the local model's `LocalModelJudgeClient`) or `generate` (an in-process
    `list[messages] -> list[str]`) the judge runs in process; otherwise on the configured
    OpenAI-compatible endpoint. `mode` overrides the config's `mode` (default json).
    """
    jc = cfg.get("judge", cfg)
    if client is None and generate is not None:
        client = CallableJudgeClient(generate, name)
    elif client is None:
        client = OpenAICompatJudgeClient(
            jc["base_url"],
            jc["model"],
            api_key_env=jc.get("api_key_env"),
            temperature=float(jc.get("temperature", 0.0)),
            timeout_s=float(jc.get("timeout_s", 60)),
            max_retries=int(jc.get("max_retries", 4)),
            max_tokens=int(jc.get("max_tokens", 256)),
            top_logprobs=int(jc.get("top_logprobs", 20)),
        )
    cache = JudgeCache(jc["cache_path"]) if jc.get("cache_path") else None
    return PointwiseJudge(
        client,
        rubric,
        samples=int(jc.get("samples", 1)),
        cache=cache,
        pass_score=float(jc.get("pass_score", 4)),
        mode=str(mode or jc.get("mode", "json")),
    )
