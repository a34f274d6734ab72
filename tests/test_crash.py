"""A slice of evals/crash.py: kill a worker mid-interview or mid-drill with SIGKILL, resume, lose nothing."""

from __future__ import annotations

import pytest

from .conftest import load_eval


@pytest.mark.slow
def test_sigkill_at_random_points_loses_no_answer_and_the_schedule_replays(home, capsys):
    crash = load_eval("crash")
    rc = crash.main(["--kills", "3", "--seed", "5", "--home", str(home), "--max-delay", "6", "--json"])
    out = capsys.readouterr().out.strip().splitlines()[-1]
    import json

    totals = json.loads(out)
    assert totals["kills"] == 3 and totals["given"] > 0
    assert totals["lost"] == 0 and totals["unreadable"] == 0 and totals["schedule_mismatch"] == 0, totals
    assert rc == 0
