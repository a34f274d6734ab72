"""Bring your own bank: question lists in the shapes people keep them, imported all or nothing,
and interviews on them (alone, beside the built-in bank, with practice-only questions)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import yaml

from interviewer.bank.importing import Inferrer, import_bank, neighbours_from, parse_csv, parse_markdown, read_items
from interviewer.config import Settings
from interviewer.errors import BankImportError
from interviewer.index.ingest import Ingestor
from interviewer.index.retrieval import mark_store_changed
from interviewer.runtime import Runtime

from .conftest import REPO, VENV_BIN

EXE = str(VENV_BIN / "interviewer")
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)

# Shape 1: questions as headings, answers as paragraphs, lists and code, some with no answer.
HEADINGS = """\
# Data Science Interview Questions

Questions collected from my interviews in 2024. PRs welcome!

## Statistics

### 1. What is a p-value?

A p-value is the probability of seeing data at least as extreme as what was observed, assuming the null
hypothesis is true. A small p-value is evidence against the null hypothesis, not the probability that it is true.

### 2. What is the difference between Type I and Type II errors?

- A Type I error rejects a true null hypothesis (a false positive).
- A Type II error fails to reject a false null hypothesis (a false negative).
- Lowering the significance level trades Type I errors for Type II errors.

### 3. Explain the central limit theorem.

## Coding

### 4. How do you reverse a linked list in place?

Walk the list once and point each node back at the previous one.

```python
def reverse(head):
    prev = None
    while head:
        head.next, prev, head = prev, head, head.next
    return prev
```

It runs in O(n) time and O(1) extra space.

## Further reading

See the links in the README for more.
"""

# Shape 2: numbered items, answers indented under them or as paragraphs after them.
NUMBERED = """\
Deep learning questions
=======================

1. What is dropout and why does it work?
   Dropout randomly zeroes a fraction of activations during training. It stops units from co-adapting,
   which acts like training an ensemble of thinner networks.

2. Why does batch normalization speed up training?

   Batch normalization normalizes each layer's inputs over the mini-batch. It allows higher learning rates
   and makes training less sensitive to initialization.

3. What are vanishing gradients?
4. Name three common activation functions.
- ReLU, which outputs max(0, x).
- Sigmoid, which squashes values into (0, 1).
- Tanh, which squashes values into (-1, 1).
5. Gradient clipping
"""

# Shape 3: bold lines, "Q:/A:" pairs and <details> answers.
BOLD = """\
**What is a feature store?**
A feature store is a central place to define, compute and serve ML features. It keeps the features used in
training and in serving the same, which prevents training-serving skew.

**Q: How would you detect data drift in production?**

A: Compare the distribution of each input feature in production with its training distribution, for example
with the population stability index or a Kolmogorov-Smirnov test. Alert when the difference stays above a threshold.

**How do you roll out a new model safely?**

<details><summary>Answer</summary>

Start with a shadow deployment that scores traffic without acting on it. Then run a canary on a small share of
traffic and watch the metrics before ramping up.

</details>

