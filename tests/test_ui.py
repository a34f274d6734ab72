"""The Gradio app: handlers called directly, and the real page in headless Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from interviewer.models import Assessment, KeyPointResult

from .conftest import REPO, VENV_BIN, free_port

GOOD = ("A hash table maps keys to buckets with a hash function, giving O(1) average lookups; "
        "collisions are handled by chaining or open addressing, and resizing keeps the load factor low.")


def test_assessment_markdown_shows_score_evidence_and_misses():
    from ui.app import assessment_markdown

    a = Assessment(score=3.5, reference_similarity=0.6, feedback=["Partly there.", "Most important gap: X"], key_points=[
        KeyPointResult(index=0, text="Uses a hash function", weight=0.5, covered=True, similarity=0.8, evidence="I hash the key."),
        KeyPointResult(index=1, text="Handles collisions", weight=0.5, covered=False, similarity=0.2, hint="Missing: Handles collisions"),
    ])
    md = assessment_markdown(a)
    assert "3.5 / 5" in md and "I hash the key." in md and "Missed:** Handles collisions" in md and "Partly there." in md


def test_handlers_run_an_interview_to_its_report(runtime):
    from ui.app import InterviewUI

    h = InterviewUI(runtime)
    sid, chat, *_ = h.start("junior", ["coding"], 2)
    assert "Question 1 of 2" in chat[-1]["content"]
    report_visible = None
    for _ in range(6):
        out = h.send(sid, GOOD, chat)
        _, chat, assessment_md, reference_md = out[:4]
        assert "Score:" in assessment_md and reference_md
        report_visible = out[5]
        if report_visible.get("visible"):
            break
    assert report_visible and report_visible["visible"]
    summary, frame, download = out[6], out[7], out[8]
    assert "overall" in summary and list(frame.columns) == ["topic", "score"]
    assert Path(download["value"]).read_text().startswith("# Mock interview report")
    # the finished session is not offered for resume; an unfinished one is
    sid2, *_ = h.start("mid", ["screening"], 3)
    assert [v for _, v in h.resume_choices()] == [sid2]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@contextmanager
def _ui_server(env: dict):
    """`interviewer ui` on a free port with ``env``, until it answers; yields its URL, stops it after."""
    port = free_port()
    server = subprocess.Popen([str(VENV_BIN / "interviewer"), "ui", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("ui exited: " + server.stdout.read())
                time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "INTERVIEWER"))}
    env["INTERVIEWER_HOME"] = str(home)
    return env


def test_ui_on_a_fresh_data_directory_opens_with_the_whole_knowledge_base(tmp_path):
    """What `make run` does on a new machine: no ingest beforehand; the page answers only once the
    built-in bank is stored in full (the completion marker is written last)."""
    from interviewer.bank.loading import load_bank
    from interviewer.config import KNOWLEDGE_DIR, Settings
    from interviewer.index.retrieval import KnowledgeBase, open_client

    settings = Settings(home=tmp_path / "new-user")
    with _ui_server(_clean_env(settings.home)) as url:
        assert settings.ingest_marker.is_file()
        assert b"<html" in urllib.request.urlopen(url, timeout=5).read().lower()
    bank = load_bank(KNOWLEDGE_DIR / "bank", KNOWLEDGE_DIR / "taxonomy.yaml")
    assert KnowledgeBase(open_client(settings)).stats()["questions"] == len(bank.questions)


def test_ui_that_cannot_build_its_knowledge_base_says_why_and_exits(tmp_path):
    home = tmp_path / "not-a-folder"
    home.write_text("a file where the data directory should be")
    out = subprocess.run([str(VENV_BIN / "interviewer"), "ui", "--port", str(free_port())], env=_clean_env(home),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "Cannot create the knowledge base folder" in out.stderr and "INTERVIEWER_HOME" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert home.read_text() == "a file where the data directory should be"


def _open_page(pw, chromium: str, url: str):
    """Debian's chromium, headless, on ``url``: (browser, page)."""
    browser = pw.chromium.launch(executable_path=chromium, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    return browser, page


@pytest.mark.slow
def test_browser_interview(tmp_path, home):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (`make test` installs it)")
    from playwright.sync_api import expect, sync_playwright

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "INTERVIEWER"))}
    env["INTERVIEWER_HOME"] = str(home)
    with _ui_server(env) as url, sync_playwright() as pw:
        browser, page = _open_page(pw, chromium, url)
        # level: pick "senior" from the dropdown
        page.locator("#level input").click()
        page.get_by_role("option", name="senior", exact=True).click()
        # stages: ML system design instead of the default ML fundamentals
        page.get_by_label("ML fundamentals").uncheck()
        page.get_by_label("ML system design").check()
        page.locator("#questions input[type=number]").fill("3")
        page.locator("#questions input[type=number]").press("Enter")
        page.locator("#start").click()
        chat = page.locator("#chat")
        expect(chat).to_contain_text("Question 1 of 3", timeout=60_000)
        expect(chat).to_contain_text("senior", timeout=5_000)
        answers = 0
        report = page.locator("#report-summary")
        while answers < 8 and not report.is_visible():
            page.locator("#answer textarea").fill(
                "I would start from the requirements: latency budget, throughput and the business metric. "
                "Then the data pipeline, features in a feature store, a candidate generation and ranking model, "
                "online serving with caching, and monitoring for drift with scheduled retraining.")
            page.locator("#send").click()
            answers += 1
            expect(page.locator("#assessment")).to_contain_text("Score:", timeout=60_000)
            expect(page.locator("#answer textarea")).to_have_value("", timeout=60_000)
            # The reply streams: the turn is over when Send is enabled again or the report shows.
            page.wait_for_function("() => !document.querySelector('#send').disabled"
                                   " || document.querySelector('#report-summary')?.offsetParent != null", timeout=60_000)
        expect(report).to_contain_text("overall", timeout=30_000)
        assessment = page.locator("#assessment").inner_text()
        assert "Covered" in assessment or "Missed" in assessment
        page.get_by_text("Reference answer").click()
        expect(page.locator("#reference")).to_contain_text("Rubric key points")
        expect(page.locator("#topic-plot")).to_be_visible()
        expect(page.locator("#download")).to_be_visible()
        out = REPO / "evals" / "out"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "ui_report.png"), full_page=True)
        assert "Question 3 of 3" in chat.inner_text()
        browser.close()


