"""Coverage: which questions and topics of interview-prep documents the question bank covers.

Two steps, kept apart so each can be tested alone:

1. :func:`extract` reads a document (plain text or Markdown, as interview-prep articles,
   question lists and chat transcripts come) and returns the interview *questions* it asks,
   the *topics* it lists and the *categories* it names, each with its file and line. Lines
   that are not interview content (a disclaimer, salary figures, preparation advice, the
   prompts of a chat transcript) are returned separately with the reason they were left out.
2. :func:`coverage` embeds every item and finds the closest bank question: for a question by
   the cosine similarity of the two question texts, for a topic or category by the similarity
   of the topic (with its description, when the document gives one) to "question text. topic
   name". An item is covered when that similarity reaches its kind's threshold
   (:data:`THRESHOLDS`, measured by ``evals/calibrate_coverage.py``).

Takes paths of documents, a :class:`~interviewer.bank.loading.Bank` and sentence embeddings;
gives a :class:`CoverageReport`. Reading the documents is :mod:`.coverage_extract` (where what
counts as a question, a topic or a category is described); the measures the matching uses
are :mod:`.coverage_match`. Their public names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from ..embeddings import SentenceEmbeddings
from .coverage_extract import (
    CONTEXT_ITEMS,
    DOCUMENT_SUFFIXES,
    KINDS,
    MAX_HEADING_WORDS,
    MAX_TOPIC_WORDS,
    Ignored,
    Item,
    ItemKind,
    category_name,
    clean,
    documents,
    enumeration,
    extract,
    is_question,
)
from .coverage_match import (
    MIN_CATEGORY_QUESTIONS,
    THRESHOLDS,
    Label,
    bank_views,
    category_score,
    names,
    taxonomy_labels,
    topic_terms,
)
from .loading import Bank

__all__ = [
    "CATEGORY_CHILDREN_SHARE", "CONTEXT_ITEMS", "DOCUMENT_SUFFIXES", "KINDS", "MAX_HEADING_WORDS", "MAX_TOPIC_WORDS",
    "MIN_CATEGORY_CHILDREN", "MIN_CATEGORY_QUESTIONS", "THRESHOLDS", "CoverageReport", "Ignored", "Item", "ItemKind",
    "KindSummary", "Label", "Match", "bank_views", "category_name", "category_score", "clean", "coverage", "documents",
    "enumeration", "extract", "is_question", "names", "taxonomy_labels", "topic_terms",
]

#: A category that lists at least MIN_CATEGORY_CHILDREN questions or topics is also covered when
#: at least CATEGORY_CHILDREN_SHARE of them are: a heading over a list stands for what it lists.
MIN_CATEGORY_CHILDREN, CATEGORY_CHILDREN_SHARE = 2, 0.8


class Match(BaseModel):
    """An item and the bank question closest to it."""

    kind: ItemKind
    text: str
    source: str
    question_id: str
    question: str
    similarity: float = Field(description="Cosine similarity, -1..1 (see THRESHOLDS for how each kind is compared).")
    named: bool = Field(default=False, description="A topic covered because the question names all its words.")
    label: str = Field(default="", description="A category's closest taxonomy label, e.g. 'topic:cnn (12 questions)'.")
    covered: bool


class KindSummary(BaseModel):
    """Items of one kind: how many, how many covered, the share covered (0-1) and the threshold used."""

    items: int
    covered: int
    share: float
    threshold: float


class CoverageReport(BaseModel):
    """The result of :func:`coverage`: every item with its closest question, and the shares covered."""

    documents: list[str]
    bank_questions: int
    matches: list[Match]
    ignored: list[Ignored]
    by_kind: dict[str, KindSummary]
    covered: int
    total: int
    share: float = Field(description="Covered items over all items, 0-1 (1.0 when there are none).")

    @property
    def uncovered(self) -> list[Match]:
        return [m for m in self.matches if not m.covered]


def coverage(
    paths: Sequence[Path],
    bank: Bank,
    embedder: SentenceEmbeddings,
    thresholds: dict[str, float] | None = None,
    progress: bool = False,
) -> CoverageReport:
    """Extract the items of the documents at ``paths`` and match each to the closest bank question.

    Args:
        paths: documents or folders of them (.md, .markdown, .txt).
        bank: the question bank to check.
        embedder: unit-length sentence embeddings (cosine = dot product).
        thresholds: per-kind similarity for "covered"; default :data:`THRESHOLDS`.
        progress: show a progress bar on stderr while embedding.

    Raises:
        DocumentError: a path is missing or unreadable, or holds no document.
    """
    thresholds = {**THRESHOLDS, **(thresholds or {})}
    files = documents(paths)
    items: list[Item] = []
    ignored: list[Ignored] = []
    for f in files:
        got, left = extract(f)
        items += got
        ignored += left
    texts, with_topic = bank_views(bank)
    labels = taxonomy_labels(bank)
    categories = [it for it in items if it.kind == "category"]
    groups = [texts, with_topic, [lb.text for lb in labels],
              [it.text if it.kind == "question" else (it.context or it.text) for it in items], [it.text for it in categories]]
    q_vecs, t_vecs, l_vecs, vecs, bare = _encode(embedder, groups, progress)
    words = [topic_terms(t) for t in with_topic]
    matches: list[Match] = []
    if items:
        bare_of = {id(it): v for it, v in zip(categories, bare)}
        for it, v in zip(items, vecs):
            sims = (q_vecs if it.kind == "question" else t_vecs) @ v
            if it.kind == "category":  # the name alone, or with what it lists: whichever matches better
                m1 = _category_match(it, v, labels, l_vecs, sims, bank, thresholds["category"])
                b = bare_of[id(it)]
                m2 = _category_match(it, b, labels, l_vecs, t_vecs @ b, bank, thresholds["category"])
                matches.append(max(m1, m2, key=lambda m: m.similarity))
                continue
            best = int(np.argmax(sims))
            named = False
            if it.kind == "topic" and sims[best] < thresholds["topic"]:
                naming = [i for i, w in enumerate(words) if names(it.text, w)]
                if naming:
                    best, named = max(naming, key=lambda i: sims[i]), True
            sim = float(sims[best])
            q = bank.questions[best]
            matches.append(Match(kind=it.kind, text=it.text, source=it.source, question_id=q.id, question=q.text,
                                 similarity=round(sim, 3), named=named,
                                 covered=named or sim >= thresholds[it.kind]))
    # A category that lists questions or topics is covered when most of what it lists is.
    status = {(m.kind, m.text.lower()): m.covered for m in matches if m.kind != "category"}
    for it, m in zip(items, matches):
        if it.kind == "category" and not m.covered and len(it.children) >= MIN_CATEGORY_CHILDREN:
            known = [status[k] for c in it.children for k in (("question", c.lower()), ("topic", c.lower())) if k in status]
            if known and sum(known) / len(known) >= CATEGORY_CHILDREN_SHARE:
                m.covered = True
                m.label = f"{sum(known)} of the {len(known)} items it lists are covered"
    by_kind = {}
    for kind in KINDS:
        ms = [m for m in matches if m.kind == kind]
        n_cov = sum(m.covered for m in ms)
        by_kind[kind] = KindSummary(items=len(ms), covered=n_cov, share=round(n_cov / len(ms), 4) if ms else 1.0,
                                    threshold=thresholds[kind])
    covered = sum(m.covered for m in matches)
    return CoverageReport(
        documents=[str(f) for f in files], bank_questions=len(bank.questions), matches=matches, ignored=ignored,
        by_kind=by_kind, covered=covered, total=len(matches),
        share=round(covered / len(matches), 4) if matches else 1.0,
    )


def _encode(embedder: SentenceEmbeddings, groups: list[list[str]], progress: bool, batch: int = 64) -> list[np.ndarray]:
    """Embed several lists of texts in batches, with one progress bar over all of them."""
    from tqdm import tqdm

    flat = [t for g in groups for t in g]
    parts = []
    with tqdm(total=len(flat), desc="Embedding", unit="text", disable=not progress) as bar:
        for start in range(0, len(flat), batch):
            chunk = flat[start:start + batch]
            parts.append(embedder.encode(chunk))
            bar.update(len(chunk))
    allv = np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)
    out, at = [], 0
    for g in groups:
        out.append(allv[at:at + len(g)])
        at += len(g)
    return out


def _category_match(item: Item, vec: np.ndarray, labels: list[Label], l_vecs: np.ndarray, q_sims: np.ndarray,
                    bank: Bank, threshold: float) -> Match:
    """A category is covered when it matches a taxonomy label with questions, or when several
    bank questions are about it; the score is the better of the two (see :func:`category_score`)."""
    sim, label, q_index = category_score(vec, labels, l_vecs, q_sims)
    q = bank.questions[q_index]
    return Match(kind="category", text=item.text, source=item.source, question_id=q.id, question=q.text,
                 similarity=round(sim, 3), label=label, covered=sim >= threshold)