**Describe your favourite ML project.**
"""


def test_markdown_questions_as_headings_with_paragraphs_lists_code_and_no_answer():
    items, skipped = parse_markdown(HEADINGS, "ds.md")
    assert [i.question for i in items] == [
        "What is a p-value?",
        "What is the difference between Type I and Type II errors?",
        "Explain the central limit theorem.",
        "How do you reverse a linked list in place?",
    ]
    p_value, errors, clt, reverse = items
    assert p_value.answer.startswith("A p-value is the probability") and p_value.section == "Statistics"
    assert errors.answer.count("\n- ") == 2 and "Type II error fails" in errors.prose
    assert clt.answer is None
    assert "```python" in reverse.answer and "def reverse" in reverse.answer  # the code stays in the answer...
    assert "def reverse" not in reverse.prose and "O(n) time" in reverse.prose  # ...but claims come from the prose
    reasons = {s.item: s.reason for s in skipped}
    assert "not a question" in reasons["Data Science Interview Questions"]
    assert "not a question" in reasons["Further reading"]


def test_markdown_numbered_items_with_indented_or_following_answers():
    items, skipped = parse_markdown(NUMBERED, "dl.md")
    assert [i.question for i in items] == [
        "What is dropout and why does it work?",
        "Why does batch normalization speed up training?",
        "What are vanishing gradients?",
        "Name three common activation functions.",
        "Explain gradient clipping.",  # a topic title in the numbered series is a question too
    ]
    assert items[4].asked_as == "Gradient clipping" and items[4].answer is None
    assert "co-adapting" in items[0].answer and "higher learning rates" in items[1].answer
    assert items[2].answer is None  # the next item follows at once: no answer
    assert items[3].answer.splitlines() == ["- ReLU, which outputs max(0, x).", "- Sigmoid, which squashes values into (0, 1).",
                                           "- Tanh, which squashes values into (-1, 1)."]
    assert skipped == []


def test_markdown_bold_lines_q_and_a_and_details_answers():
    items, _ = parse_markdown(BOLD, "ops.md")
    assert [i.question for i in items] == [
        "What is a feature store?",
        "How would you detect data drift in production?",
        "How do you roll out a new model safely?",
        "Describe your favourite ML project.",
    ]
    assert items[0].answer.startswith("A feature store is a central place")
    assert items[1].answer.startswith("Compare the distribution")  # "A:" is not part of the answer
    assert "shadow deployment" in items[2].answer and "<details>" not in items[2].answer
    assert items[3].answer is None


def test_markdown_without_questions_says_what_a_question_looks_like():
    with pytest.raises(BankImportError, match="no questions found.*end with '\\?'"):
        parse_markdown("# Notes\n\nGradient descent minimises a loss.\n", "notes.md")


CSV = """\
Question,Answer,Topic,Level,Stage,Notes
"What is the difference between bagging and boosting?","Bagging trains models in parallel on bootstrap samples and averages them, which reduces variance. Boosting trains models in sequence, each fixing the errors of the last, which reduces bias.",trees_ensembles,mid,ml_fundamentals,from a phone screen
"How would you design a news feed ranking system?",,,senior,system design,
"What is a hash map?","A hash map stores key-value pairs in buckets chosen by a hash function, giving O(1) average lookups.",Data structures,junior,coding,
"What is recall?",It depends.,,principal,,
,,,,,
"Tell me about a conflict with a teammate.",,,"mid, senior",behavioral,
"""


def test_csv_with_header_takes_rows_and_names_what_it_skips():
    items, skipped = parse_csv(CSV, "qs.csv")
    assert [i.question for i in items] == [
        "What is the difference between bagging and boosting?",
        "How would you design a news feed ranking system?",
        "What is a hash map?",
        "Tell me about a conflict with a teammate.",
    ]
    bagging, feed, hashmap, conflict = items
    assert bagging.topic == "trees_ensembles" and bagging.levels == ["mid"] and bagging.stage == "ml_fundamentals"
    assert feed.answer is None and feed.stage == "ml_system_design" and feed.levels == ["senior"]
    assert conflict.levels == ["mid", "senior"] and conflict.stage == "behavioral"
    assert "columns not used: Notes" in bagging.notes[0]
    assert len(skipped) == 1 and skipped[0].source == "qs.csv row 5"
    assert "level 'principal' is not one of junior, mid, senior, staff" in skipped[0].reason


def test_csv_without_a_question_column_is_refused_with_the_fix():
    with pytest.raises(BankImportError, match="no 'question' column in the header \\(prompt_text, reply\\)"):
        parse_csv("prompt_text,reply\nWhat is PCA?,A projection.\n", "bad.csv")
    # "prompt" is not read as the question column: the file would import its questions and drop
    # every answer of its "reply" column without a word
    with pytest.raises(BankImportError) as refused:
        parse_csv("prompt,reply\nWhat is PCA?,A projection.\n", "bad.csv")
    assert "no 'question' column in the header (prompt, reply)" in str(refused.value)
    assert "question (required), answer, topic, level, stage" in str(refused.value)


# RFC 4180 quoting, as Excel and Python's csv module write it: fields with quotes inside ("") that
# also hold commas, which csv.Sniffer takes for doublequote=False.
QUOTED_CSV = """\
question,answer,topic,level,stage
How do you choose k in k-means?,"Look for the ""elbow"" of the inertia curve, or use the silhouette score.",clustering,junior,ml_fundamentals
What does a feature store do?,"First, it keeps one ""definition"" per feature for training and serving.",data_pipelines,mid,mlops
What is a confusion matrix?,A table of predicted against actual classes, one cell per pair.,evaluation_metrics,junior,ml_fundamentals
What is early stopping?,"Stop training when the validation loss stops improving.",regularization,junior
"""


def test_csv_with_doubled_quotes_inside_quoted_fields_is_read_as_written():
    items, skipped = parse_csv(QUOTED_CSV, "q.csv")
    assert [(i.question, i.answer, i.topic, i.levels, i.stage) for i in items] == [
        ("How do you choose k in k-means?",
         'Look for the "elbow" of the inertia curve, or use the silhouette score.', "clustering", ["junior"], "ml_fundamentals"),
        ("What does a feature store do?",
         'First, it keeps one "definition" per feature for training and serving.', "data_pipelines", ["mid"], "mlops"),
    ]
    # rows with more or fewer fields than the header (an unquoted comma, a missing column) are
    # skipped by row number, saying why, instead of being read with values in the wrong columns
    assert [(s.source, s.reason) for s in skipped] == [
        ("q.csv row 4", '6 field(s) where the header has 5: a field that holds the delimiter, a quote or a line break '
                        'must be in double quotes, with each quote inside it doubled ("")'),
        ("q.csv row 5", '4 field(s) where the header has 5: a field that holds the delimiter, a quote or a line break '
                        'must be in double quotes, with each quote inside it doubled ("")'),
    ]


def test_csv_delimiter_is_found_and_quoting_stays_standard():
    semicolons = 'question;answer\n"What is a p-value; really?";"The chance of data as extreme, if ""H0"" holds."\n'
    items, skipped = parse_csv(semicolons, "q.csv")
    assert [(i.question, i.answer) for i in items] == [
        ("What is a p-value; really?", 'The chance of data as extreme, if "H0" holds.')] and skipped == []
    tabs = 'question\tanswer\nWhat is a p-value?\tThe chance of data as extreme, if "H0" holds; small is rare.\n'
    items, skipped = parse_csv(tabs, "q.tsv")
    assert [i.answer for i in items] == ['The chance of data as extreme, if "H0" holds; small is rare.'] and skipped == []
    # trailing empty fields hold nothing and are not a wrong field count
    items, skipped = parse_csv("question,answer,\nWhat is a p-value?,A probability under the null.,,\n", "q.csv")
    assert [i.answer for i in items] == ["A probability under the null."] and skipped == []


def test_csv_import_counts_and_stores_quoted_answers_as_written(runtime, tmp_path):
    (tmp_path / "quoted.csv").write_text(QUOTED_CSV, encoding="utf-8")
    result = _import(runtime, tmp_path / "quoted.csv", "quoted")
    assert (result.imported, result.with_answer, result.practice_only) == (2, 2, 0)
    assert [s.source for s in result.skipped] == ["quoted.csv row 4", "quoted.csv row 5"]
    stored = {q["text"]: q for q in yaml.safe_load((runtime.settings.banks_dir / "quoted.yaml").read_text())["questions"]}
    k = stored["How do you choose k in k-means?"]
    assert k["reference_answer"] == 'Look for the "elbow" of the inertia curve, or use the silhouette score.'
    assert (k["topic"], k["levels"], k["stage"]) == ("clustering", ["junior"], "ml_fundamentals")
    assert stored["What does a feature store do?"]["reference_answer"].startswith('First, it keeps one "definition"')


def _importer(runtime):
    return Inferrer(runtime.embedder, runtime.taxonomy, neighbours_from(runtime.kb))


def _import(runtime, path: Path, name: str, ingestor: Ingestor | None = None):
    ingestor = ingestor or Ingestor(runtime.settings, runtime.embedder, progress=False)
    return import_bank(path, name, inferrer=_importer(runtime), store=ingestor.add_bank,
                       existing=runtime.kb.banks(), now=NOW)


def test_yaml_and_json_in_the_bank_format_keep_given_rubrics(runtime, tmp_path, bank):
    given = bank.questions[0].model_dump(mode="json")
    data = {"questions": [given, {"text": "How would you explain gradient boosting to a product manager?"}]}
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _import(runtime, tmp_path / "mine.yaml", "mine")
    assert (result.imported, result.with_answer, result.practice_only) == (2, 1, 1)
    stored = yaml.safe_load((runtime.settings.banks_dir / "mine.yaml").read_text())
    first = stored["questions"][0]
    assert first["key_points"] == given["key_points"] and first["topic"] == given["topic"] and first["inferred"] == []
    ref = runtime.kb.reference("mine", first["id"])
    assert [k.text for k in ref.key_points] == [k["text"] for k in given["key_points"]]

    (tmp_path / "mine.json").write_text(json.dumps({"questions": [{"text": "What is PCA?", "refrence_answer": "x"}]}))
    with pytest.raises(BankImportError, match="questions.0.refrence_answer: Extra inputs are not permitted"):
        _import(runtime, tmp_path / "mine.json", "mine")
    assert yaml.safe_load((runtime.settings.banks_dir / "mine.yaml").read_text()) == stored  # untouched


def test_markdown_import_derives_rubrics_and_infers_what_is_missing(runtime, tmp_path):
    (tmp_path / "ds.md").write_text(HEADINGS + "\n" + NUMBERED.split("\n", 2)[2], encoding="utf-8")
    result = _import(runtime, tmp_path / "ds.md", "ds")
    # 9: the numbered list's "5. Gradient clipping" is asked as "Explain gradient clipping." (practice-only)
    assert (result.imported, result.with_answer, result.practice_only) == (9, 6, 3)
    assert result.inferred == {"topic": 9, "stage": 9, "levels": 9, "difficulty": 9}
    assert runtime.kb.bank_counts()["ds"] == {"questions": 9, "practice_only": 3, "stages": len(result.by_stage)}
    stored = {q["text"]: q for q in yaml.safe_load((runtime.settings.banks_dir / "ds.yaml").read_text())["questions"]}
    errors = stored["What is the difference between Type I and Type II errors?"]
    assert [k["text"] for k in errors["key_points"]] == [
        "A Type I error rejects a true null hypothesis (a false positive).",
        "A Type II error fails to reject a false null hypothesis (a false negative).",
        "Lowering the significance level trades Type I errors for Type II errors.",
    ]
    assert [k["weight"] for k in errors["key_points"]] == pytest.approx([1 / 3] * 3, abs=1e-3)
    assert all(k["follow_up"].startswith("Can you say more about") for k in errors["key_points"])
    assert errors["topic"] == "statistics"
    reverse = stored["How do you reverse a linked list in place?"]
    assert reverse["stage"] == "coding" and reverse["topic"] == "data_structures"
    assert stored["What is dropout and why does it work?"]["stage"] == "deep_learning"
    assert stored["Explain the central limit theorem."]["reference_answer"] is None


class _BrokenEmbedder:
    """The real model's name, vectors of the wrong size: Chroma refuses them mid-write."""

    def __init__(self, real):
        self.name = real.name

    def encode(self, texts, batch_size=None):
        return np.ones((len(texts), 7), dtype=np.float32) / np.sqrt(7)


