"""A real Dagster webserver + daemon on localhost, isolated in tmp (lake, warehouse, DAGSTER_HOME)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterServer:
    def __init__(self, url: str, env: dict[str, str]):
        self.url = url
        self.env = env

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        req = urllib.request.Request(
            f"{self.url}/graphql",
            method="POST",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            body = json.loads(r.read())
        assert "errors" not in body, body
        return body["data"]

    def launch(self, job: str, tags: dict[str, str] | None = None) -> str:
        data = self.graphql(
            """
            mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
              __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
              ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }""",
            {
                "p": {
                    "selector": {
                        "repositoryLocationName": "evalpipe",
                        "repositoryName": "__repository__",
                        "jobName": job,
                    },
                    "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]},
                }
            },
        )
        res = data["launchRun"]
        assert res["__typename"] == "LaunchRunSuccess", res
        return res["run"]["runId"]

    def wait(self, run_id: str, timeout: float = 600) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.graphql(
                "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id}
            )["runOrError"]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                return status
            time.sleep(2)
        raise TimeoutError(f"run {run_id} still running after {timeout}s")


def _tiny_systems(tmp: Path) -> Path:
    """Two systems on a tiny random Llama: the server test exercises the wiring, not the model."""
    from evalpipe.inference import save_tiny_llama

    model_dir = save_tiny_llama(tmp / "tiny-llama", max_position_embeddings=4096)
    path = tmp / "systems.yaml"
    path.write_text(f"""
systems:
  baseline:
    baseline: true
    backend: transformers
    model: {model_dir}
    template: {{name: terse, version: "1", system_prompt: "Answer briefly."}}
    decoding: {{max_new_tokens: 8, temperature: 0.0, seed: 0}}
    max_prompt_tokens: 512
    options: {{batch_size: 32, num_threads: 1}}
  candidate:
    backend: transformers
    model: {model_dir}
    template: {{name: verbose, version: "1", system_prompt: "Answer in detail."}}
    decoding: {{max_new_tokens: 8, temperature: 0.0, seed: 0}}
    max_prompt_tokens: 512
    options: {{batch_size: 32, num_threads: 1}}
""")
    return path


@pytest.fixture(scope="module")  # the daemon stops with its test file: no background runs later
def dagster_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dagster_e2e")
    home = tmp / "home"
    home.mkdir()
    systems = _tiny_systems(tmp)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home),
        EVALPIPE_LAKE=str(tmp / "lake"),
        EVALPIPE_RESTRICTED=str(tmp / "restricted"),
        EVALPIPE_WAREHOUSE=str(tmp / "wh" / "evalpipe.duckdb"),
        EVALPIPE_CACHE=str(tmp / "cache"),
        EVALPIPE_REPORTS=str(tmp / "reports"),
        EVALPIPE_SYSTEMS=str(systems),
        EVALPIPE_JUDGE_MODE="off",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        OMP_WAIT_POLICY="PASSIVE",
    )
    dagster = Path(sys.executable).parent / "dagster"
    log = open(tmp / "dagster_dev.log", "w")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    server = DagsterServer(url, env)
    try:
        deadline = time.time() + 180
        while True:
            try:
                server.graphql("{ version }")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError((tmp / "dagster_dev.log").read_text()[-3000:]) from None
                time.sleep(1)
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
