"""A real `chroma run` server on 127.0.0.1: ingest into it and run an interview against it."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

import pytest

from .conftest import VENV_BIN, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "chroma"), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("chroma server did not start within 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_interview_against_a_chroma_server(tmp_path, chroma_url, cli_env):
    env = dict(cli_env, INTERVIEWER_CHROMA_URL=chroma_url, INTERVIEWER_HOME=str(tmp_path / "server-home"))
    exe = str(VENV_BIN / "interviewer")
    ing = subprocess.run([exe, "ingest", "-q"], capture_output=True, text=True, env=env, timeout=300)
    assert ing.returncode == 0, ing.stderr
    assert chroma_url in ing.stdout
    assert not (tmp_path / "server-home" / "chroma").exists(), "nothing may be written to the embedded store"
    proc = subprocess.run(
        [exe, "chat", "--level", "staff", "--stages", "ml_system_design", "--questions", "2", "--json"],
        input="Start from requirements: latency, scale and the business metric, then data, features, model and serving.\n"
              "I would monitor drift and retrain.\nNot sure.\n",
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[-1]["type"] == "report" and rows[0]["level"] == "staff"
    assert (tmp_path / "server-home" / "interviewer.db").exists()


def test_unreachable_server_names_the_fix(tmp_path, cli_env):
    env = dict(cli_env, INTERVIEWER_CHROMA_URL=f"http://127.0.0.1:{free_port()}", INTERVIEWER_HOME=str(tmp_path))
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "chat", "--json"], input="", capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert "Cannot reach the Chroma server" in proc.stderr and "chroma run" in proc.stderr
