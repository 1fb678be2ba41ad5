"""The judge resource: the local small model in the demo, any OpenAI-compatible endpoint in production."""

from pathlib import Path

import dagster as dg

from evalpipe.metrics import judge_from_config, load_metrics_config
from evalpipe.metrics.judge import PointwiseJudge
from evalpipe.metrics.local_judge import LocalModelJudgeClient, local_generate_fn
from evalpipe.settings import Settings


class JudgeResource(dg.ConfigurableResource):
    """mode: local (SmolLM2 in process) | endpoint (metrics.yaml `judge:`) | off.

    The scoring mode comes from metrics.yaml: `judge.local_mode` for the local model (logprob by
    default: a 135M model cannot write the JSON, but its score-token probabilities are always
    there), `judge.mode` for the endpoint (json, or logprob where it returns top_logprobs).
    """

    mode: str = "local"
    metrics_config: str = Settings().metrics

    def build(self, cache_root: str) -> PointwiseJudge | None:
        if self.mode == "off":
            return None
        cfg = dict(load_metrics_config(self.metrics_config))
        jc = dict(cfg.get("judge", {}))
        jc["cache_path"] = str(Path(cache_root) / "judge.sqlite")
        if self.mode == "local":
            scoring = str(jc.get("local_mode", "logprob"))
            if scoring == "json":  # free generation through the inference runner (cached outputs)
                gen = local_generate_fn(Path(cache_root) / "judge_inference")
                return judge_from_config(jc, generate=gen, name=f"local:{gen.fingerprint}", mode="json")
            client = LocalModelJudgeClient.from_system(max_reason_tokens=int(jc.get("max_reason_tokens", 24)))
            return judge_from_config(jc, client=client, mode=scoring)
        if self.mode == "endpoint":
            return judge_from_config(jc)
        raise ValueError(f"judge mode must be local, endpoint or off, not {self.mode!r}")
