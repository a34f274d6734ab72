"""Screening an answer before it is graded, and what a flag costs and says.

Takes an answer, the question as asked, the reference answer and its key points; gives a
:class:`Screen`: the flags (:data:`~interviewer.models.Flag`) of an answer that says nothing or
tries to game the grade (empty, "I don't know", gibberish, another language, the question
pasted back, a bare keyword list, instructions to the grader, too long to be an answer) and
the text to grade. :func:`score_cap` gives the highest score a flagged answer may get, and
:func:`flag_message` the sentence shown to the candidate for a flag.

:class:`Screening` is the screen of :class:`~interviewer.scoring.offline.OfflineScorer`, which
mixes it in (it reads the scorer's ``vocabulary``); its names are importable from
:mod:`interviewer.scoring.offline` too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Flag
from .text import STEM, STOPWORDS, WORD, content_words, split_sentences
from .vocabulary import Vocabulary, domain_words, tokens

#: Longest answer graded, in words (about 2,500: the issue's 2,000-word answers fit). Longer
#: ones are flagged ``too_long``, capped, and only their first part is read.
MAX_ANSWER_WORDS = 2_500
MAX_ANSWER_CHARS = 20_000
#: Code or notation in an answer: brackets, operators, arrows, digits.
_CODE = re.compile(r"[\[\](){}*&=+<>|]|->|\d")
#: An answer of fewer tokens than this that contains code is not judged on its vocabulary.
CODE_MAX_WORDS = 12
#: Question copy: an answer that adds no word to the question, repeats at least
#: COPY_MIN_SHARE of the question's content words and keeps their order, or one that repeats
#: NEAR_COPY_MIN_SHARE and adds one word the reference does not use. Picking words out of a
#: long scenario question is not a copy: with "no new word" alone, 39 of the 4,969 SciEntsBank
#: train answers were flagged and 36% of them were graded correct. Nor is turning the
#: question's term around ("a pointer to a function" for "What is a function pointer?",
#: 3.5 of 5 in mohler_dev.jsonl). Three or more of the question's own terms listed, and nothing
#: else, are a copy too ("linear, regression, logistic").
COPY_MIN_SHARE, NEAR_COPY_MIN_SHARE = 0.8, 0.8
#: An answer is gibberish when under this share of its tokens are words (see OfflineScorer.is_gibberish).
GIBBERISH_WORD_SHARE = 0.5
#: Fewest items for a bare keyword list (see :func:`is_keyword_list`).
KEYWORD_LIST_MIN_ITEMS = 5
#: Numbers, in digits or words.
NUMBER = re.compile(r"\b(?:\d+(?:\.\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b")
#: Score caps for flagged answers (0-5): a bare keyword list may show some knowledge.
FLAGGED_CAP = 1.0
FLAG_CAPS: dict[str, float] = {"keyword_list": 2.0}

_DONT_KNOW = re.compile(
    r"\b(i\s*(do\s*n[o']?t|dont|really\s+don'?t)\s+know|i\s+have\s+no\s+(idea|clue)|no\s+idea|not\s+sure|"
    r"no\s+clue|idk|dunno|i\s+can'?t\s+remember|i\s+don'?t\s+remember|i'?m\s+not\s+familiar|never\s+heard(\s+of\s+it)?|"
    r"i\s+give\s+up|no\s+comment)\b",
    re.IGNORECASE,
)
#: A whole answer that only declines ("pass", "skip", "next").
_DECLINE = re.compile(r"^\W*(pass|skip|next(\s+question)?|nothing|none|n/?a|no|no\s+answer|not\s+answered)\W*$", re.IGNORECASE)
#: Text addressed to the grader rather than the interviewer: prompt injection.
_TO_GRADER = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+|previous\s+|prior\s+|above\s+|earlier\s+)*"
    r"(instructions?|rubric|reference|criteria|grading|rules|prompt|key\s+points)\b"
    r"|\b(give|award|assign|grant)\s+(this\s+answer\s+|this\s+|me\s+|my\s+answer\s+|it\s+)?(a\s+|an\s+|the\s+)?"
    r"(full|perfect|maximum|max|top|highest|high|5|five)\s*(/\s*5\s*)?(marks?|score|points?|grade|credit|stars?|out\s+of)"
    r"|\b(give|award|score|grade|rate|mark)\b[^.!?\n]{0,40}\b(5|10|100)\s*(/|out\s+of)\s*(5|10|100)\b"
    r"|\b(dear|attention|note\s+to\s+(the\s+)?)\s*(grader|evaluator|assessor|examiner|scorer)\b"
    r"|\byou\s+(are|must|should|will)\s+(now\s+)?(grade|score|rate|mark|award|give\s+(this|me))\b"
    r"|\b(you|the\s+grader|the\s+evaluator|the\s+model)\s+(must|should|will)\s+(ignore|disregard)\b"
    r"|\b(system|assistant)\s*:\s*(you|ignore|grade|score|give)\b",
    re.IGNORECASE,
)
#: English function words, and those of the European languages most often mistaken for it.
_ENGLISH = frozenset("the and is are of to in that it for with as on be this by we you can or which not".split())
_FOREIGN = frozenset(
    "de la el que los las por para una del como "  # Spanish
    "le les des est et pour dans une du qui "  # French
    "der das und ist nicht mit ein eine zu von auf sich "  # German
    "il di che della sono gli non "  # Italian
    "não uma com".split()  # Portuguese
)  # words that are also English ("die", "per", "con", "pas") are left out


@dataclass(frozen=True)
class Screen:
    """Outcome of screening an answer before semantic scoring."""

    flags: list[Flag]
    text: str  # the text to grade (truncated when too long)


class Screening:
    """The screen of the offline scorer, mixed into :class:`~interviewer.scoring.offline.OfflineScorer`:
    flags for answers that say nothing or game the grade, read with the knowledge base's
    ``vocabulary`` (:class:`~interviewer.scoring.vocabulary.Vocabulary`)."""

    vocabulary: Vocabulary

    def is_gibberish(self, text: str, context: Sequence[str]) -> bool:
        """True for keyboard mashing or symbol noise: under half of the answer's tokens are
        words (:class:`~interviewer.scoring.vocabulary.Vocabulary`, with the words of ``context``: the
        question, reference answer and key points), or it has almost no tokens at all.

        Never for an answer that shares a content word (6-letter stem) with ``context``, nor
        for a short answer in code or notation ("a[i] = *(a+i)", "O(n log n)": in
        mohler_dev.jsonl such answers got 2-5 of 5 from the human graders).
        None of the 348 correct answers of the jargon suite (evals/jargon.py) is flagged, and
        all of its 40 mashing answers are; over the 21,077 answers of ../shared/evals/asag it
        flags 12, all graded low by the humans (evals/asag_table.py)."""
        known = {w[:STEM] for t in context for w in content_words(t or "")}
        if known & {w[:STEM] for w in content_words(text)}:
            return False
        toks = tokens(text)
        formula = bool(re.search(r"\d|[A-Za-z]\s*\(", text))  # "O(n log n)", "k = 5": not mashing
        code = bool(_CODE.search(text)) and len(toks) < CODE_MAX_WORDS
        if code:
            return False
        if not toks or len(toks) < 0.3 * len(text.split()):
            return not formula
        return self.vocabulary.share(toks, frozenset(domain_words(context))) < GIBBERISH_WORD_SHARE

    def screen(self, answer: str, question: str, reference: str = "", key_points: Sequence[str] | None = None) -> Screen:
        """Flags for answers that say nothing or game the grade; see :data:`~interviewer.models.Flag`."""
        text = unicodedata.normalize("NFKC", answer or "")
        flags: list[Flag] = []
        if len(text) > MAX_ANSWER_CHARS or len(text.split()) > MAX_ANSWER_WORDS:
            flags.append("too_long")
            text = " ".join(text[:MAX_ANSWER_CHARS].split()[:MAX_ANSWER_WORDS])
        if not any(ch.isalnum() for ch in text):
            return Screen(["empty", *flags], "")
        printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
        if printable < 0.9 * len(text) or (text.count("\ufffd") > 3 and "\ufffd" in text[:2000]):
            return Screen(["gibberish", *flags], text)
        letters = [ch for ch in text if ch.isalpha()]
        if len(letters) >= 10 and sum(ch.isascii() for ch in letters) < 0.5 * len(letters):
            return Screen(["not_english", *flags], text)  # another script: Cyrillic, CJK, Arabic...
        lowered = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
        if len(lowered) >= 6:
            english = sum(w in _ENGLISH for w in lowered) / len(lowered)
            foreign = sum(w in _FOREIGN for w in lowered) / len(lowered)
            if foreign >= 0.12 and foreign > 2 * english and foreign * len(lowered) >= 3:
                return Screen(["not_english", *flags], text)
        content = content_words(text)
        # A hedge is only "I don't know" when little else is said: "not sure, but L1 gives
        # sparse weights" is an answer.
        if _DECLINE.match(text) or (_DONT_KNOW.search(text) and len(content_words(_DONT_KNOW.sub(" ", text))) <= 3):
            flags.append("dont_know")
        if self.is_gibberish(text, [question, reference, *(key_points or [])]):
            flags.append("gibberish")
        if _TO_GRADER.search(text):
            flags.append("instruction_to_grader")
        if "gibberish" not in flags and is_keyword_list(text) and not _answers_a_list(text, reference):
            flags.append("keyword_list")
        if question and "gibberish" not in flags:
            q_words = set(content_words(question))
            new = [w for w in content if w not in q_words]
            ref_words = set(content_words(reference))
            # Question demoting (Mohler et al. 2011): words the question already contains earn
            # nothing; an answer that adds almost nothing else, and nothing of the reference
            # answer's, is the question pasted back ("Arrays are passed by reference" to "How
            # are arrays passed?" adds the one word that matters, so it is an answer).
            # A number the question lacks is an answer ("the base case is one").
            q_numbers = set(NUMBER.findall(question.lower()))
            new += [w for w in NUMBER.findall(text.lower()) if w not in q_numbers]
            # A copy repeats most of the question ("What is a tree?" pasted back); an answer that
            # only picks words out of a long question is an answer ("Max ran after the cat" to a
            # story that ends "What was Max's response?": SemEval graders marked it correct).
            # A near-copy repeats nearly all of the question's words and adds at most one, which
            # the reference does not use.
            share = len(q_words & set(content)) / len(q_words) if q_words else 0.0
            short_list = is_keyword_list(text, min_items=3)
            listed = len(content) >= 3 and short_list  # the question's own terms, listed
            if (content and not new and (listed or (share >= COPY_MIN_SHARE and _in_order(content, content_words(question))))) or (
                    len(content) >= 6 and share >= NEAR_COPY_MIN_SHARE and len(new) <= 1 and not (set(new) & ref_words)):
                flags.append("question_copy")
                if "keyword_list" not in flags and short_list:
                    flags.append("keyword_list")  # "linear, regression, logistic": the question's terms, listed
        return Screen(flags, text)


def score_cap(flags: Sequence[str]) -> float:
    """The highest score (0-5) an answer with these flags may get: the lowest of their caps
    (FLAG_CAPS, else FLAGGED_CAP), 5 when there are none."""
    return min((FLAG_CAPS.get(f, FLAGGED_CAP) for f in flags), default=5.0)


def _in_order(words: list[str], question_words: list[str]) -> bool:
    """True when ``words`` (repeats dropped) appear in ``question_words`` in the same order."""
    it = iter(question_words)
    return all(w in it for w in dict.fromkeys(words))


def is_keyword_list(text: str, min_items: int = KEYWORD_LIST_MIN_ITEMS) -> bool:
    """True for a bare list of terms: at least ``min_items`` items of at most 4 words each, and
    almost no function words (under 10% of the words), so nothing connects the terms.

    Three or four terms can be the whole answer to "which stages...?" (mohler_dev.jsonl has
    such answers graded 3.5-5 of 5); a rubric's keywords, two per key point, make five or more.
    The screen asks for only three when the terms are all the question's own words."""
    items = _list_items(text)
    words = WORD.findall(text)
    if len(items) < min_items or len(words) < 3:
        return False
    function = sum(w.lower() in STOPWORDS for w in words) / len(words)
    return max(len(i.split()) for i in items) <= 4 and function < 0.10


