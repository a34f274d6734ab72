"""What every reader of a question list gives the builder, and the wording rules they share.

A reader (Markdown, CSV, JSON/YAML) turns a file into :class:`RawItem` objects (one per
question, its answer as written) and :class:`Skipped` entries (what it did not take, and why).
The helpers here clean a question as written: numbering, "Q:" labels, difficulty markers
("[E]", "(hard)", 👶 ⭐️ 🚀) and source links come off the text; a topic title becomes a question
a person would ask (:func:`as_question`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from ...models import KeyPoint


class Skipped(BaseModel):
    """An entry of the file that was not imported, where it is (``FILE:LINE`` or ``FILE row N``), and why."""

    item: str
    source: str
    reason: str


@dataclass
class RawItem:
    """One question as read from a file, before anything is inferred.

    ``answer`` is the answer as written (Markdown: code, tables, LaTeX and images kept); ``prose``
    is its text without code, tables and display formulas, which key points are derived from.
    ``asked_as`` is set when the file gave a topic title ("Linear regression") and ``question``
    is the question made of it ("Explain linear regression."). ``links`` are the links of an
    answer that is only links (the question is then practice-only). ``difficulty`` is 1-5.
    A multiple-choice question has its ``choices`` (in the question text too) and the
    ``correct`` ones (its key points); ``parent`` is the question a sub-question belongs to.
    """

    question: str
    source: str
    answer: str | None = None
    prose: str = ""
    section: str = ""
    topic: str | None = None
    levels: list[str] | None = None
    stage: str | None = None
    difficulty: int | None = None
    id: str | None = None
    category: str | None = None
    key_points: list[KeyPoint] | None = None
    notes: list[str] = field(default_factory=list)
    asked_as: str | None = None
    links: list[str] = field(default_factory=list)
    parent: str | None = None
    choices: list[str] = field(default_factory=list)
    correct: list[str] = field(default_factory=list)


#: "Q:", "Q1.", "Question 3:", "Q 4 -" in front of a question.
Q_LABEL = re.compile(r"^\s*(?:Q|Question)\s*#?\d*\s*[:.)\-–]\s*", re.IGNORECASE)
#: "A:", "Ans.", "Answer:", "Solution -", "**Answer**:" in front of an answer.
A_LABEL = re.compile(r"^\s*(?:\*\*|__)?(?:A|Ans|Answer|Solution|Explanation)\s*\d*\s*(?:\*\*|__)?\s*[:.)\-–]\s*(?:\*\*|__)?\s*",
                     re.IGNORECASE)
#: A number in front of a question: "1.", "12)", "#3", "(4)", "1 -", "Q1" is a label (above).
NUMBER = re.compile(r"^\s*(?:#\s?\d{1,3}\b[.):]?|\(\d{1,3}\)|\d{1,3}\s*(?:[.):](?!\d)|\s[-–]))\s*")
#: A sub-question's marker: a lower-case roman numeral or letter ("i.", "iv)", "(b)").
SUB_MARKER = re.compile(r"^\s*\(?(?:[ivx]{1,4}|[a-h])[.)]\s+")
#: Answers that only say there is no answer yet.
NO_ANSWER = re.compile(
    r"^\W*(tbd|todo|to do|n/?a|none|wip|coming soon|to be (added|written|done)|answer( here| pending)?|"
    r"your answer( here)?|add (an )?answer( here)?|work in progress)?\W*$",
    re.IGNORECASE,
)
#: An instruction an interviewer gives without a question mark ("Explain ...", "Implement ...").
INSTRUCTION = re.compile(
    r"^(explain|describe|compare|contrast|implement|write|code|design|given|tell (me|us)|walk (me|us)|"
    r"talk (me|us) through|discuss|define|derive|list|name|outline|estimate|calculate|compute|find|sketch|"
    r"give an example|share an example|differentiate|distinguish|summari[sz]e|prove|show that|how to)\b",
    re.IGNORECASE,
)
#: A question that lost its "?" ("Would adding more data address underfitting").
_QUESTION_WORD = re.compile(
    r"^(what|why|how|when|where|which|who|whom|whose|is|are|was|were|do|does|did|can|could|should|would|"
    r"will|shall|may|might|have|has)\b", re.IGNORECASE)

#: Difficulty markers and the difficulty (1-5) each stands for: a bracketed letter or word
#: ("[E]", "(Medium)", "[hard]"), a leading "Easy:" and the emoji some collections use
#: (👶 beginner, ⭐️ intermediate, 🚀 advanced, as in several public collections' legends).
DIFFICULTY_WORDS = {"e": 2, "easy": 2, "beginner": 2, "basic": 2, "m": 3, "medium": 3, "intermediate": 3,
                    "h": 4, "hard": 4, "advanced": 4, "expert": 5}
DIFFICULTY_EMOJI = {"👶": 2, "🐣": 2, "🟢": 2, "⭐": 3, "🟡": 3, "🚀": 4, "🔥": 4, "🔴": 4}
_DIFFICULTY_TAG = re.compile(
    r"[\[(](" + "|".join(sorted(DIFFICULTY_WORDS, key=len, reverse=True)) + r")[\])]"
    r"|^\s*(easy|medium|hard)\s*[:\-–|]\s*",
    re.IGNORECASE,
)
_EMOJI = re.compile("(" + "|".join(DIFFICULTY_EMOJI) + ")\ufe0f?")
#: A link that names the question's source, not part of it: "[[src](url)]", "[source](url)", "(ref)".
_SOURCE_LINK = re.compile(r"\s*\[?\[(?:src|source|sources|ref|reference|link|video|blog|paper)\]\([^)\s]*\)\]?",
                          re.IGNORECASE)
_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(((?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def plain(markdown: str) -> str:
    """Inline Markdown as plain text on one line: links as their text, images and emphasis gone."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", markdown)
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text.replace("**", "").replace("__", "")).strip()


