"""The terminal chat, run as a user would: the `interviewer` command in a subprocess."""

from __future__ import annotations

import json
import subprocess

from .conftest import VENV_BIN

EXE = str(VENV_BIN / "interviewer")
ANSWERS = [
    "Supervised learning trains on labelled examples, so each input comes with the target to predict, "
    "as in classification and regression. Unsupervised learning finds structure in unlabelled data, "
    "for example clustering or dimensionality reduction. Reinforcement learning learns a policy from rewards "
    "an agent receives by acting in an environment.",
    "I don't know",
    "",
    "Overfitting is when the model memorises noise in training data and fails to generalise.",
    "Regularization adds a penalty on weights to the loss.",
    "Cross validation splits the data into folds and averages the validation score.",
]


def chat(env, *args, stdin: str, timeout=240):
    return subprocess.run([EXE, "chat", *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout)


def test_scripted_interview_runs_to_its_report_as_json(cli_env):
    proc = chat(cli_env, "--level", "junior", "--stages", "ml_fundamentals", "--questions", "3", "--seed", "4",
                "--json", stdin="\n".join(ANSWERS * 2) + "\n")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    turns, report = rows[:-1], rows[-1]
    assert report["type"] == "report"
    assert turns and all(r["type"] == "turn" for r in turns)
    needed = {"session_id", "question_id", "stage", "topic", "level", "question", "answer", "score", "covered", "missed", "is_follow_up"}
    for r in turns:
        assert needed <= set(r), needed - set(r)
        assert 0 <= r["score"] <= 5 and r["level"] == "junior" and r["stage"] == "ml_fundamentals"
    mains = [r for r in turns if not r["is_follow_up"]]
    assert len(mains) == 3 and len({r["question_id"] for r in mains}) == 3
    assert [r["answer"] for r in turns] == ANSWERS[: len(turns)]
    assert report["overall"] is not None and len(report["questions"]) == 3 and not report["finished_early"]
    idk = turns[1]
    assert idk["score"] <= 1 and "dont_know" in idk["flags"]


def test_end_of_input_ends_early_with_a_report_on_what_was_answered(cli_env):
    proc = chat(cli_env, "--level", "senior", "--stages", "ml_system_design,mlops", "--questions", "4",
                "--follow-ups", "0", stdin=ANSWERS[0] + "\n" + ANSWERS[3] + "\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Question 1 of 4" in out and "Question 2 of 4" in out and "Question 3 of 4" in out
    assert "Score:" in out and "Overall score" in out
    assert "interview ended early" in out and "--resume" in out


def test_resume_continues_a_stopped_interview(cli_env):
    first = chat(cli_env, "--level", "mid", "--stages", "coding", "--questions", "2", "--follow-ups", "0", "--json",
                 stdin=ANSWERS[3] + "\n")
    sid = json.loads(first.stdout.splitlines()[0])["session_id"]
    listed = subprocess.run([EXE, "sessions"], capture_output=True, text=True, env=cli_env)
    assert sid in listed.stdout
    second = chat(cli_env, "--resume", sid, "--json", stdin=ANSWERS[4] + "\n")
    assert second.returncode == 0, second.stderr
    rows = [json.loads(line) for line in second.stdout.splitlines()]
    assert rows[0]["session_id"] == sid and rows[0]["answer"] == ANSWERS[4]
    assert rows[-1]["type"] == "report" and len(rows[-1]["questions"]) == 2


def test_bad_options_get_clear_messages(cli_env):
    bad_level = chat(cli_env, "--level", "principal", stdin="")
    assert bad_level.returncode == 1
    assert "Unknown level 'principal'" in bad_level.stderr and "junior, mid, senior, staff" in bad_level.stderr
    bad_stage = chat(cli_env, "--stages", "ml_fundamentals,cooking", stdin="")
    assert bad_stage.returncode == 1 and "Unknown stage(s) 'cooking'" in bad_stage.stderr
    missing = chat(cli_env, "--resume", "doesnotexist", stdin="")
    assert missing.returncode == 1 and "No session 'doesnotexist'" in missing.stderr


def test_huge_and_binary_answers_are_graded_and_kept(cli_env):
    huge = "gradient descent " * 4000
    garbage = "\x01\x02\x03\x7f\ufffd\ufffd\ufffd\ufffd binary \x05\x06"
    proc = chat(cli_env, "--level", "junior", "--stages", "screening", "--questions", "2", "--follow-ups", "0", "--json",
                stdin=huge + "\n" + garbage + "\n")
    assert proc.returncode == 0, proc.stderr
    turns = [json.loads(line) for line in proc.stdout.splitlines()][:-1]
    assert turns[0]["answer"] == huge and "too_long" in turns[0]["flags"] and turns[0]["score"] <= 1
    assert turns[1]["answer"] == garbage and turns[1]["score"] <= 1 and turns[1]["flags"]


def test_missing_store_is_built_on_first_chat(tmp_path, cli_env):
    env = dict(cli_env, INTERVIEWER_HOME=str(tmp_path / "fresh"))
    proc = chat(env, "--level", "junior", "--stages", "screening", "--questions", "1", "--json", stdin="")
    assert proc.returncode == 0, proc.stderr
    assert "building it from the built-in question bank" in proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["type"] == "report"


def test_help_and_version():
    proc = subprocess.run([EXE, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "chat" in proc.stdout and "ingest" in proc.stdout
    v = subprocess.run([EXE, "--version"], capture_output=True, text=True)
    assert v.stdout.startswith("interviewer ")


def test_no_command_or_an_unknown_one_prints_usage_not_a_traceback():
    bare = subprocess.run([EXE], capture_output=True, text=True)
    assert bare.returncode == 2 and "Usage:" in bare.stdout + bare.stderr and "Traceback" not in bare.stderr
    unknown = subprocess.run([EXE, "chatt"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "No such command 'chatt'" in unknown.stderr and "Traceback" not in unknown.stderr
