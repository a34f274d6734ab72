"""The scorer on questions it was never fitted on: jargon is an answer, another question's answer is not."""

from __future__ import annotations

import dataclasses
import json

import pytest

from interviewer.config import Settings
from interviewer.scoring.asag import ReferenceBuilder, evaluate
from interviewer.scoring.offline import OfflineScorer
from interviewer.scoring.vocabulary import Vocabulary, load_domain_words

from .conftest import load_eval


@pytest.fixture(scope="module")
def vocabulary(built_home) -> Vocabulary:
    words = load_domain_words(Settings(home=built_home).vocabulary_path)
    assert words, "ingest keeps the knowledge base's vocabulary beside the store"
    return Vocabulary(words)


@pytest.fixture(scope="module")
def scorer(embedder, vocabulary):
    """As a question outside the bank meets it: no reference index."""
    return OfflineScorer(embedder, vocabulary=vocabulary)


@pytest.fixture(scope="module")
def ref(embedder):
    build = ReferenceBuilder(embedder)
    return lambda question, reference: build(question, reference, question)


def test_ingest_collects_the_bank_s_terms(vocabulary):
    for term in ("xgboost", "lightgbm", "pytorch", "relu", "kubernetes", "dropout"):
        assert term in vocabulary.domain, term


@pytest.mark.parametrize(("question", "reference", "answer"), [
    ("Which activation functions are common in transformer feed-forward layers?",
     "Transformer feed-forward blocks typically use ReLU, GELU or the gated SwiGLU.", "ReLU, GELU and SwiGLU"),
    ("Name three gradient boosting libraries.",
     "Popular gradient boosting libraries are XGBoost, LightGBM and CatBoost.", "XGBoost, LightGBM and CatBoost"),
    ("What were BERT's two pretraining objectives?",
     "BERT was pretrained with masked language modelling (MLM) and next sentence prediction (NSP).", "MLM and NSP"),
    ("Which recurrent architectures use gates to keep long-range memory?",
     "Gated recurrent networks such as LSTMs and GRUs keep long-range memory.", "LSTMs and GRUs"),
    ("Name some object detection architectures.",
     "Common detectors include Faster R-CNN, YOLO, SSD and DETR.", "Faster R-CNN, YOLO, SSD, DETR"),
    ("What are the two operations of a queue?", "enqueue and dequeue", "enqueue and dequeue"),
])
def test_correct_jargon_is_not_gibberish_and_passes(scorer, ref, question, reference, answer):
    a = scorer.score(answer, ref(question, reference))
    assert "gibberish" not in a.flags and not a.flags, a.flags
    assert a.score >= 3.0, a.score


def test_a_paraphrase_of_a_one_line_reference_is_not_off_topic(scorer, ref):
    a = scorer.score("Adding a new item and removing the item", ref("What are the main operations of a stack?", "push and pop"))
    assert "off_topic" not in a.flags


@pytest.mark.parametrize("question", ["What is a tree?", "What is a stack?", "Define overfitting."])
def test_a_short_question_pasted_back_scores_at_most_1(scorer, ref, question):
    a = scorer.score(question, ref(question, "A hierarchical structure of nodes with a single root, where each node has children."))
    assert "question_copy" in a.flags and a.score <= 1.0


def test_picking_words_out_of_a_long_question_is_not_a_copy(scorer, ref):
    q = ("A dog was walking with its owner when a squirrel ran across the path; the dog chased the squirrel "
         "and pulled the owner over. What was the dog's response?")
    a = scorer.score("The dog chased the squirrel.", ref(q, "The response was chasing the squirrel."))
    assert "question_copy" not in a.flags and a.score >= 3.0


@pytest.mark.parametrize("mashing", ["asdkjh qwoeiu zxcmnb", "sdfsdf ghjghj kjhkjh", "qwoeiruty alskdjfhg"])
def test_keyboard_mashing_is_still_gibberish(scorer, ref, mashing):
    a = scorer.score(mashing, ref("Name three gradient boosting libraries.", "XGBoost, LightGBM and CatBoost."))
    assert "gibberish" in a.flags and a.score == 0.0


@pytest.mark.slow
def test_a_slice_of_the_jargon_suite(scorer, embedder):
    """Every fourth item of evals/data/jargon (all topics) and every negative, scored with the
    built-in bank as the index, as in the app: the issue's targets."""
    suite = load_eval("jargon")
    items, negatives = suite.load_items()
    summary = suite.run(scorer.with_index(suite.bank_index(embedder)), items[::4], negatives, progress=False)
    assert summary["topics"] >= 50
    assert summary["flagged"] == 0, summary["failures"]
    assert summary["under_3_share"] <= 0.10, summary["failures"]
    assert summary["negatives_caught"] == summary["negatives"], summary["negatives_missed"]