def asks(text: str) -> bool:
    """True when a line reads as an interview question: it ends with "?" or gives an instruction."""
    t = text.strip()
    return bool(t) and (t.endswith("?") or bool(INSTRUCTION.match(t)))


def difficulty_of(text: str) -> tuple[str, int | None]:
    """(text without its difficulty markers, the difficulty 1-5 they give or None)."""
    found: int | None = None
    m = _DIFFICULTY_TAG.search(text)
    if m:
        found = DIFFICULTY_WORDS[(m.group(1) or m.group(2)).lower()]
    e = _EMOJI.search(text)
    if e and found is None:
        found = DIFFICULTY_EMOJI[e.group(1)]
    text = _EMOJI.sub(" ", _DIFFICULTY_TAG.sub(" ", text))
    return re.sub(r"\s+", " ", text).strip(" -–|:"), found


def clean_question(markdown: str) -> tuple[str, int | None, bool]:
    """(question text, difficulty 1-5 or None, whether it was numbered or labelled) of a
    question as written: source links, numbering, "Q:" labels and difficulty markers removed,
    Markdown made plain."""
    text = _SOURCE_LINK.sub("", markdown)
    text = plain(text)
    text, difficulty = difficulty_of(text)
    numbered = bool(NUMBER.match(text) or Q_LABEL.match(text) or SUB_MARKER.match(text))
    for _ in range(2):
        text = SUB_MARKER.sub("", Q_LABEL.sub("", NUMBER.sub("", text))).strip()
    text, again = difficulty_of(text)  # "1. [E] What ...": the marker came after the number
    text = _CATEGORY_PREFIX.sub("", text.strip())  # "Big Data Engineer Can you explain what REST is?"
    text = re.sub(r"\?\s+\S$", "?", text)  # a stray character after the question mark ("...? I")
    return text.strip(), difficulty if difficulty is not None else again, numbered


#: Up to four title-case words in front of a question that starts with a capital ("Data Mining
#: Describe the decision tree model."): a category label run into the question.
_ASKING_WORD = (r"(?:Can|Could|What|Why|How|When|Where|Which|Who|Is|Are|Do|Does|Describe|Explain|Define|Compare|"
                r"Name|List|Implement|Write|Design|Tell)\b")