_ITEM_SEPARATORS = r"[,;/|\n\u2022]+|\s-\s|\band\b"


def _list_items(text: str, *, alternatives: bool = False) -> list[str]:
    """The items of a list written in a line: split at , ; / | newlines, bullets, " - " and
    "and" (and "or" with ``alternatives``)."""
    pattern = _ITEM_SEPARATORS + (r"|\bor\b" if alternatives else "")
    return [i.strip() for i in re.split(pattern, text) if i.strip()]


def _answers_a_list(answer: str, reference: str) -> bool:
    """True when the answer's list is an enumeration the reference itself makes: at least 80%
    of its items name an item of one reference sentence that lists three or more short items
    ("Facebook/Meta, Apple, Amazon, Netflix, Google" for "FAANG stands for Facebook (now Meta),
    Apple, Amazon, Netflix and Google"). Such a list answers a "name the ..." question; a
    rubric's keywords gathered from all over a reference are still a keyword list."""
    items = [set(w[:STEM] for w in content_words(i)) for i in _list_items(answer, alternatives=True)]
    items = [i for i in items if i]
    if not items:
        return False
    for sentence in split_sentences(reference) or [reference]:
        listed = [set(w[:STEM] for w in content_words(i)) for i in _list_items(re.sub(r"\([^)]*\)", " ", sentence), alternatives=True)
                  if len(i.split()) <= 4]
        listed = [i for i in listed if i]
        if len(listed) >= 3 and sum(any(i & r for r in listed) for i in items) >= 0.8 * len(items):
            return True
    return False


_FLAG_MESSAGES: dict[str, str] = {
    "empty": "No answer was given, so there is nothing to grade.",
    "dont_know": "Saying you don't know is honest, but it earns no credit: in a real interview, reason out loud from what you do know.",
    "gibberish": "The answer could not be read as English text, so it was not graded.",
    "not_english": "The answer is not in English; the interview is graded in English.",
    "question_copy": "The answer repeats the question without adding anything; explain the idea in your own words.",
    "off_topic": "The answer is about something else; it does not address this question.",
    "too_long": f"Answers are graded up to {MAX_ANSWER_WORDS:,} words; keep to the points that matter.",
    "keyword_list": "A list of keywords without explanation does not show understanding; explain how the ideas connect.",
    "instruction_to_grader": "Instructions to the grader are ignored, and an answer that contains them is capped.",
}


def flag_message(flag: str) -> str:
    """The sentence shown to the candidate for a flag."""
    return _FLAG_MESSAGES.get(flag, flag)
