"""The judge resource: the local small model in the demo, any OpenAI-compatible endpoint in production."""

from pathlib import Path

import dagster as dg

from evalpipe.metrics import judge_from_config, load_metrics_config
from evalpipe.metrics.judge import PointwiseJudge
from evalpipe.metrics.local_judge import local_generate_fn


class JudgeResource(dg.ConfigurableResource):
    """mode: local (SmolLM2 through the inference path) | endpoint (metrics.yaml `judge:`) | off."""

    mode: str = "local"
    metrics_config: str = "data/metrics.yaml"

    def build(self, cache_root: str) -> PointwiseJudge | None:
        if self.mode == "off":
            return None
        cfg = dict(load_metrics_config(self.metrics_config))
        jc = dict(cfg.get("judge", {}))
        jc["cache_path"] = str(Path(cache_root) / "judge.sqlite")
        if self.mode == "local":
            gen = local_generate_fn(Path(cache_root) / "judge_inference")
            return judge_from_config(jc, generate=gen, name=f"local:{gen.fingerprint}")
        if self.mode == "endpoint":
            return judge_from_config(jc)
        raise ValueError(f"judge mode must be local, endpoint or off, not {self.mode!r}")
