"""`pip install .` into a new venv gives a working `interviewer chat`: the wheel ships the bank and prompts."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow


def test_wheel_installs_and_chats_outside_the_checkout(tmp_path, cli_env):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("interviewer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("interviewer/_data/knowledge/bank/") and n.endswith(".yaml") for n in names)
    assert "interviewer/_data/knowledge/taxonomy.yaml" in names
    assert "interviewer/_data/prompts/offline_interviewer.yaml" in names
    assert "interviewer/_data/prompts/interview_turn.yaml" in names and "interviewer/llm/fake.py" in names
    assert "ui/app.py" in names

    # A new venv that installs the wheel itself; its (2 GB) dependencies are borrowed from the
    # test venv through a path entry, which does not run that venv's editable-install hook.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, timeout=300)

    env = dict(cli_env, INTERVIEWER_HOME=str(tmp_path / "home"))
    env.pop("PYTHONPATH", None)
    where = subprocess.run([str(py), "-c", "import interviewer, ui; print(interviewer.__file__, ui.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, check=True).stdout
    assert str(REPO) not in where and str(venv) in where
    proc = subprocess.run([str(venv / "bin" / "interviewer"), "chat", "--level", "mid", "--stages", "coding",
                           "--questions", "1", "--json"], input="A hash map gives O(1) average lookups.\nnot sure\n",
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=400)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[0]["type"] == "turn" and rows[-1]["type"] == "report"