def test_a_failed_import_leaves_the_previous_bank_as_it_was(runtime, tmp_path):
    (tmp_path / "ops.md").write_text(BOLD, encoding="utf-8")
    _import(runtime, tmp_path / "ops.md", "ops")
    before_file = (runtime.settings.banks_dir / "ops.yaml").read_bytes()
    before_counts = runtime.kb.bank_counts()["ops"]

    # fails while writing the store: everything written so far is undone
    (tmp_path / "v2.md").write_text(HEADINGS, encoding="utf-8")
    broken = Ingestor(runtime.settings, _BrokenEmbedder(runtime.embedder), progress=False)
    with pytest.raises(BankImportError, match="Nothing was changed: the previous bank of that name is as it was"):
        _import(runtime, tmp_path / "v2.md", "ops", ingestor=broken)
    # fails on reading: nothing is touched
    (tmp_path / "v3.csv").write_text("prompt,reply\nWhat is PCA?,A projection.\n", encoding="utf-8")
    with pytest.raises(BankImportError):
        _import(runtime, tmp_path / "v3.csv", "ops")

    assert (runtime.settings.banks_dir / "ops.yaml").read_bytes() == before_file
    assert not [p for p in runtime.settings.banks_dir.iterdir() if p.name != "ops.yaml"]  # no temporary file left
    assert runtime.kb.bank_counts()["ops"] == before_counts
    stored = yaml.safe_load(before_file)["questions"][0]
    assert runtime.kb.reference("ops", stored["id"]).reference_answer == stored["reference_answer"]


