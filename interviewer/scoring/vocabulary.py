"""Vocabulary: is a token a word someone could mean? The gibberish screen's evidence.

An answer is keyboard mashing when most of its tokens are not words. A token is a *word*
(:meth:`Vocabulary.is_word`) when it is

- in a real English word list: `wordfreq`'s "large" English list (Speer 2022, wordfreq 3,
  about 320,000 words down to a frequency of 1e-8, i.e. a Zipf value of 1), which already
  holds much of the field's vocabulary (numpy, relu, lstm, kubernetes) and common typos;
- in the *domain* vocabulary: the words of the question, its reference answer and key points,
  and of the knowledge base (the bank and every ingested document, collected at ingest and
  kept beside the store, see :func:`save_domain_words`);
- one edit (a deletion, insertion, substitution or swap of neighbours) away from a domain word
  of five or more letters, or from an English word for tokens of seven or more: "pytroch",
  "dequeu", "paremeters" are typed words, not mashing;
- shaped like a technical name: an acronym (GELU, NDCG, LSTMs), a CamelCase name with a word
  or an acronym in it (XGBoost, LightGBM, SwiGLU, PyTorch), an identifier with digits (int8,
  k8s, fp16, p99, ResNet50), or a compound whose parts are words (R-CNN, NDCG@k, t-SNE,
  max_depth, torch.no_grad, C++);
- a plural or possessive of any of these (embeddings, GPUs, model's).

Keyboard mashing ("asdkjh qwoeiu zxcmnb") matches none of these.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

#: Lowest word frequency taken from wordfreq's list: the list's own floor (1e-8, Zipf 1).
MIN_FREQUENCY = 1e-8
#: Domain words at least this long are matched with one typo (shorter ones would match too much).
TYPO_MIN_LETTERS = 5
#: English words are matched with one typo only in tokens this long: in shorter ones a chance
#: neighbour in a 320,000-word list is too likely ("asdkjh" stays mashing).
ENGLISH_TYPO_MIN_LETTERS = 7
#: Longest all-capitals token read as an acronym (NDCG, LSTM, BLEU, ROUGE, OAUTH).
ACRONYM_MAX_LETTERS = 6
#: Tokens: letters and digits joined by - _ . @ / + ' (R-CNN, NDCG@10, torch.no_grad, C++, don't).
TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_.@/+'][A-Za-z0-9]+)*\+*")
#: Words of a text for the domain vocabulary (lower-cased; parts of compounds included).
_DOMAIN_WORD = re.compile(r"[a-z]+")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_SPLIT = re.compile(r"[-_.@/+']+")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """wordfreq's large English list as a set (loaded once, about 0.3 s and 30 MB).

    Returns an empty set when wordfreq is not installed (then only the domain vocabulary
    and the shapes count)."""
    try:
        import wordfreq
    except ImportError:  # pragma: no cover - a declared dependency
        return frozenset()
    freqs = wordfreq.get_frequency_dict("en", wordlist="large")
    return frozenset(w for w, f in freqs.items() if f >= MIN_FREQUENCY and w.isascii())


def domain_words(texts: Iterable[str]) -> set[str]:
    """Lower-cased alphabetic words of ``texts`` (compounds split: "R-CNN" gives "r", "cnn")."""
    out: set[str] = set()
    for t in texts:
        out.update(_DOMAIN_WORD.findall((t or "").lower()))
    return out


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


@lru_cache(maxsize=64)
def _delete_index(words: frozenset[str]) -> frozenset[str]:
    """The words of TYPO_MIN_LETTERS or more letters and every string one deletion from them:
    two words are one edit apart when their such sets meet (the symmetric-delete idea of
    Garbe's SymSpell)."""
    return frozenset(d for w in words if len(w) >= TYPO_MIN_LETTERS for d in _deletes(w) | {w})


def acronym(token: str) -> str | None:
    """The lower-cased letters of an acronym token of 2 to ACRONYM_MAX_LETTERS capitals, a
    plural "s" and hyphens aside ("LIFO", "TF-IDF", "LSTMs" -> lifo, tfidf, lstm), else None."""
    letters = token.replace("-", "")
    if letters.endswith("s") and letters[:-1].isupper():
        letters = letters[:-1]
    return letters.lower() if letters.isalpha() and letters.isupper() and 2 <= len(letters) <= ACRONYM_MAX_LETTERS else None


def _edits(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, substitution or insertion away (Norvig's
    spelling corrector, "How to write a spelling corrector", 2007)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


class Vocabulary:
    """Decides whether a token is a word (see the module docstring).

    Args:
        domain: lower-cased words of the knowledge base (bank, notes, ingested documents).
        english: the English word list; default :func:`english_words`.

    ``extra`` (on :meth:`is_word` and :meth:`share`) adds one question's own words (its text,
    reference answer and key points, from :func:`domain_words`) for one answer.
    """

    def __init__(self, domain: Iterable[str] = (), english: frozenset[str] | None = None):
        self.english = english_words() if english is None else english
        self.domain = frozenset(w.lower() for w in domain)
        self._cache: dict[str, bool] = {}

    # ------------------------------------------------------------------ lookups

    def _known(self, w: str, extra: frozenset[str]) -> bool:
        """A lower-cased alphabetic string that is an English or domain word, or a plural of one."""
        forms = [w]
        if w.endswith("s") and len(w) > 3:
            forms.append(w[:-1])
            if w.endswith("es") and len(w) > 4:
                forms.append(w[:-2])
        return any(f in self.english or f in self.domain or f in extra for f in forms)

    def _typo(self, w: str, extra: frozenset[str]) -> bool:
        """One edit from a domain word of TYPO_MIN_LETTERS or more letters, or (for a token of
        ENGLISH_TYPO_MIN_LETTERS or more) from an English word: "paremeters", "recursoin"."""
        if len(w) < TYPO_MIN_LETTERS - 1:
            return False
        mine = _deletes(w) | {w}
        if not mine.isdisjoint(_delete_index(self.domain)) or (extra and not mine.isdisjoint(_delete_index(extra))):
            return True
        return len(w) >= ENGLISH_TYPO_MIN_LETTERS and any(e in self.english for e in _edits(w))

    def _alpha_word(self, part: str, short_ok: bool, extra: frozenset[str]) -> bool:
        """One alphabetic run: a known word, an acronym, a CamelCase name, a typo of a domain
        word, or (inside a compound) three letters or fewer."""
        low = part.lower()
        if (short_ok and len(low) <= 3) or self._known(low, extra):
            return True
        if acronym(part):
            return True  # GELU, NDCG, LSTMs
        if not part.islower() and not part.isupper() and not (part[0].isupper() and part[1:].islower()):
            # CamelCase or mixed case (XGBoost, LightGBM, SwiGLU, ReLU, PyTorch): every piece is
            # a word, an acronym or short, and at least one is a word or an acronym.
            pieces = _CAMEL_PART.findall(part)
            named = [p for p in pieces if (len(p) >= 3 and self._known(p.lower(), extra)) or (p.isupper() and len(p) >= 2)]
            return bool(named) and all(len(p) <= 3 or p.isupper() or self._known(p.lower(), extra) for p in pieces)
        return self._typo(low, extra)

    def _check(self, token: str, extra: frozenset[str]) -> bool:
        t = token.rstrip("+")
        if t.endswith("'s"):
            t = t[:-2]
        parts = [p for p in _SPLIT.split(t) if p]
        if not parts:
            return False
        for p in parts:
            runs = re.findall(r"[A-Za-z]+", p)
            if not runs:
                continue  # a number
            if any(ch.isdigit() for ch in p):
                # an identifier with digits (int8, k8s, fp16, ResNet50): its letter runs are short or words
                if not all(self._alpha_word(r, True, extra) for r in runs):
                    return False
            elif not self._alpha_word(p, len(parts) > 1, extra):
                return False
        return True

    def is_word(self, token: str, extra: frozenset[str] = frozenset()) -> bool:
        """True when ``token`` (one :data:`TOKEN` match) is a word; see the module docstring."""
        ok = self._cache.get(token)
        if ok is None:
            if len(self._cache) > 50_000:
                self._cache.clear()
            ok = self._cache[token] = self._check(token, frozenset())
        return ok or (bool(extra) and self._check(token, extra))

    def share(self, tokens: list[str], extra: frozenset[str] = frozenset()) -> float:
        """Fraction (0-1) of ``tokens`` that are words; 1.0 for no tokens."""
        if not tokens:
            return 1.0
        return sum(self.is_word(t, extra) for t in tokens) / len(tokens)


def tokens(text: str) -> list[str]:
    """The word-like tokens of a text that contain a letter (see :data:`TOKEN`)."""
    return [t for t in TOKEN.findall(text) if any(ch.isalpha() for ch in t)]


# ---------------------------------------------------------------------- kept with the store


def save_domain_words(path: Path, words: Iterable[str], *, model: str = "") -> None:
    """Write the knowledge base's vocabulary beside the store, atomically (a crash leaves the old file).

    The file is JSON: ``{"version": 1, "embedding_model": ..., "words": [sorted words]}``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"version": 1, "embedding_model": model, "words": sorted(set(words))}), encoding="utf-8")
    os.replace(tmp, path)


def load_domain_words(path: Path) -> set[str] | None:
    """The words saved by :func:`save_domain_words`, or None when the file is missing or unreadable
    (the caller then collects them from the store again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        words = data["words"]
        if not isinstance(words, list):
            return None
        return {str(w) for w in words}
    except (OSError, ValueError, KeyError, TypeError):
        return None
