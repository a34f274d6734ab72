"""The shapes public interview collections are published in, each as a small file written for
the project: what a reader sees as a question is imported as one, with its answer; noise is not."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviewer.bank.importing import Inferrer, import_bank, neighbours_from, parse_markdown
from interviewer.errors import BankImportError
from interviewer.index.ingest import Ingestor

from .conftest import SHARED, VENV_BIN, load_eval

EXE = str(VENV_BIN / "interviewer")

# Bold-line questions under category headings, difficulty as emoji after the question.
BOLD_CATEGORIES = """\
# Interview questions for data scientists

Legend: 👶 easy ⭐️ medium 🚀 expert

## Supervised learning

**What is regression? Which models can you use for it? 👶**

Regression predicts a continuous target. Linear regression, gradient-boosted trees and
neural networks can all be used.

<br/>

**What does the R² score measure? ⭐️**

The share of the target's variance that the model explains: 1 is a perfect fit.

**Which assumptions does ordinary least squares make? 🚀**

Answer here

## Validation

**Why split into train, validation and test sets? 👶**

The validation set picks the model; the test set estimates how it does on new data, once.
"""


def test_bold_questions_under_categories_take_their_answers_and_difficulty():
    items, skipped = parse_markdown(BOLD_CATEGORIES, "bold.md")
    assert [i.question for i in items] == [
        "What is regression? Which models can you use for it?",
        "What does the R² score measure?",
        "Which assumptions does ordinary least squares make?",
        "Why split into train, validation and test sets?",
    ]
    assert [i.difficulty for i in items] == [2, 3, 4, 2]
    assert [i.section for i in items] == ["Supervised learning"] * 3 + ["Validation"]
    assert items[0].answer.startswith("Regression predicts a continuous target.") and "<br" not in items[0].answer
    assert items[2].answer is None  # "Answer here" is a placeholder
    assert [s.item for s in skipped] == ["Interview questions for data scientists"]


# Numbered headings, a source link after each question, answers with images and sub-headings.
NUMBERED_HEADINGS = """\
## Contents
- [1) Bias and variance](#1-bias-and-variance)
- [2) Overfitting](#2-overfitting)

#### 1) What is the trade-off between bias and variance? [[src](https://example.org/a)]

A simple model misses the pattern (bias); a flexible one follows the noise (variance).

![curve](img/bias.png)

##### In practice

Pick the capacity that minimises validation error.

#### 2) How do you spot overfitting? [[src](https://example.org/b)]

Training error keeps falling while validation error rises.

#### 3) Gradient descent

Step against the gradient of the loss, scaled by a learning rate.

#### 4) What is a learning rate schedule?
"""


def test_numbered_headings_lose_source_links_and_keep_images_and_sub_headings():
    items, skipped = parse_markdown(NUMBERED_HEADINGS, "numbered.md")
    assert [i.question for i in items] == [
        "What is the trade-off between bias and variance?",
        "How do you spot overfitting?",
        "Explain gradient descent.",  # a numbered title that does not ask is still one of the questions
        "What is a learning rate schedule?",
    ]
    first = items[0]
    assert "![curve](img/bias.png)" in first.answer and "**In practice**" in first.answer
    assert "Pick the capacity" in first.prose and "img/bias.png" not in first.prose
    assert items[2].asked_as == "Gradient descent" and items[3].answer is None
    assert [(s.item, s.reason) for s in skipped] == [("2 link(s)", "a table of contents")]


# Topic sections under categories: each category opens with links to its topics.
TOPICS = """\
# ML notes

## Classic models

* [Linear regression](#linear-regression)
* [k-NN](#k-nn)

### Linear regression

* Fits a linear function of the features by least squares
* Regularise with L1 (sparse) or L2 (small weights)

[back to top](#ml-notes)

### k-NN

Classifies a point by the labels of its k nearest neighbours; no training step.

### SVM vs logistic regression

* SVM maximises the margin; logistic regression models probabilities

## Text

### Bag of words

Counts of each word in a document, order ignored.

## Resume

Quantify what you did in each project.
"""


def test_topic_sections_become_questions_and_a_lone_note_is_not_one():
    items, skipped = parse_markdown(TOPICS, "topics.md")
    assert [(i.question, i.asked_as) for i in items] == [
        ("Explain linear regression.", "Linear regression"),
        ("Explain k-NN.", "k-NN"),
        ("Compare SVM and logistic regression.", "SVM vs logistic regression"),
        ("Explain bag of words.", "Bag of words"),
    ]
    assert items[0].answer.splitlines()[0] == "- Fits a linear function of the features by least squares"
    assert "back to top" not in items[0].answer.lower()
    reasons = {s.item: s.reason for s in skipped}
    assert "table of contents" in reasons["2 link(s)"]
    assert "not a question" in reasons["Resume"]  # a lone explained heading among categories


# <details> questions under categories; headings and code inside answers; "!" placeholders.
DETAILS = """\
# FAQ

## Networks

<details>
  <summary><b>What is dropout?</b></summary>

Dropout zeroes random activations while training.

## Why does it help?

It stops units from relying on each other.

```python
# keep 80% of the units
layer = nn.Dropout(p=0.2)
```

</details>

<details>
  <summary><b>Why is batch normalisation useful?</b></summary>
  !
</details>

<details><summary>What is a residual connection?</summary>It adds a layer's input to its output.</details>
"""


def test_details_blocks_hold_the_whole_answer_headings_and_code_included():
    items, skipped = parse_markdown(DETAILS, "faq.md")
    assert [i.question for i in items] == [
        "What is dropout?", "Why is batch normalisation useful?", "What is a residual connection?"]
    dropout = items[0]
    assert "**Why does it help?**" in dropout.answer and "nn.Dropout(p=0.2)" in dropout.answer
    assert "# keep 80%" not in dropout.prose and "relying on each other" in dropout.prose
    assert items[1].answer is None and items[2].answer == "It adds a layer's input to its output."


# Bold-numbered items with sub-questions that have answers of their own.
SUB_QUESTIONS = """\
**1. Linear regression**

Fits a line by least squares.

- What are its assumptions?
  Linearity, independent errors, constant variance.
- How do you read a coefficient in a multiple regression model?
  The change in the target per unit of that feature, the others held fixed.

**2. Decision trees**

- How does a tree choose a split?
  It takes the split that most reduces impurity.

**3. How do you start a system design interview?**

- Who are the users?
- What is the latency budget?
"""


def test_sub_questions_are_their_own_questions_with_the_parent_as_context():
    items, skipped = parse_markdown(SUB_QUESTIONS, "subs.md")
    assert [i.question for i in items] == [
        "Explain linear regression.",
        "Linear regression: what are its assumptions?",
        "How do you read a coefficient in a multiple regression model?",
        "Decision trees: how does a tree choose a split?",
        "How do you start a system design interview?",
    ]
    assert items[0].answer == "Fits a line by least squares."
    assert items[1].answer == "Linearity, independent errors, constant variance." and items[1].parent == "Explain linear regression."
    # a title whose text is all sub-questions is their context, not a question of its own
    assert [(s.item, "sub-questions" in s.reason) for s in skipped] == [("Decision trees", True)]
    assert items[4].answer == "- Who are the users?\n- What is the latency budget?"  # questions to ask, not sub-questions


# "N. [E] question" with "Ans." answers, in and out of the list item.
BRACKETED = """\
1. [E] What is the difference between a parameter and a hyperparameter?

Ans. A parameter is learnt from data; a hyperparameter is set before training.

2. [M] Why would you use the median rather than the mean?
   Ans. The median resists outliers.

3. [H] Prove that the sum of two convex functions is convex.

4. [E] Stratified sampling
"""


# Sub-questions marked "i." / "ii.", as paragraphs inside an item or as one-item lists, answers after them.
ROMAN = """\
1. Matrix rank

   i. [E] What does the rank of a matrix tell you?

   Ans. How many of its columns are linearly independent.

   ii. [M] Why can a low-rank matrix be stored cheaply?

Ans. It factors into two thin matrices.

**2.**

* i. What is a determinant?

The factor by which the matrix scales volume.

* ii. When is it zero?

When the columns are linearly dependent.

**3.** What is an eigenvector?

A vector that the matrix only scales.
"""


def test_roman_sub_questions_take_the_answers_written_after_them():
    items, skipped = parse_markdown(ROMAN, "roman.md")
    assert [(i.question, i.answer) for i in items] == [
        ("What does the rank of a matrix tell you?", "How many of its columns are linearly independent."),
        ("Why can a low-rank matrix be stored cheaply?", "It factors into two thin matrices."),
        ("What is a determinant?", "The factor by which the matrix scales volume."),
        ("When is it zero?", "When the columns are linearly dependent."),
        ("What is an eigenvector?", "A vector that the matrix only scales."),
    ]
    assert [i.difficulty for i in items[:2]] == [2, 3]
    assert [s.item for s in skipped] == ["Matrix rank"]


def test_bracketed_difficulty_and_ans_labels():
    items, _ = parse_markdown(BRACKETED, "brackets.md")
    assert [(i.question, i.difficulty) for i in items] == [
        ("What is the difference between a parameter and a hyperparameter?", 2),
        ("Why would you use the median rather than the mean?", 3),
        ("Prove that the sum of two convex functions is convex.", 4),
        ("Explain stratified sampling.", 2),
    ]
    assert items[0].answer == "A parameter is learnt from data; a hyperparameter is set before training."
    assert items[1].answer == "The median resists outliers."
    assert items[2].answer is None and items[3].answer is None


# Q:/A: and "Question N:" labels; a link-only answer; multiple choice.
LABELS = """\
Question 1: What does a confusion matrix show?
Answer: Counts of predicted against true classes.

Q: How would you detect label leakage?

A: Look for features that are only known after the label, and for suspiciously high importance.

Q3. Where can I read about attention?

See [this post](https://example.org/attention) and [the paper](https://arxiv.org/abs/1706.03762).

**Which loss suits binary classification?**

- [ ] Mean squared error
- [x] Binary cross-entropy
- [ ] Hinge loss with margin 5

It is the negative log-likelihood of a Bernoulli model.

**Which of these is not an ensemble method?**

A) Bagging
B) Boosting
C) k-means

The correct answer is C: k-means is a clustering algorithm.
"""


def test_labels_links_only_and_multiple_choice():
    items, _ = parse_markdown(LABELS, "labels.md")
    assert [i.question for i in items] == [
        "What does a confusion matrix show?",
        "How would you detect label leakage?",
        "Where can I read about attention?",
        "Which loss suits binary classification? (options: Mean squared error / Binary cross-entropy / "
        "Hinge loss with margin 5)",
        "Which of these is not an ensemble method? (options: Bagging / Boosting / k-means)",
    ]
    assert items[0].answer == "Counts of predicted against true classes."
    assert items[1].answer.startswith("Look for features")
    assert items[2].answer is None and items[2].links == ["https://example.org/attention", "https://arxiv.org/abs/1706.03762"]
    loss = items[3].answer
    assert "Binary cross-entropy" in loss and "Mean squared error" not in loss and "Bernoulli" in loss
    assert items[3].correct == ["Binary cross-entropy"]
    assert items[4].correct == ["k-means"] and "Bagging" not in items[4].answer


# Plain one-line questions, badges, a contributing section and a licence.
PLAIN = """\
[![Stars](https://img.shields.io/badge/stars-1k-blue.svg)](https://example.org) [![License](https://img.shields.io/badge/license-MIT-green.svg)](LICENSE)

# Quick questions

What is the kernel trick?

It computes inner products in a feature space without mapping the points there.

What is a p-value?

The probability of data at least this extreme if the null hypothesis holds.

## Contributing

1. Fork the repository.
2. Add your question.

## License

MIT
"""


def test_plain_question_lines_and_readme_noise():
    items, skipped = parse_markdown(PLAIN, "plain.md")
    assert [i.question for i in items] == ["What is the kernel trick?", "What is a p-value?"]
    assert items[0].answer.startswith("It computes inner products")
    assert {s.item for s in skipped} >= {"Contributing", "License"}
    assert not any(s.item.endswith("?") for s in skipped)


# -- end to end: the public collections in ../shared/evals/import_corpus, against the counts in its README

CORPUS = SHARED / "evals" / "import_corpus"


@pytest.mark.skipif(not (CORPUS / "README.md").is_file(), reason="../shared/evals/import_corpus is not here")
def test_each_public_collection_imports_what_a_reader_sees(runtime, tmp_path):
    """Per file: at least 95% of the questions with an answer imported with it, at most 5% extra
    items; stored all or nothing, as `interviewer bank import` does."""
    corpus = load_eval("import_corpus")
    expected = corpus.expected_counts(CORPUS / "README.md")
    assert len(expected) >= 3
    inferrer = Inferrer(runtime.embedder, runtime.taxonomy, neighbours_from(runtime.kb))
    ingestor = Ingestor(runtime.settings, runtime.embedder, progress=False)
    for i, (name, (questions, answered)) in enumerate(sorted(expected.items())):
        result = import_bank(CORPUS / name, f"corpus-{i}", inferrer=inferrer, store=ingestor.add_bank,
                             existing=runtime.kb.banks(), now=datetime(2026, 1, 1, tzinfo=timezone.utc))
        assert result.with_answer >= 0.95 * answered, (name, result.with_answer, answered)
        assert result.imported <= 1.05 * questions, (name, result.imported, questions)
        assert runtime.kb.bank_counts()[f"corpus-{i}"]["questions"] == result.imported
        stored = yaml.safe_load((runtime.settings.banks_dir / f"corpus-{i}.yaml").read_text(encoding="utf-8"))
        texts = [q["text"] for q in stored["questions"]]
        assert not [t for t in texts if "](#" in t or "back to top" in t.lower()]  # no navigation taken as a question
        answers = [q["reference_answer"] or "" for q in stored["questions"]]
        assert not [a for a in answers if "back to top" in a.lower()]


def test_dry_run_lists_what_would_be_imported_and_writes_nothing(cli_env, tmp_path):
    path = tmp_path / "bold.md"
    path.write_text(BOLD_CATEGORIES, encoding="utf-8")
    out = subprocess.run([EXE, "bank", "import", str(path), "--name", "bold", "--dry-run"], env=cli_env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Dry run: nothing written" in out.stdout
    assert "Q: What does the R² score measure?" in out.stdout and "A: The share of the target's variance" in out.stdout
    assert "A: (none: practice-only)" in out.stdout  # "Answer here" is no answer
    assert "difficulty 3" in out.stdout
    listed = subprocess.run([EXE, "bank", "list", "--json"], env=cli_env, capture_output=True, text=True, timeout=300)
    assert "bold" not in json.loads(listed.stdout)


# Hints in brackets after the question, a question with a trailing instruction, an example
# question inside the contributing section.
HINTS = """\
## Gradients

1. How do you tackle exploding gradients? (By clipping the gradient norm)
1. What does the training set size depend on? Compare and contrast.
1. Why do recurrent networks forget long contexts?

## How to contribute?

Add your question in this shape:

#### How old are you?

- **Added by**: your name

Twenty-five.
"""


def test_bracketed_hints_are_answers_and_a_contributing_example_is_not_a_question():
    items, skipped = parse_markdown(HINTS, "hints.md")
    assert [(i.question, i.answer) for i in items] == [
        ("How do you tackle exploding gradients?", "By clipping the gradient norm"),
        ("What does the training set size depend on? Compare and contrast.", None),
        ("Why do recurrent networks forget long contexts?", None),
    ]
    assert [s.item for s in skipped] == ["How to contribute?"] and "contributing" in skipped[0].reason


# -- fuzzing: any Markdown made of the pieces collections use is read or refused with the fix

_PIECES = ["# Title", "## Category", "### What is a p-value?", "#### 3) Gradient descent [[src](http://x.org)]",
           "- What is dropout?", "1. [E] Why scale features?", "   i. [M] How does it help?", "Ans. It helps.",
           "**What is bagging? ⭐️**", "**2.**", "Q: Why?", "A: Because.", "<details>", "<summary>Answer</summary>",
           "<summary><b>What is ReLU?</b></summary>", "</details>", "- [x] right", "- [ ] wrong", "```python",
           "```", "x = 1  # comment", "| a | b |", "|---|---|", "| 1 | 2 |", "$$x^2$$", "![img](a.png)",
           "[back to top](#top)", "- [Link](#anchor)", "Plain text explaining something.", "!", "Answer here", "",
           "> a quote", "***", "&nbsp;", "<br/>", "The correct answer is B", "B) option b", "...", "    indented code"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40))
def test_any_collection_of_real_shapes_is_read_or_refused_with_the_fix(lines):
    text = "\n".join(lines)
    try:
        items, skipped = parse_markdown(text, "fuzz.md")
    except BankImportError as exc:
        assert "no questions found" in str(exc)
        return
    n_lines = text.count("\n") + 1
    for it in items:
        assert it.question.strip()
        assert it.answer is None or it.answer.strip()
        assert 1 <= int(it.source.rsplit(":", 1)[1]) <= n_lines
    assert all(s.reason for s in skipped)


# Bold numbers in front of titles and scenarios; a bold title marked with a difficulty; a bare
# "[M]" sub-question paragraph.
BOLD_NUMBERS = """\
# 1.2 Data

**1.** Sample duplication

* i. When should you remove duplicate training samples?

When they are exact copies that would over-weight a few examples.

**2.** Your model is accurate offline and poor in production.

* i. What are your hypotheses?

Training-serving skew, or drift since the data was collected.

[M] Suppose the hypotheses hold. What would you do about them?

Log the served features and retrain on recent data.

**3.** Class imbalance.

Reweight the loss or resample the training set.

**Precision-recall trade-off ⭐️**

Raising the threshold buys precision with recall.
"""


def test_bold_numbered_titles_scenarios_and_marked_titles():
    items, skipped = parse_markdown(BOLD_NUMBERS, "numbers.md")
    assert [(i.question, i.difficulty) for i in items] == [
        ("Sample duplication: when should you remove duplicate training samples?", None),
        ("Your model is accurate offline and poor in production: what are your hypotheses?", None),
        ("Your model is accurate offline and poor in production: suppose the hypotheses hold. "
         "What would you do about them?", 3),
        ("Explain class imbalance.", None),
        ("Explain precision-recall trade-off.", 3),
    ]
    assert [i.answer for i in items] == [
        "When they are exact copies that would over-weight a few examples.",
        "Training-serving skew, or drift since the data was collected.",
        "Log the served features and retrain on recent data.",
        "Reweight the loss or resample the training set.",
        "Raising the threshold buys precision with recall.",
    ]
    assert {s.item for s in skipped} == {"Sample duplication", "Your model is accurate offline and poor in production."}