def test_an_imported_bank_comes_back_when_the_store_loses_it(runtime, tmp_path):
    (tmp_path / "ops.md").write_text(BOLD, encoding="utf-8")
    _import(runtime, tmp_path / "ops.md", "ops")
    for col in (runtime.kb.questions, runtime.kb.references, runtime.kb.key_points):
        col.delete(where={"bank": "ops"})
    mark_store_changed(runtime.settings)  # written behind the app's back: say so, as every writer does
    assert "ops" not in runtime.kb.banks()
    Ingestor(runtime.settings, runtime.embedder, progress=False).run()
    assert runtime.kb.bank_counts()["ops"]["questions"] == 4


def test_a_running_app_sees_a_bank_imported_beside_it_and_the_questions_it_already_read(runtime, embedder, tmp_path):
    """The knowledge base keeps what it read (question rows, references) between turns; a bank
    imported by another process (here another runtime on the same data directory) shows at the
    next read, and an interview's exclusions still apply to what was kept."""
    stage = "ml_fundamentals"
    first = runtime.kb.candidates(bank="builtin", stage=stage, level="mid")
    asked = {c.card.id for c in first[:3]}
    assert [c.card.id for c in runtime.kb.candidates(bank="builtin", stage=stage, level="mid", exclude=asked)] == [
        c.card.id for c in first if c.card.id not in asked]
    before = runtime.kb.banks()

    other = Runtime(Settings(home=runtime.settings.home))
    other.__dict__["embedder"] = embedder
    (tmp_path / "dl.md").write_text(NUMBERED, encoding="utf-8")
    _import(other, tmp_path / "dl.md", "dl")

    assert runtime.kb.banks() == sorted([*before, "dl"])
    stored = yaml.safe_load((runtime.settings.banks_dir / "dl.yaml").read_text())["questions"]
    imported = {c.card.id for s in runtime.kb.stages_of(["dl"]) for c in runtime.kb.candidates(bank="dl", stage=s)}
    assert imported == {q["id"] for q in stored}
    answered = next(q for q in stored if q.get("reference_answer"))
    assert runtime.kb.reference("dl", answered["id"]).reference_answer == answered["reference_answer"]


