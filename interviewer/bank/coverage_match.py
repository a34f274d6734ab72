"""Coverage, step 2 (the measures): how close an item of a document is to the bank's questions.

Takes a :class:`~interviewer.bank.loading.Bank` and vectors of unit-length sentence embeddings;
gives the similarity at which each kind of item counts as covered (:data:`THRESHOLDS`), the
terms a topic is named by (:func:`topic_terms`, :func:`names`), what items are compared with
(:func:`bank_views`, :func:`taxonomy_labels`) and the score of a category
(:func:`category_score`). :mod:`interviewer.bank.coverage` applies them to a document's items;
``evals/calibrate_coverage.py`` measures them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .loading import Bank

#: Cosine similarity (all-MiniLM-L6-v2) at which an item counts as covered, per kind, from
#: ``python evals/calibrate_coverage.py`` on hand-written data (evals/data/coverage_pairs.yaml):
#:
#: - question (question text vs question text): a rewording of a bank question, or of another
#:   question, reaches p25 0.59 / p50 0.70; the closest bank question when the asked one is
#:   not in the bank (leave-one-out, and the best *other* question of a rewording) reaches
#:   p50 0.55 / p75 0.63 / p90 0.70. Tuned for separation (the best cut is 0.63-0.64); 0.65
#:   keeps a question of a neighbouring subject from passing for this one.
#: - topic (topic, with its description, vs "question text. topic name"): the best question of
#:   the right taxonomy topics reaches p25 0.47 / p50 0.58; the best of the other topics p75
#:   0.46 / p90 0.49. 0.52 is the best cut (71% vs 7%). A short phrase embeds far from a long
#:   question that names it ("positional encoding" vs a question on sinusoidal positional
#:   encodings: 0.49), so a topic whose every content word a bank question names is covered
#:   too (see :func:`names`): with that rule 84% of topics are covered, and 16% of the
#:   other-topic bests pass (most of them questions that do name the topic, e.g. binary search
#:   in a question on binary search trees).
#: - category (a heading with what it lists; scored by :func:`category_score` against the
#:   taxonomy's topics, categories and stage titles and the closest questions): category names
#:   alone reach p25 0.59 / p50 0.68 on their own labels and questions, p50 0.49 / p75 0.55 on
#:   the others (mostly neighbouring labels); 0.53 is the best cut (90% vs 30%), and what a
#:   document lists under a heading makes its own match closer than a bare name's.
THRESHOLDS: dict[str, float] = {"question": 0.65, "topic": 0.52, "category": 0.53}
#: A category is covered only when the taxonomy label it matches has at least this many bank
#: questions (a topic with one question does not cover a whole category of a document).
MIN_CATEGORY_QUESTIONS = 3

_STOPWORDS = frozenset(
    "a an the of to in on for and or is are be do does did how what why when which who you your would could "
    "should can with from by at as it its this that these those there their we i me my vs versus about into "
    "between than then more most some any one each use used using explain describe tell give time e.g etc "
    "such like".split()
)


def topic_terms(text: str) -> frozenset[str]:
    """The terms a topic name is matched on: lower-case words without stopwords, plurals
    folded ("strategies" -> "strategy"), digits and symbols kept ("l1", "f1", "c++").

    Unlike the scorer's :func:`interviewer.scoring.features.content_words` (a list, words of 3+
    letters, for question demoting), two-character terms count here, and the stopwords include
    the verbs of questions ("explain", "describe"), which say nothing of a topic."""
    out = set()
    for w in re.findall(r"[a-z][a-z0-9+-]*", text.lower()):
        w = w.strip("-")
        if len(w) < 2 or w in _STOPWORDS:
            continue
        w = re.sub(r"ies$", "y", w)
        out.add(re.sub(r"(?<![su])s$", "", w))
    return frozenset(out)


#: Head nouns that say what kind of thing a topic is, not which: "experiment tracking systems"
#: is named by a question on experiment tracking.
_GENERIC = frozenset(
    "system approach strategy technique method scenario implementation solution type pattern concept "
    "fundamental basic skill tool algorithm model".split()
)


def names(topic: str, question_words: frozenset[str]) -> bool:
    """True when a question (as its content words) names every specific content word of a topic
    (generic head nouns such as "systems" or "techniques" aside, unless that is all it has)."""
    words = topic_terms(topic)
    specific = words - _GENERIC or words
    return bool(specific) and specific <= question_words


@dataclass(frozen=True)
class Label:
    """A taxonomy label a category can match: ``key`` like "topic:cnn", "category:leadership"
    or "stage:coding", the text embedded for it, and the indices of its bank questions."""

    key: str
    text: str
    questions: tuple[int, ...]


def taxonomy_labels(bank: Bank) -> list[Label]:
    """Every taxonomy topic ("name: description"), category (name) and stage (title) of a bank."""
    from ..models import STAGE_TITLES

    def idx(pred) -> tuple[int, ...]:
        return tuple(i for i, q in enumerate(bank.questions) if pred(q))

    labels = [Label(f"topic:{t.id}", f"{t.name}: {t.description}" if t.description else t.name,
                    idx(lambda q, t=t: q.topic == t.id)) for t in bank.taxonomy.topics]
    labels += [Label(f"category:{c.id}", c.name, idx(lambda q, c=c: q.category == c.id)) for c in bank.taxonomy.categories]
    labels += [Label(f"stage:{st}", title, idx(lambda q, st=st: q.stage == st)) for st, title in STAGE_TITLES.items()]
    return labels


def bank_views(bank: Bank) -> tuple[list[str], list[str]]:
    """What items are compared with: the question texts, and "question text. Topic name" for topics."""
    texts = [q.text for q in bank.questions]
    with_topic = [f"{q.text} {bank.taxonomy.topic_name(q.topic)}." for q in bank.questions]
    return texts, with_topic


def category_score(vec: np.ndarray, labels: list[Label], l_vecs: np.ndarray, q_sims: np.ndarray) -> tuple[float, str, int]:
    """(score, what matched, index of the question to show) for a category's vector.

    The score is the larger of: its cosine with the closest taxonomy label (topic, category or
    stage) that has at least :data:`MIN_CATEGORY_QUESTIONS` questions, and the mean cosine of
    its :data:`MIN_CATEGORY_QUESTIONS` closest bank questions (text + topic name).
    """
    l_sims = l_vecs @ vec
    usable = [i for i, lb in enumerate(labels) if len(lb.questions) >= MIN_CATEGORY_QUESTIONS]
    best = max(usable, key=lambda i: l_sims[i]) if usable else int(np.argmax(l_sims))
    top = np.argsort(-q_sims)[:MIN_CATEGORY_QUESTIONS]
    by_questions = float(q_sims[top].mean())
    label = labels[best]
    if l_sims[best] >= by_questions and label.questions:
        q_index = max(label.questions, key=lambda i: q_sims[i])
        return float(l_sims[best]), f"{label.key} ({len(label.questions)} questions)", q_index
    return by_questions, f"its {MIN_CATEGORY_QUESTIONS} closest questions", int(top[0])