_CATEGORY_PREFIX = re.compile(rf"^(?:(?!{_ASKING_WORD})[A-Z][\w-]*\s+){{1,4}}(?={_ASKING_WORD}\s+[a-z])")


def as_question(title: str) -> str:
    """A question a person would ask about a topic title: "Linear regression" -> "Explain linear
    regression."; "L1 vs L2 regularization" -> "Compare L1 and L2 regularization."; "Difference
    between joins" -> "What is the difference between joins?"; a question that lost its "?"
    gets it back. A title that already asks is returned as it is."""
    t = title.strip().rstrip(".:;")
    if not t or asks(t):
        return title.strip()
    if _QUESTION_WORD.match(t) and len(t.split()) > 2:
        return t + "?"
    m = re.match(r"^(?:the\s+)?differences?\s+between\s+(.+)$", t, re.IGNORECASE)
    if m:
        return f"What is the difference between {m.group(1)}?"
    parts = re.split(r"\s+(?:vs\.?|versus|v\.)\s+", t, flags=re.IGNORECASE)
    if len(parts) == 2 and all(parts):
        return f"Compare {_lower_first(parts[0])} and {_lower_first(parts[1])}."
    return f"Explain {_lower_first(t)}."


def _lower_first(text: str) -> str:
    """'Linear regression' -> 'linear regression'; names and acronyms ('Spark', 'KNN', 'Cross
    Validation', 'Bag of Words') are left as written: only a sentence-case phrase is lowered."""
    words = text.split()
    if (len(words) >= 2 and words[0][:1].isupper() and words[0][1:].islower()
            and all(w[:1].islower() or not w[:1].isalpha() for w in words[1:])):
        return words[0].lower() + text[len(words[0]):]
    return text


def links_of(markdown: str) -> list[str]:
    """The link targets of Markdown text (images included), in order, without repeats."""
    seen: list[str] = []
    for m in _LINK.finditer(markdown):
        if m.group(2) and m.group(2) not in seen:
            seen.append(m.group(2))
    for m in re.finditer(r"(?<![(\[])\bhttps?://[^\s)>\]]+", markdown):
        if m.group(0) not in seen:
            seen.append(m.group(0))
    return seen


#: Words that only point at a link ("See [this post](...) for more").
_POINTER_WORDS = {"see", "read", "refer", "to", "check", "out", "this", "the", "here", "link", "links", "source",
                  "sources", "reference", "references", "more", "for", "details", "at", "in", "and", "a", "an",
                  "article", "post", "blog", "video", "paper", "answer", "watch", "good", "explanation", "notes"}


def is_link_only(markdown: str) -> bool:
    """True when an answer is links and nothing to grade against: once link texts, bare URLs and
    pointer words ("see", "here", "this article") are gone, fewer than 3 words are left."""
    if not links_of(markdown):
        return False
    text = re.sub(r"https?://\S+", " ", _LINK.sub(" ", markdown))
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text) if w.lower() not in _POINTER_WORDS]
    return len(words) < 3


#: A link text that names no content, only the link ("[here](...)", "[this](...)").
_BARE_ANCHOR = {"here", "this", "link", "source", "src", "ref", "this article", "this post", "this paper", "this video"}
_POINTER_VERB = re.compile(r"\b(see|check|read|refer|visit|watch|found|taken|adapted|from)\b", re.IGNORECASE)


def is_pointer(markdown: str) -> bool:
    """True when a paragraph or list item only sends the reader to a link: link-only text
    (:func:`is_link_only`), or a short sentence (at most 12 words) that points with a verb at a
    link named "here", "this" or "source" ("For a more detailed treatment please check
    [here](...)", "*from [here](...)*"). Such a line is no key point: a candidate cannot say it."""
    if is_link_only(markdown):
        return True
    anchors = [m.group(1).strip().lower() for m in _LINK.finditer(markdown)]
    text = plain(markdown)
    return (any(a in _BARE_ANCHOR for a in anchors) and len(text.split()) <= 12
            and bool(_POINTER_VERB.search(text)))