def test_interviews_draw_on_one_bank_or_several(runtime, tmp_path):
    (tmp_path / "dl.md").write_text(NUMBERED, encoding="utf-8")
    _import(runtime, tmp_path / "dl.md", "dl")
    stages = runtime.kb.stages_of(["dl"])
    both = {c.card.bank for s in stages for c in runtime.kb.candidates(bank=["builtin", "dl"], stage=s)}
    alone = {c.card.bank for s in stages for c in runtime.kb.candidates(bank="dl", stage=s)}
    assert both == {"builtin", "dl"} and alone == {"dl"}


def test_ui_runs_a_practice_only_question_and_says_it_is_not_scored(runtime, tmp_path):
    from ui.app import NO_REFERENCE, InterviewUI

    (tmp_path / "p.md").write_text("- What is the curse of dimensionality?\n- How does PCA choose its components?\n")
    _import(runtime, tmp_path / "p.md", "practice")
    h = InterviewUI(runtime)
    assert "practice" in h.bank_choices()
    stage = runtime.kb.stages_of(["practice"])[0]
    sid, chat, *_ = h.start("mid", [stage], 1, ["practice"])
    out = h.send(sid, "Distances lose meaning as dimensions grow, so you need exponentially more data.", chat)
    chat, assessment_md, reference_md = out[1], out[2], out[3]
    assert "Practice-only: not scored" in assessment_md and reference_md == NO_REFERENCE
    assert "not scored" in chat[-1]["content"]
    assert "practice-only question(s)" in out[6]  # the report says why there is no score


def _run(env, *args, stdin: str = ""):
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_cli_imports_a_collection_and_interviews_on_it_with_a_practice_only_question(cli_env, tmp_path):
    md = tmp_path / "My Questions.md"
    md.write_text(
        "## Machine learning\n\n"
        "1. What is overfitting and how do you prevent it?\n"
        "   Overfitting is when a model fits noise in the training data and fails on new data. "
        "Regularization, more data and early stopping reduce it.\n"
        "2. Explain the bias-variance trade-off.\n"
        "3. How does k-means clustering work?\n"
        "   K-means assigns each point to the nearest centroid and moves each centroid to the mean of its points. "
        "It repeats until the assignments stop changing.\n",
        encoding="utf-8")
    imported = _run(cli_env, "bank", "import", str(md), "--json")
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout.splitlines()[-1])
    assert summary["bank"] == "my-questions"
    assert (summary["imported"], summary["with_answer"], summary["practice_only"], summary["skipped"]) == (3, 2, 1, [])
    listed = _run(cli_env, "bank", "list")
    assert "my-questions" in listed.stdout and "builtin" in listed.stdout

    answers = "Overfitting means fitting noise; regularization and early stopping help.\n" * 6
    chat = _run(cli_env, "chat", "--bank", "my-questions", "--questions", "3", "--follow-ups", "0", "--json", stdin=answers)
    assert chat.returncode == 0, chat.stderr
    rows = [json.loads(line) for line in chat.stdout.splitlines()]
    turns, report = rows[:-1], rows[-1]
    assert len(turns) == 3 and {t["bank"] for t in turns} == {"my-questions"}
    practice = [t for t in turns if t["practice_only"]]
    assert [t["question"] for t in practice] == ["Explain the bias-variance trade-off."]
    assert practice[0]["score"] is None and "not scored" in practice[0]["feedback"][0]
    assert all(0 <= t["score"] <= 5 for t in turns if not t["practice_only"])
    assert report["practice_only"] == ["Explain the bias-variance trade-off."]
    assert len(report["questions"]) == 2  # the practice-only question is not in the averages

    missing = _run(cli_env, "chat", "--bank", "nosuchbank", stdin="")
    assert missing.returncode == 1 and "No question bank named 'nosuchbank'" in missing.stderr
    bad_name = _run(cli_env, "bank", "import", str(md), "--name", "Not OK!")
    assert bad_name.returncode == 1 and "use 1-40 lower-case letters" in bad_name.stderr


