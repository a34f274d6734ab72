"""Text helpers of the offline scorer: sentences, clauses, content words and terms of a text.

Takes a text (an answer, a key point, a reference answer, a question); gives its sentences and
list items (:func:`split_sentences`), the clauses of a long sentence (:func:`split_clauses`),
its content words (:func:`content_words`) and terms (:func:`terms`), the initialisms an acronym
may stand for (:func:`initialisms`), and question demoting (:func:`demote`: the words a
question does not already contain). :mod:`interviewer.scoring.features` builds its features on
these, and its importers may import them from there too.
"""

from __future__ import annotations

import re

from .vocabulary import TOKEN

#: Sentences longer than this (words) are also compared clause by clause.
CLAUSE_SPLIT_WORDS = 18
#: Stem length for exact word matches: truncation stemming, robust across English inflection.
STEM = 6

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(`])|\n+")
_CLAUSE = re.compile(r"\s*[,;:]\s+|\s+\(|\)\s*")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
STOPWORDS = frozenset(
    "a an the and or but if then so of to in on at by for with from as is are was were be been being "
    "it its this that these those what which who whom how why when where do does did can could would "
    "should will shall may might must you your i we they he she them our my me us not no yes there here "
    "about into than also just very more most such any each some".split()
)


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a text, in order, trimmed, without bullet markers."""
    parts = []
    for chunk in _SENTENCE_END.split(text):
        chunk = _BULLET.sub("", chunk).strip()
        if len(WORD.findall(chunk)) >= 2 or (chunk and len(chunk) > 12):
            parts.append(chunk)
    return parts


def split_clauses(sentence: str, min_words: int = 4) -> list[str]:
    """Clauses of a long sentence (over ``CLAUSE_SPLIT_WORDS`` words), split at , ; : and
    merged so each has at least ``min_words`` words; [] for a short sentence."""
    if len(sentence.split()) <= CLAUSE_SPLIT_WORDS:
        return []
    clauses: list[str] = []
    for part in _CLAUSE.split(sentence):
        part = part.strip()
        if not part:
            continue
        if clauses and len(clauses[-1].split()) < min_words:
            clauses[-1] = f"{clauses[-1]}, {part}"
        else:
            clauses.append(part)
    if len(clauses) > 1 and len(clauses[-1].split()) < min_words:
        clauses[-2:] = [f"{clauses[-2]}, {clauses[-1]}"]
    return clauses if len(clauses) > 1 else []


def content_words(text: str) -> list[str]:
    """Lower-cased words of 3+ letters that are not stopwords, in order."""
    return [w for w in (m.group(0).lower() for m in WORD.finditer(text)) if len(w) > 2 and w not in STOPWORDS]


def terms(text: str) -> list[str]:
    """Lower-cased content words (:func:`content_words`) plus identifiers: tokens with a digit
    that also have a letter ("L1", "int8", "p99", "bm25", "ResNet-50") and all-capital acronyms
    of two letters ("EM", "TP"), in order."""
    out = content_words(text)
    for t in TOKEN.findall(text):
        has_alpha = any(ch.isalpha() for ch in t)
        if has_alpha and (any(ch.isdigit() for ch in t) or (t.isupper() and len(t) == 2)):
            out.append(t.lower())
    return out


_INITIALS_WORD = re.compile(r"[A-Za-z]+")


def initialisms(text: str, longest: int = 6) -> set[str]:
    """Lower-cased initials of every run of 2 to ``longest`` consecutive words, with and without
    the stopwords ("last-in first-out" gives "lifo", "masked language modelling" "mlm",
    "Bidirectional Encoder Representations from Transformers" "bert"): what an acronym in an
    answer may stand for."""
    words = _INITIALS_WORD.findall(text)
    out: set[str] = set()
    for seq in (words, [w for w in words if w.lower() not in STOPWORDS]):
        letters = "".join(w[0] for w in seq).lower()
        for n in range(2, longest + 1):
            out.update(letters[i:i + n] for i in range(len(letters) - n + 1))
    return out


def demote(text: str, question_words: set[str]) -> list[str]:
    """Content words of ``text`` that the question does not contain (question demoting)."""
    return [w for w in content_words(text) if w not in question_words]


def demoted_key_point_words(question_words: set[str], key_points: list[str]) -> list[list[str]]:
    """Each key point's content words that the question lacks (all its content words when the
    question has them all): what the key point adds to the question (question demoting)."""
    return [demote(k, question_words) or content_words(k) for k in key_points]


def demoted_key_point_texts(question: str, key_points: list[str]) -> list[str]:
    """The text embedded for each key point's question-demoted vector: its
    :func:`demoted_key_point_words`, or the key point itself when it has none."""
    words = demoted_key_point_words(set(content_words(question)), key_points)
    return [" ".join(ws) or k for ws, k in zip(words, key_points)]
