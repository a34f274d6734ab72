"""`interviewer bank coverage`: what the built-in bank covers of interview-prep documents."""

from __future__ import annotations

import json
import subprocess

import pytest

from interviewer.bank.coverage import THRESHOLDS, coverage, extract

from .conftest import SEEDS, VENV_BIN

DOC = """# Machine learning interview questions

## Model evaluation
- What is the difference between precision and recall?
- How do you choose an evaluation metric for an imbalanced classification problem?

## Baking
- How long should sourdough bread proof before it goes in the oven?

Topics include gradient descent, batch normalization and sourdough starters.
"""


def test_a_document_s_questions_topics_and_categories_are_matched_and_what_is_missing_is_named(bank, embedder, tmp_path):
    doc = tmp_path / "prep.md"
    doc.write_text(DOC, encoding="utf-8")
    items, _ = extract(doc)
    questions = [i.text for i in items if i.kind == "question"]
    assert "What is the difference between precision and recall?" in questions
    assert any(i.kind == "topic" and "gradient descent" in i.text.lower() for i in items)

    report = coverage([doc], bank, embedder)
    by_text = {m.text: m for m in report.matches}
    metric = by_text["What is the difference between precision and recall?"]
    assert metric.covered and metric.similarity >= THRESHOLDS["question"]
    assert bank.by_id(metric.question_id).topic == "evaluation_metrics"
    bread = by_text["How long should sourdough bread proof before it goes in the oven?"]
    assert not bread.covered
    assert bread in report.uncovered
    assert report.covered < report.total


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seed documents at {SEEDS}")
def test_the_bank_covers_every_question_topic_and_category_of_the_seed_documents(cli_env):
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "bank", "coverage", str(SEEDS), "--json", "--quiet"],
                          env=cli_env, capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    missing = [(m["kind"], m["text"], m["similarity"]) for m in report["matches"] if not m["covered"]]
    assert proc.returncode == 0 and not missing, missing
    kinds = report["by_kind"]
    # The seeds ask dozens of questions and list many topics; all of them were read.
    assert kinds["question"]["items"] >= 40 and kinds["topic"]["items"] >= 40 and kinds["category"]["items"] >= 10
    assert report["share"] == 1.0