# -- code in CSV and YAML answers: kept in the answer, not turned into key points

CODE_CSV = '''\
question,answer
Implement logistic regression with gradient descent in NumPy.,"Use the sigmoid of a linear score and minimise the mean log loss.

```python
def fit(X, y, lr=0.1, n_iter=1000):
    w = np.zeros(X.shape[1])
    for _ in range(n_iter):
        w -= lr * X.T @ (1 / (1 + np.exp(-X @ w)) - y) / len(y)
    return w
```

Standardise the features first so that one learning rate suits every weight."
'''


def test_code_in_csv_and_yaml_answers_stays_in_the_answer_but_not_in_the_key_points(runtime, tmp_path):
    (tmp_path / "code.csv").write_text(CODE_CSV, encoding="utf-8")
    result = _import(runtime, tmp_path / "code.csv", "code-csv")
    assert (result.imported, result.with_answer, result.skipped) == (1, 1, [])
    stored = yaml.safe_load((runtime.settings.banks_dir / "code-csv.yaml").read_text())["questions"][0]
    assert "```python\ndef fit(X, y, lr=0.1, n_iter=1000):" in stored["reference_answer"]
    assert [k["text"] for k in stored["key_points"]] == [
        "Use the sigmoid of a linear score and minimise the mean log loss.",
        "Standardise the features first so that one learning rate suits every weight.",
    ]

    answer = ("Subtract the maximum before exponentiating so that no exponent overflows.\n\n"
              "```python\ndef softmax(x):\n    e = np.exp(x - x.max())\n    return e / e.sum()\n```\n")
    data = {"questions": [{"text": "Implement softmax in a numerically stable way.", "reference_answer": answer}]}
    (tmp_path / "code.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    _import(runtime, tmp_path / "code.yaml", "code-yaml")
    stored = yaml.safe_load((runtime.settings.banks_dir / "code-yaml.yaml").read_text())["questions"][0]
    assert "def softmax(x):" in stored["reference_answer"]
    assert [k["text"] for k in stored["key_points"]] == [
        "Subtract the maximum before exponentiating so that no exponent overflows."]


# -- stage: by the closest built-in questions on any topic; wording that asks for code counts

def test_stage_is_inferred_from_the_closest_built_in_questions_on_any_topic(runtime, tmp_path):
    (tmp_path / "mixed.csv").write_text(
        "question,answer\n"
        "Write a function that computes ROC AUC from scores and labels without scikit-learn.,\n"
        "What is dropout and why does it work?,\n"
        "How would you implement an LRU cache?,\n"
        "What is the difference between precision and recall?,\n"
        "How would you design a news feed ranking system?,\n", encoding="utf-8")
    result = _import(runtime, tmp_path / "mixed.csv", "mixed")
    stored = {q["text"]: q for q in yaml.safe_load((runtime.settings.banks_dir / "mixed.yaml").read_text())["questions"]}
    assert {text: q["stage"] for text, q in stored.items()} == {
        # on evaluation metrics, but a coding exercise: its topic's questions alone say ml_fundamentals
        "Write a function that computes ROC AUC from scores and labels without scikit-learn.": "coding",
        "What is dropout and why does it work?": "deep_learning",
        "How would you implement an LRU cache?": "coding",
        "What is the difference between precision and recall?": "ml_fundamentals",
        "How would you design a news feed ranking system?": "ml_system_design",
    }
    assert result.by_stage == {"coding": 2, "deep_learning": 1, "ml_fundamentals": 1, "ml_system_design": 1}
    assert result.inferred["stage"] == 5


class _ConstantEmbedder:
    name = "constant"

    def encode(self, texts, batch_size=None):
        return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))


def _at_cosine(c: float) -> list[float]:
    return [c, float(np.sqrt(1 - c * c))]


