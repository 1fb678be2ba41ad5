"""Judge tests against a stdlib HTTP server on 127.0.0.1 speaking the chat-completions shape."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evalpipe.metrics.judge import (
    SCORE_LABELS,
    CallableJudgeClient,
    JudgeCache,
    JudgeClient,
    JudgeItem,
    OpenAICompatJudgeClient,
    OptionProbs,
    PairItem,
    PairwiseJudge,
    PointwiseJudge,
    pairwise_summary,
    parse_pointwise,
    reconcile,
    reconcile_probs,
)


class FakeOpenAI:
    """Scripted server: `script(body) -> (status, content | None, delay_s)` per request."""

    def __init__(self, script):
        self.script = script
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                status, content, delay, *extra = outer.script(body)
                if delay:
                    time.sleep(delay)
                if status == 200:
                    choice = {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                    if extra:  # logprobs
                        choice["logprobs"] = extra[0]
                    payload = json.dumps(
                        {"id": "x", "object": "chat.completion", "choices": [choice]}
                    ).encode()
                else:
                    payload = json.dumps({"error": {"message": "nope"}}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def user_text(body: dict) -> str:
    return body["messages"][-1]["content"]


def client(url, **kw) -> OpenAICompatJudgeClient:
    kw.setdefault("backoff_s", 0.01)
    kw.setdefault("max_backoff_s", 0.05)
    kw.setdefault("timeout_s", 2.0)
    return OpenAICompatJudgeClient(url, "judge-model", api_key_env="EVALPIPE_TEST_JUDGE_KEY", **kw)


ITEM = JudgeItem(
    "How much is Team?", "Team is $29 per user per month.", "$29 per user per month.", item_id="q1"
)


def test_pointwise_ok_and_api_key_from_env(monkeypatch):
    monkeypatch.setenv("EVALPIPE_TEST_JUDGE_KEY", "sk-test")
    with FakeOpenAI(lambda b: (200, '```json\n{"score": 5, "reason": "correct"}\n```', 0)) as srv:
        c = client(srv.url)
        assert isinstance(c, JudgeClient)
        [v] = PointwiseJudge(c).score([ITEM])
    assert (v.status, v.score_mean, v.score_var, v.passed, v.reason) == ("ok", 5.0, 0.0, True, "correct")
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test"
    assert req["body"]["model"] == "judge-model" and req["body"]["temperature"] == 0.0
    assert "5 = Fully correct" in req["body"]["messages"][0]["content"]  # anchored rubric is sent


@pytest.mark.parametrize(
    "reply,status",
    [
        ("The answer looks fine, I'd give it a 4.", "parse_failure"),  # no JSON
        ('{"score": 7, "reason": "great"}', "parse_failure"),  # out of range
        ('{"score": 0, "reason": "bad"}', "parse_failure"),
        ('{"score": "4", "reason": "str"}', "parse_failure"),  # wrong type
        ('{"score": 4}', "parse_failure"),  # missing reason
        ('{"score": 4, "reason": "x"', "parse_failure"),  # truncated
        ("I'm sorry, but I can't evaluate this content.", "refusal"),
    ],
)
def test_pointwise_parse_failures_are_counted(reply, status):
    with FakeOpenAI(lambda b: (200, reply, 0)) as srv:
        [v] = PointwiseJudge(client(srv.url), samples=2).score([ITEM])
    assert v.status == status and v.score_mean is None and not v.passed
    assert (v.n_parse_failures if status == "parse_failure" else v.n_refusals) == 2


def test_parse_pointwise_with_chatter():
    assert parse_pointwise('Sure. {"score": 3, "reason": "partly right"} Hope this helps!') == (
        3,
        "partly right",
        "ok",
    )


def test_k_samples_mean_and_variance():
    scores = iter([3, 5, 4])
    with FakeOpenAI(lambda b: (200, json.dumps({"score": next(scores), "reason": "r"}), 0)) as srv:
        [v] = PointwiseJudge(client(srv.url, concurrency=1), samples=3).score([ITEM])
    assert v.scores == [3, 5, 4] and v.score_mean == 4.0 and v.score_var == pytest.approx(1.0)
    assert [r["body"]["seed"] for r in srv.requests] == [0, 1, 2]  # distinct seed per sample


def test_partial_when_some_samples_fail():
    replies = iter(['{"score": 4, "reason": "ok"}', "garbage"])
    with FakeOpenAI(lambda b: (200, next(replies), 0)) as srv:
        [v] = PointwiseJudge(client(srv.url, concurrency=1), samples=2).score([ITEM])
    assert v.status == "partial" and v.score_mean == 4.0 and v.n_parse_failures == 1


def test_retries_429_and_500_then_success():
    statuses = iter([429, 500, 503, 200])
    with FakeOpenAI(lambda b: (next(statuses), '{"score": 4, "reason": "ok"}', 0)) as srv:
        c = client(srv.url, max_retries=4)
        [v] = PointwiseJudge(c).score([ITEM])
    assert v.status == "ok" and v.score_mean == 4.0
    assert len(srv.requests) == 4 and c.stats["retries"] == 3


def test_persistent_500_is_recorded_failure():
    with FakeOpenAI(lambda b: (500, None, 0)) as srv:
        c = client(srv.url, max_retries=2)
        [v] = PointwiseJudge(c).score([ITEM])
    assert v.status == "error" and v.n_errors == 1 and v.score_mean is None
    assert "failed after 3 attempts: HTTP 500" in v.detail
    assert len(srv.requests) == 3


def test_timeout_retries_then_failure():
    with FakeOpenAI(lambda b: (200, '{"score": 4, "reason": "late"}', 0.5)) as srv:
        c = client(srv.url, max_retries=1, timeout_s=0.1)
        [v] = PointwiseJudge(c).score([ITEM])
    assert v.status == "error" and "timeout" in v.detail and len(srv.requests) == 2


def test_non_retryable_4xx_fails_fast():
    with FakeOpenAI(lambda b: (400, None, 0)) as srv:
        [v] = PointwiseJudge(client(srv.url, max_retries=3)).score([ITEM])
    assert v.status == "error" and "HTTP 400" in v.detail and len(srv.requests) == 1


def test_connection_refused_is_recorded():
    c = client("http://127.0.0.1:9/v1", max_retries=1)  # discard port: nothing listens
    [v] = PointwiseJudge(c).score([ITEM])
    assert v.status == "error" and "connection error" in v.detail


def test_cache_hit_on_repeat(tmp_path):
    with FakeOpenAI(lambda b: (200, '{"score": 2, "reason": "wrong price"}', 0)) as srv:
        cache = JudgeCache(tmp_path / "judge.sqlite")
        judge = PointwiseJudge(client(srv.url), cache=cache)
        first = judge.score([ITEM])
        again = PointwiseJudge(client(srv.url), cache=JudgeCache(tmp_path / "judge.sqlite")).score([ITEM])
    assert len(srv.requests) == 1
    assert first[0].score_mean == again[0].score_mean == 2.0 and again[0].n_cached == 1
    # a different judge fingerprint does not share entries
    with FakeOpenAI(lambda b: (200, '{"score": 3, "reason": "x"}', 0)) as srv2:
        other = PointwiseJudge(client(srv2.url, max_tokens=99), cache=cache).score([ITEM])
    assert other[0].score_mean == 3.0 and len(srv2.requests) == 1


def test_transport_failures_are_not_cached(tmp_path):
    cache = JudgeCache(tmp_path / "c.sqlite")
    with FakeOpenAI(lambda b: (500, None, 0)) as srv:
        PointwiseJudge(client(srv.url, max_retries=0), cache=cache).score([ITEM])
    with FakeOpenAI(lambda b: (200, '{"score": 5, "reason": "ok"}', 0)) as srv:
        [v] = PointwiseJudge(client(srv.url, max_retries=0), cache=cache).score([ITEM])
    assert v.status == "ok" and v.score_mean == 5.0


def test_temperature_cap():
    with pytest.raises(ValueError):
        OpenAICompatJudgeClient("http://127.0.0.1:1/v1", "m", temperature=0.7)


# ---------------------------------------------------------------------------------------------- pairwise

PAIR = PairItem("How much is Team?", "Team is $29 per user.", "Team is $39 per user.", item_id="p1")


def test_reconcile_rules():
    assert reconcile("A", "A") == "A" and reconcile("B", "B") == "B"
    assert reconcile("A", "B") == "tie" and reconcile("A", "tie") == "tie"
    assert reconcile(None, "A") == "invalid"


def test_pairwise_position_biased_judge_is_reconciled_to_tie():
    # The judge always prefers whatever is shown first: contradictory orders -> tie.
    with FakeOpenAI(lambda b: (200, '{"winner": "1", "reason": "first is better"}', 0)) as srv:
        [v] = PairwiseJudge(client(srv.url)).compare([PAIR])
    assert (v.order_ab, v.order_ba, v.winner, v.consistent) == ("A", "B", "tie", False)
    s = pairwise_summary([v])
    assert s["position_consistency"] == 0.0 and s["first_position_preference"] == 1.0 and s["ties"] == 1
    assert len(srv.requests) == 2
    first_shown = [user_text(r["body"]).split("Answer 1:\n")[1].split("\n")[0] for r in srv.requests]
    assert sorted(first_shown) == sorted([PAIR.answer_a, PAIR.answer_b])  # both orders were sent


def test_pairwise_consistent_judge_wins():
    def script(body):
        first = user_text(body).split("Answer 1:\n")[1].split("\n")[0]
        return 200, json.dumps({"winner": "1" if "$29" in first else "2", "reason": "right price"}), 0

    with FakeOpenAI(script) as srv:
        verdicts = PairwiseJudge(client(srv.url)).compare(
            [PAIR, PairItem("q", "Team is $39.", "Team is $29.")]
        )
    assert [v.winner for v in verdicts] == ["A", "B"]
    s = pairwise_summary(verdicts)
    assert s["wins_a"] == 1 and s["wins_b"] == 1 and s["position_consistency"] == 1.0
    assert s["first_position_preference"] == 0.5


def test_pairwise_parse_failure_is_invalid_not_tie():
    replies = iter(['{"winner": "1", "reason": "x"}', "cannot decide"])
    with FakeOpenAI(lambda b: (200, next(replies), 0)) as srv:
        [v] = PairwiseJudge(client(srv.url, concurrency=1)).compare([PAIR])
    assert v.winner == "invalid" and v.status == "parse_failure"
    assert pairwise_summary([v])["n_invalid"] == 1


# ---------------------------------------------------------------------------------------------- callable


def test_callable_client_same_interface(tmp_path):
    calls = []

    def generate(batch):
        calls.append(len(batch))
        return ['{"score": 4, "reason": "local model"}' for _ in batch]

    c = CallableJudgeClient(generate, name="smollm2-135m", batch_size=2)
    assert isinstance(c, JudgeClient)
    judge = PointwiseJudge(c, cache=JudgeCache(tmp_path / "j.sqlite"))
    items = [JudgeItem(f"q{i}", "a") for i in range(3)]
    assert [v.score_mean for v in judge.score(items)] == [4.0, 4.0, 4.0]
    assert calls == [2, 1]
    judge.score(items)
    assert calls == [2, 1]  # cached


def test_callable_client_exceptions_become_errors():
    def boom(batch):
        raise RuntimeError("OOM")

    [v] = PointwiseJudge(CallableJudgeClient(boom, "x")).score([ITEM])
    assert v.status == "error" and "RuntimeError: OOM" in v.detail

    [v] = PointwiseJudge(CallableJudgeClient(lambda b: [], "y")).score([ITEM])
    assert v.status == "error" and "returned 0 texts" in v.detail


def test_judge_from_config(tmp_path):
    from evalpipe.metrics.evaluator import load_metrics_config
    from evalpipe.metrics.judge import judge_from_config

    cfg = load_metrics_config()
    cfg["judge"]["cache_path"] = str(tmp_path / "j.sqlite")
    local = judge_from_config(cfg, generate=lambda b: ['{"score": 3, "reason": "meh"}'] * len(b), name="smol")
    assert local.fingerprint.startswith("callable:smol|rubric=helpdesk_correctness@1")
    assert local.fingerprint.endswith("|mode=json")
    assert local.score([ITEM])[0].score_mean == 3.0 and not local.score([ITEM])[0].passed
    with FakeOpenAI(lambda b: (200, '{"score": 5, "reason": "ok"}', 0)) as srv:
        cfg["judge"]["base_url"] = srv.url
        remote = judge_from_config(cfg)
        assert isinstance(remote.client, OpenAICompatJudgeClient)
        assert remote.score([ITEM])[0].score_mean == 5.0
    assert srv.requests[0]["body"]["model"] == cfg["judge"]["model"]


# ---------------------------------------------------------------------------------------------- logprob mode


def top_logprobs(pairs):
    return {
        "content": [
            {
                "token": pairs[0][0],
                "logprob": pairs[0][1],
                "top_logprobs": [{"token": t, "logprob": lp} for t, lp in pairs],
            }
        ]
    }


def test_logprob_mode_through_the_api():
    import math

    pairs = [
        ("4", math.log(0.5)),
        (" 5", math.log(0.2)),
        ("5", math.log(0.1)),
        ("The", math.log(0.15)),
        ("3", math.log(0.05)),
    ]
    with FakeOpenAI(lambda b: (200, "4", 0, top_logprobs(pairs))) as srv:
        judge = PointwiseJudge(client(srv.url), mode="logprob")
        [v] = judge.score([ITEM])
    body = srv.requests[0]["body"]
    assert body["logprobs"] is True and body["top_logprobs"] == 20 and body["max_tokens"] == 1
    assert "single digit from 1 to 5" in body["messages"][0]["content"]
    mass = 0.5 + 0.2 + 0.1 + 0.05
    # " 5" and "5" both count for 5; "The" is not a score token
    assert v.distribution == pytest.approx({1: 0, 2: 0, 3: 0.05 / mass, 4: 0.5 / mass, 5: 0.3 / mass})
    assert v.score_mean == pytest.approx((3 * 0.05 + 4 * 0.5 + 5 * 0.3) / mass)
    assert v.score_mass == pytest.approx(mass) and v.status == "ok" and v.mode == "logprob"
    assert v.passed  # 4.29 >= 4
    assert judge.fingerprint.endswith("|mode=logprob")


def test_logprob_mode_api_without_score_tokens_is_parse_failure_and_no_logprobs_is_error():
    with FakeOpenAI(lambda b: (200, "The", 0, top_logprobs([("The", -0.1), ("I", -2.0)]))) as srv:
        [v] = PointwiseJudge(client(srv.url), mode="logprob").score([ITEM])
    assert v.status == "parse_failure" and v.score_mean is None and "no score token" in v.detail
    with FakeOpenAI(lambda b: (200, "4", 0)) as srv:
        [v] = PointwiseJudge(client(srv.url), mode="logprob").score([ITEM])
    assert v.status == "error" and "no logprobs" in v.detail


def test_mode_changes_fingerprint_and_unsupported_mode_is_refused():
    c = CallableJudgeClient(lambda b: ["x"] * len(b), "c")
    assert (
        PointwiseJudge(c).fingerprint
        != PointwiseJudge(client("http://127.0.0.1:9"), mode="logprob").fingerprint
    )
    with pytest.raises(ValueError, match="needs a client that returns token probabilities"):
        PointwiseJudge(c, mode="logprob")
    with pytest.raises(ValueError, match="constrained"):
        PointwiseJudge(client("http://127.0.0.1:9"), mode="constrained")
    with pytest.raises(ValueError, match="judge mode must be one of"):
        PointwiseJudge(c, mode="vibes")


class ScriptedScorer:
    """OptionScorer whose P(first shown answer wins) comes from a function of the prompt."""

    fingerprint = "scripted"

    def __init__(self, p_first):
        self.p_first = p_first
        self.prompts = []

    def complete(self, prompts, sample_index=0):
        raise AssertionError("logprob mode must not generate")

    def option_probs(self, prompts, options):
        self.prompts += prompts
        out = []
        for p in prompts:
            if tuple(options) == ("A", "B"):
                first = p[-1]["content"].split("Answer A:\n")[1].split("\n")[0]
                pf = self.p_first(first)
                out.append(OptionProbs({"A": pf, "B": 1 - pf}, 0.9))
            else:
                out.append(OptionProbs(dict.fromkeys(SCORE_LABELS, 0.2), 0.5))
        return out


def test_pairwise_logprob_contradictory_orders_reconcile_to_tie():
    # Always prefers the first-shown answer with p=0.9: the orders contradict each other.
    s = ScriptedScorer(lambda first: 0.9)
    [v] = PairwiseJudge(s, mode="logprob").compare([PAIR])
    assert (v.order_ab, v.order_ba, v.consistent, v.winner) == ("A", "B", False, "tie")
    assert v.p_first_ab == pytest.approx(0.9) and v.p_first_ba == pytest.approx(0.9)
    assert v.p_a == pytest.approx(0.5)  # the position bias cancels
    summ = pairwise_summary([v])
    assert summ["first_position_preference"] == 1.0 and summ["position_consistency"] == 0.0
    assert len(s.prompts) == 2 and "Reply with the letter" in s.prompts[0][0]["content"]


def test_pairwise_logprob_consistent_and_weak_preferences():
    s = ScriptedScorer(lambda first: 0.8 if "$29" in first else 0.3)
    [v] = PairwiseJudge(s, mode="logprob").compare([PAIR])  # A = $29
    assert (v.winner, v.consistent) == ("A", True) and v.p_a == pytest.approx((0.8 + 0.7) / 2)
    # Both orders agree but barely: inside the tie margin -> tie.
    s2 = ScriptedScorer(lambda first: 0.55 if "$29" in first else 0.45)
    [w] = PairwiseJudge(s2, mode="logprob", tie_margin=0.1).compare([PAIR])
    assert w.consistent and w.winner == "tie"
    assert reconcile_probs(0.2, 0.9)[0] == "B"  # A first loses, B first wins: B