@pytest.mark.parametrize(("question", "reference", "answer"), [
    ("What is a stack?", "A last-in first-out data structure.", "Photosynthesis turns light into sugar in the leaves."),
    ("What does dropout do during training?", "Dropout zeroes a random subset of activations at each step, which regularises the network.",
     "The mitochondria is the powerhouse of the cell and makes ATP."),
    ("Which metric suits a ranked list of search results?", "NDCG rewards relevant results near the top of the list.",
     "Paris is the capital of France and sits on the Seine."),
])
def test_an_answer_about_something_else_entirely_earns_nothing_on_a_one_line_reference(scorer, ref, question, reference, answer):
    """No key-point evidence, nothing said to the question: the evidence gate, not a flag, keeps it at 1 or less."""
    a = scorer.score(answer, ref(question, reference))
    assert a.score <= 1.0 and not a.covered, (a.score, a.flags)


def test_an_acronym_the_reference_spells_out_is_its_term(scorer, ref):
    a = scorer.score("LIFO", ref("What is a stack?", "A last-in first-out data structure."))
    assert not a.flags and a.score >= 2.5, (a.score, a.flags)


def test_a_list_that_answers_a_name_the_question_is_not_a_keyword_list(scorer, ref):
    question = "Which companies does the acronym FAANG stand for?"
    reference = "FAANG stands for Facebook (now Meta), Apple, Amazon, Netflix and Google."
    a = scorer.score("Facebook/Meta, Apple, Amazon, Netflix, Google", ref(question, reference))
    assert "keyword_list" not in a.flags and a.score >= 3.0, (a.score, a.flags)
    # the reference's prose keywords, listed, still are one
    prose = ref("Why does L1 regularization give sparse models?",
                "The L1 penalty adds the absolute weights to the loss. Its gradient has constant size, so small weights are "
                "pushed exactly to zero, which performs feature selection.")
    b = scorer.score("penalty, absolute, weights, gradient, zero, selection", prose)
    assert "keyword_list" in b.flags and b.score <= 2.0, (b.score, b.flags)


#: A small "file" of questions on unrelated subjects, as `interviewer eval asag` indexes one.
LESSON = [
    ("What is a stack?", "A stack is a last-in first-out list: items are pushed onto and popped off the top."),
    ("What is recursion?", "A function that calls itself."),
    ("What does a hash table give you?", "Constant expected time lookup of a value by its key, through a hash of the key."),
    ("What is photosynthesis?", "Plants turn light, water and carbon dioxide into sugar and oxygen."),
]


def test_another_question_s_answer_earns_nothing_once_the_file_is_indexed(embedder, vocabulary):
    """The contrast gate: with the file's questions as the index, the answer to "What is
    recursion?" given to "What is a stack?" drops to 1 or less; the stack's own answer keeps its score."""
    build = ReferenceBuilder(embedder)
    refs = {q: build(q, r, q) for q, r in LESSON}
    bare = OfflineScorer(embedder, vocabulary=vocabulary)
    indexed = bare.with_index(build.index())
    stack, recursion = refs["What is a stack?"], LESSON[1][1]
    assert indexed.score(recursion, stack).score <= 1.0
    assert indexed.score(recursion, stack).score < bare.score(recursion, stack).score
    right = "Last in, first out: you push onto the top and pop from the top."
    assert indexed.score(right, stack).score >= 3.0
    assert indexed.score(right, stack).score == pytest.approx(bare.score(right, stack).score, abs=0.2)


def test_eval_asag_gives_the_scorer_the_file_s_index(embedder, vocabulary, tmp_path):
    rows = [{"question": q, "reference_answer": r, "answer": LESSON[1][1] if q == LESSON[0][0] else r, "score": 0 if q == LESSON[0][0] else 5}
            for q, r in LESSON]
    path = tmp_path / "lesson.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    ev = evaluate(path, OfflineScorer(embedder, vocabulary=vocabulary))
    scored = {r.question: a.score for _, r, a in ev.predictions}
    assert scored["What is a stack?"] <= 1.0, scored
    assert all(v >= 3.0 for q, v in scored.items() if q != "What is a stack?"), scored


def test_a_file_s_questions_are_not_topics_so_nothing_is_flagged_off_topic(embedder, vocabulary):
    """eval asag's index holds the file's questions, not topics: it takes the score of an answer
    to another question (the contrast gate) but never flags it off-topic; a bank index does."""
    build = ReferenceBuilder(embedder)
    stack = build("What is a stack?", "A stack is a last-in first-out collection. Items are pushed onto the top. "
                  "Items are popped from the top, so the newest leaves first.", "stack")
    photosynthesis = "Plants turn light, water and carbon dioxide into sugar and oxygen in their leaves."
    build("What is photosynthesis?", photosynthesis, "photosynthesis")
    build("What is a hash table?", "A hash table maps keys to values. It hashes the key to find a bucket. "
          "Lookups take constant expected time.", "hash")
    index = build.index()
    assert index.per_question
    in_file = OfflineScorer(embedder, vocabulary=vocabulary).with_index(index).score(photosynthesis, stack)
    assert "off_topic" not in in_file.flags and in_file.score <= 1.0
    in_bank = OfflineScorer(embedder, vocabulary=vocabulary).with_index(dataclasses.replace(index, per_question=False))
    assert "off_topic" in in_bank.score(photosynthesis, stack).flags