def test_coding_wording_tips_a_close_stage_vote_but_does_not_overrule_a_clear_one(bank):
    from interviewer.bank.importing import Neighbours

    def inferrer(stages_and_cosines):
        stages = [s for s, _ in stages_and_cosines]
        return Inferrer(_ConstantEmbedder(), bank.taxonomy, Neighbours(
            vectors=np.array([_at_cosine(c) for _, c in stages_and_cosines], dtype=np.float32),
            topics=["evaluation_metrics"] * len(stages), stages=stages, levels=[["mid"]] * len(stages),
            difficulties=[3] * len(stages)))

    query = np.array([1.0, 0.0], dtype=np.float32)
    close = inferrer([("ml_fundamentals", 0.6)] * 3 + [("coding", 0.55)] * 2 + [("screening", 0.3)] * 2)
    assert close.stage(query, "What is ROC AUC and how is it computed?") == "ml_fundamentals"
    for asked in ("Write a function that computes ROC AUC.", "Implement ROC AUC with NumPy.",
                  "How would you implement ROC AUC?", "Compute ROC AUC without scikit-learn.",
                  "Code ROC AUC from scratch."):
        assert close.stage(query, asked) == "coding", asked
    clear = inferrer([("deep_learning", 0.8)] * 6 + [("coding", 0.3)])
    assert clear.stage(query, "Implement self-attention in PyTorch.") == "deep_learning"
    # the vote is over the closest questions of every topic, not only the inferred topic's
    spread = inferrer([("coding", 0.7)] * 4 + [("ml_fundamentals", 0.2)] * 10)
    assert spread.stage(query, "What is ROC AUC?") == "coding"
    assert spread.stage_levels_difficulty(query, "evaluation_metrics", "What is ROC AUC?")[0] == "coding"


# -- a README-style list: lists inside answers, navigation links, wrapped questions, tables

README = """\
# ML interview questions

## Table of Contents

- [System design](#system-design)
- [Fundamentals](#fundamentals)

## System design

### How would you design a news feed ranking system?

Start by clarifying the product and its constraints.

- Who are the users, and what do they open the feed for?
- What is the latency budget for ranking a page?
- Compare a two-stage retrieval and ranking funnel with a single model.
- Find the signals that predict engagement, such as dwell time and shares.
- List the online metrics to watch, such as session length and return rate.

**[⬆ Back to top](#table-of-contents)**

### How do you make model training reproducible?

Fix the random seeds and record the environment of each run.

#### What to version

- Code, pinned through a lock file and a container image.
- Data, as immutable snapshots or content hashes.

[Back to top](#table-of-contents)

**How would you serve a model under a tight latency budget?**

- Measure where the time goes before optimising anything.
- Compare int8 quantization with distillation into a smaller model.

## Fundamentals

1. What is the difference between bagging
   and boosting?
   Bagging averages models trained in parallel on bootstrap samples, which reduces variance.
2. **What is the difference between
   L1 and L2 regularization?**
   L1 drives many weights to exactly zero, giving sparse models.

### When would you prefer precision over recall?

Prefer precision when a false positive costs more than a false negative.

| Use case | Favour |
| --- | :---: |
| Spam filter | Precision |
| Cancer screening | Recall |

<p align="right"><a href="#top">⬆ back to top</a></p>
"""

README_QUESTIONS = [
    "How would you design a news feed ranking system?",
    "How do you make model training reproducible?",
    "How would you serve a model under a tight latency budget?",
    "What is the difference between bagging and boosting?",
    "What is the difference between L1 and L2 regularization?",
    "When would you prefer precision over recall?",
]


def test_markdown_lists_inside_an_answer_are_the_answer_even_when_they_ask_or_instruct():
    items, skipped = parse_markdown(README, "readme.md")
    assert [i.question for i in items] == README_QUESTIONS
    feed, reproducible, serve = items[:3]
    assert feed.answer.splitlines()[2:] == [
        "- Who are the users, and what do they open the feed for?",
        "- What is the latency budget for ranking a page?",
        "- Compare a two-stage retrieval and ranking funnel with a single model.",
        "- Find the signals that predict engagement, such as dwell time and shares.",
        "- List the online metrics to watch, such as session length and return rate.",
    ]
    assert "- Code, pinned through a lock file and a container image." in reproducible.answer
    assert "- Compare int8 quantization with distillation into a smaller model." in serve.answer
    # the table of contents is not an answer and not questions: skipped once, with the reason
    assert [(s.item, s.source) for s in skipped] == [("Table of Contents", "readme.md:3")]
    assert "contents" in skipped[0].reason

    # list items that ask are questions where no answer is open
    items, _ = parse_markdown("## Questions\n\n- What is a p-value?\n- Compare bagging and boosting.\n", "q.md")
    assert [i.question for i in items] == ["What is a p-value?", "Compare bagging and boosting."]
    # a bullet list under a numbered question is its answer, questions or not
    items, _ = parse_markdown("1. How do you start a system design interview?\n"
                              "   - Who are the users?\n   - What is the latency budget?\n"
                              "2. What is a feature store?\n", "q.md")
    assert [i.question for i in items] == ["How do you start a system design interview?", "What is a feature store?"]
    assert items[0].answer == "- Who are the users?\n- What is the latency budget?"