def test_follow_up_answer_is_not_revealed_before_it_is_asked(runtime):
    from ui.app import HIDDEN_REFERENCE, InterviewUI

    h = InterviewUI(runtime)
    sid, chat, *_ = h.start("mid", ["ml_fundamentals"], 2)
    pending = runtime.store.turns(sid)[-1]
    ref = runtime.kb.reference("builtin", pending.question_id)
    # A partial answer: the rubric's lightest key point and nothing else (a reference's first
    # sentence can be a summary that covers most of the rubric, so it is not reliably partial).
    partial = min(ref.key_points, key=lambda p: p.weight).text
    out = h.send(sid, partial, chat)
    _, chat, assessment_md, reference_md = out[:4]
    follow = runtime.store.turns(sid)[-1]
    assert follow.is_follow_up, "an answer that makes one key point leaves others to follow up on"
    probed = next(p for p in ref.key_points if p.index == follow.follow_up_of)
    assert reference_md == HIDDEN_REFERENCE
    assert probed.text not in assessment_md and "hidden until you answer the follow-up" in assessment_md
    out = h.send(sid, "I am not sure about that part.", chat)
    assert out[3] != HIDDEN_REFERENCE and ref.reference_answer[:60] in out[3]


def test_handlers_drill_what_an_interview_missed_and_show_progress(runtime):
    from ui.app import InterviewUI

    h = InterviewUI(runtime)
    sid, chat, *_ = h.start("mid", ["ml_fundamentals"], 1)
    out = h.send(sid, "No idea, sorry.", chat)
    summary, frame, due, points, path = h.progress("mid")
    assert "due for review now: " in summary.lower() and len(frame) == 1 and "missed on" in due
    missed = runtime.store.review_items()[0].key_point
    assert missed in due and Path(path).read_text().startswith("# Progress")
    dsid, dchat, *_ = h.start_drill("mid", ["ml_fundamentals"], 1)
    assert "Why this one: missed on" in dchat[-1]["content"]
    ref = runtime.kb.reference("builtin", runtime.store.turns(dsid)[0].question_id)
    for _ in range(3):
        out = h.send(dsid, ref.reference_answer, dchat)
        dchat = out[1]
        if out[5].get("visible"):
            break
    _, frame, _, points, _ = h.progress("mid")
    assert len(frame) == 2 and points.startswith("2 points") and set(frame["mode"]) == {"interview", "drill"}


@pytest.mark.slow
def test_browser_progress_lists_what_was_missed_and_the_drill_asks_it(tmp_path, home, cli_env):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (`make test` installs it)")
    from playwright.sync_api import expect, sync_playwright

    from interviewer.config import Settings
    from interviewer.runtime import Runtime

    # a weak interview first: one question, no follow-up. The seed fixes the question
    # (mlf-semi-supervised-learning): unseeded, some questions' reference answers leave a key
    # point short of covered (mlf-pca-tsne-umap scores 3.8), the drill then asks a follow-up and
    # its report is not shown after one answer.
    done = subprocess.run([str(VENV_BIN / "interviewer"), "chat", "-l", "mid", "-s", "ml_fundamentals", "-n", "1",
                           "--follow-ups", "0", "--seed", "1", "--json"], input="I don't remember that one.\n", capture_output=True,
                          text=True, env=cli_env, timeout=300)
    assert done.returncode == 0, done.stderr
    rt = Runtime(Settings(home=home))
    item = rt.store.review_items()[0]
    reference = rt.kb.reference(item.bank, item.question_id).reference_answer
    rt.store.close()

    with _ui_server(cli_env) as url, sync_playwright() as pw:
        browser, page = _open_page(pw, chromium, url)
        page.get_by_role("tab", name="Progress").click()
        expect(page.locator("#progress-due")).to_contain_text(item.key_point[:60], timeout=60_000)
        expect(page.locator("#progress-due")).to_contain_text("missed on")
        expect(page.locator("#progress-points")).to_contain_text("1 points")

        page.get_by_role("tab", name="Drill").click()
        page.locator("#drill-questions input[type=number]").fill("1")
        page.locator("#drill-questions input[type=number]").press("Enter")
        page.locator("#drill-start").click()
        chat = page.locator("#drill-chat")
        expect(chat).to_contain_text("Why this one: missed on", timeout=60_000)
        expect(chat).to_contain_text(item.question[:50])
        page.locator("#drill-answer textarea").fill(reference)
        page.locator("#drill-send").click()
        expect(page.locator("#drill-report-summary")).to_contain_text("overall", timeout=120_000)

        page.get_by_role("tab", name="Progress").click()
        expect(page.locator("#progress-points")).to_contain_text("2 points", timeout=60_000)
        expect(page.locator("#progress-plot")).to_be_visible()
        out = REPO / "evals" / "out"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "ui_progress.png"), full_page=True)
        browser.close()