def test_markdown_drops_navigation_links_joins_wrapped_questions_and_keeps_table_separators():
    items, _ = parse_markdown(README, "readme.md")
    assert not [i for i in items if "back to top" in f"{i.answer} {i.prose}".lower() or "#table-of-contents" in f"{i.answer}"]
    bagging, l1_l2, precision = items[3:]
    assert bagging.answer == "Bagging averages models trained in parallel on bootstrap samples, which reduces variance."
    assert l1_l2.answer == "L1 drives many weights to exactly zero, giving sparse models."
    assert precision.answer.splitlines()[2:] == [
        "| Use case | Favour |", "| --- | :---: |", "| Spam filter | Precision |", "| Cancer screening | Recall |"]
    # a navigation link inside a paragraph goes, the text around it stays
    items, _ = parse_markdown("### What is a p-value?\n\nA probability under the null hypothesis.\n"
                              "[↑ Back to top](#contents)\n", "p.md")
    assert items[0].answer == "A probability under the null hypothesis."


def test_readme_style_import_counts_and_stored_text(runtime, tmp_path):
    (tmp_path / "readme.md").write_text(README, encoding="utf-8")
    result = _import(runtime, tmp_path / "readme.md", "readme")
    assert (result.imported, result.with_answer, result.practice_only) == (6, 6, 0)
    assert [s.item for s in result.skipped] == ["Table of Contents"]
    stored = {q["text"]: q for q in yaml.safe_load((runtime.settings.banks_dir / "readme.yaml").read_text())["questions"]}
    assert list(stored) == README_QUESTIONS
    feed = stored["How would you design a news feed ranking system?"]
    assert [k["text"] for k in feed["key_points"]][1:3] == [
        "Who are the users, and what do they open the feed for?", "What is the latency budget for ranking a page?"]
    key_points = [k["text"] for q in stored.values() for k in q["key_points"]]
    assert not [k for k in key_points if "back to top" in k.lower()]
    assert "| --- | :---: |" in stored["When would you prefer precision over recall?"]["reference_answer"]


SAMPLES = REPO / "evals" / "import_samples"


def test_the_sample_collections_are_read_whole_and_only_their_noise_is_skipped():
    """evals/import_samples: a README-style Markdown collection and a CSV in the public shapes."""
    items, skipped = read_items(SAMPLES / "ml_interview_questions.md")
    assert len(items) == 36 and sum(bool(i.answer) for i in items) == 31
    assert all(s.reason for s in skipped)
    skipped_text = " ".join(s.item for s in skipped)
    assert "Contributing" in skipped_text and "License" in skipped_text
    assert not any(s.item.rstrip().endswith("?") for s in skipped)  # no question was dropped
    code = next(i for i in items if "```" in (i.answer or ""))
    assert "```" not in code.prose  # code stays in the reference answer, not in the key points

    items, skipped = read_items(SAMPLES / "ml_questions.csv")
    # 25 rows read (row 26 has no question); "Overfitting?" is refused when the bank is built.
    assert len(items) == 25 and sum(bool(i.answer) for i in items) == 21
    assert [s.source for s in skipped] == ["ml_questions.csv row 26"]
    assert [i.question for i in items if len(i.question.split()) < 3] == ["Overfitting?"]


def test_long_imported_answers_give_key_points_a_candidate_can_say():
    """An essay imported as an answer: key points are sentences of at most MAX_POINT_WORDS words
    (not six 600-word chunks), and a line that only points at a link is no key point."""
    from interviewer.bank.importing.build import derive_rubric
    from interviewer.bank.importing.markdown_tree import parse_tree, prose
    from interviewer.scoring.offline import MAX_POINT_WORDS

    essay = " ".join(f"Claim {i} says that gradient boosting fits tree number {i} to the residuals of the ensemble "
                     f"so far, with shrinkage {i / 10}." for i in range(40))
    points = derive_rubric(essay, essay)
    assert len(points) == 6 and all(len(p.text.split()) <= MAX_POINT_WORDS for p in points)
    assert all(p.text in essay for p in points), "each point is a sentence of the answer"

    md = ("Stemming chops word endings off with rules; lemmatization maps a word to its dictionary form.\n\n"
          "- For a more detailed treatment please check [here](https://example.org/ir-book)\n"
          "- Lemmatization needs the part of speech: *saw* is *see* as a verb.\n\n"
          "*from [here](https://example.org/post)*\n")
    lines = prose(parse_tree(md))
    assert not any("here" in line for line in lines), lines
    assert len(lines) == 2
