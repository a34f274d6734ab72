"""Coverage, step 1: the interview questions, topics and categories of interview-prep documents.

Takes documents (plain text or Markdown, as interview-prep articles, question lists and chat
transcripts come); gives, from :func:`extract`, the interview *questions* a document asks, the
*topics* it lists and the *categories* it names (:class:`Item`, each with its file and line),
and the lines that are not interview content (a disclaimer, salary figures, preparation
advice, the prompts of a chat transcript) separately with the reason they were left out
(:class:`Ignored`). :func:`documents` finds the documents under the paths given. Matching
them against the bank is :mod:`interviewer.bank.coverage`.

What counts as what (the shapes of public interview-prep documents):

- a *question* is a list item (``-``, ``*``, ``•``, ``1.``, ``a)``...) or a Markdown heading
  that ends with "?" or starts with an interview instruction ("Explain", "Implement",
  "Tell me about", "Given a list..."). Free-standing prose lines ending in "?" are article
  headings or chat prompts ("Can you provide some example interview questions?"), not
  questions an interviewer asks;
- a *topic* is a short list item (at most :data:`MAX_TOPIC_WORDS` words, not a sentence),
  the label of a "Label: description" item, or an entry of a prose enumeration introduced
  by "Topics include", "topics like", "Discussions often cover", "questions about"...;
- a *category* is a heading (Markdown ``#``, a bold line, or a short line without a final
  full stop) that introduces listed questions or topics, or a descriptive paragraph. Words
  that only say "these are questions" ("Technical Questions", "Common ... Questions") are
  dropped from the name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..documents import expand_paths
from ..errors import DocumentError

ItemKind = Literal["question", "topic", "category"]
KINDS: tuple[ItemKind, ...] = ("question", "topic", "category")

#: A topic is a list item of at most this many words (longer items are sentences: advice).
MAX_TOPIC_WORDS = 10
#: A category is embedded with (at most) this many of the items listed under it.
CONTEXT_ITEMS = 5
#: A plain-text line of at most this many words, without a final full stop, is a heading.
MAX_HEADING_WORDS = 12

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")

# --------------------------------------------------------------------------- extraction

_MARKER = re.compile(
    r"^(?P<indent>\s*)(?P<marker>[-*+•◦▪‣●○■□–]|\d{1,3}[.)]|[a-zA-Z][.)]|\((?:\d{1,3}|[a-zA-Z])\))\s+(?P<text>\S.*)$"
)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*([-*_=])\s*(\1\s*){2,}$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LEADING_NUMBER = re.compile(r"^(\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]\s+")
#: Openings of an interview instruction that is a question without a question mark.
_ASKS = re.compile(
    r"^(explain|describe|compare|contrast|implement|write|code|design|build|given|tell (me|us)|walk (me|us)|"
    r"talk (me|us) through|discuss|define|derive|prove|show|list|name|outline|estimate|calculate|compute|"
    r"find|sketch|give an example|share an example|what|how|why|when|which|who|where|can you|could you|"
    r"would you|have you|do you|is it|are there|should)\b",
    re.IGNORECASE,
)
#: Words that only say "what follows are questions"; stripped from a heading that has "questions".
_QUESTION_WORDS = re.compile(
    r"\b(common(ly asked)?|frequently asked|typical|sample|example|essential|key|core|top|basic|"
    r"general|other|technical|interview|questions?|(&|and) answers?|q\s*&\s*a)\b",
    re.IGNORECASE,
)
#: Not interview content: the article, the job market, the role itself, or preparing for the interview.
_NOT_INTERVIEW = re.compile(
    r"\b(disclaimer|conclusion|introduction|salary|salaries|job potential|job market|career path (course|programs?)|"
    r"enrol+|resume|portfolios?|chatgpt|mock interviews?|interview (questions|prep\w*|process|landscape|strateg\w+|"
    r"series|topic categories|styles?)|(your|for) interview|prepar\w+ (for|approaches|strateg\w+|tips|timeline)|"
    r"preparing|how to prepare|ask questions|categories|what to expect)\b",
    re.IGNORECASE,
)
#: Headings about the job rather than what is asked ("Skills required by a Machine Learning
#: Engineer"), or advice to the reader ("Practice Coding Challenges", "Know Your Resume").
_ROLE_OR_ADVICE = re.compile(r"\b(machine learning|ml) engineers?\b|^(practice|know|remember|keep|get|stay)\b", re.IGNORECASE)
#: A plain line that opens like this is a sentence leading into a list, not a heading.
_LEAD_IN = re.compile(
    r"^(you|we|i|be|here|this|these|it|focus|consider|below|remember|keep|make|try|expect|discussing|"
    r"the following|in this|for example)\b",
    re.IGNORECASE,
)
#: Prose that introduces an enumeration of interview topics ("Topics include a, b, and c.").
_ENUMERATION = re.compile(
    r"\b(?:topics?|discussions?|questions?)\s+(?:(?:often|may|might|typically|frequently|also|usually|can)\s+){0,2}"
    r"(?:include|includes|like|cover|covers|about|explore|explores|focus on|focused on)\s+(?P<list>[^.]+)",
    re.IGNORECASE,
)
_NESTED_CUE = re.compile(r"\b(?:like|such as|including)\s+", re.IGNORECASE)
_ENTRY_OPENING = re.compile(r"^(?:and|or|the|a|an|including|focusing on|such as|like)\s+", re.IGNORECASE)
_TRAILING_CLAUSE = re.compile(r"\s+(?:where|that|which|while|so that)\s+.*$", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)


class Item(BaseModel):
    """One question, topic or category found in a document.

    ``text`` is what the document says (cleaned of Markdown); ``context`` is what is embedded
    for a topic or category (the text with its description, when the document gives one).
    """

    kind: ItemKind
    text: str
    context: str = ""
    source: str = Field(description="FILE:LINE where the item is.")
    section: str = Field(default="", description="The heading the item is under, if any.")
    children: list[str] = Field(default_factory=list, description="A category's listed questions and topics.")


class Ignored(BaseModel):
    """A line that looked like an item but is not interview content, and why."""

    text: str
    source: str
    reason: str


@dataclass
class _Line:
    no: int
    raw: str
    text: str  # cleaned text (no marker, no Markdown emphasis)
    kind: str  # "blank", "heading", "item", "para", "rule"
    level: int = 0  # heading level (1-6), or 7 for plain-text headings
    indent: int = 0
    label: str = ""  # "Label" of a "Label: description" item or heading
    description: str = ""


def _repair(text: str) -> str:
    """Undo the commonest mojibake (UTF-8 read as cp1252, e.g. "Whatâ€™s")."""
    if "â€" not in text and "Ã" not in text:
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text.replace("â€™", "’").replace("â€œ", "“").replace("â€", "”")


def clean(text: str) -> str:
    """Text without Markdown emphasis, links and extra spaces."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def _split_label(text: str) -> tuple[str, str]:
    """("Label", "description") of "Label: description"; ("", "") when there is no short label."""
    m = re.match(r"^([^:?]{1,90}):\s*(.*)$", text)
    if not m or len(m.group(1).split()) > 8:
        return "", ""
    return m.group(1).strip(), m.group(2).strip()


def _classify(lines: list[str]) -> list[_Line]:
    out: list[_Line] = []
    for no, raw in enumerate(lines, 1):
        raw = _repair(raw.rstrip("\n"))
        if not raw.strip():
            out.append(_Line(no, raw, "", "blank"))
            continue
        if _RULE.match(raw):
            out.append(_Line(no, raw, "", "rule"))
            continue
        md = _MD_HEADING.match(raw)
        if md:
            text = _LEADING_NUMBER.sub("", clean(md.group(2)))
            out.append(_Line(no, raw, text.rstrip(":"), "heading", level=len(md.group(1))))
            continue
        m = _MARKER.match(raw)
        if m:
            text = clean(m.group("text"))
            label, desc = _split_label(text)
            out.append(_Line(no, raw, text, "item", indent=len(m.group("indent").expandtabs(4)), label=label, description=desc))
            continue
        text = clean(raw)
        bold_only = bool(re.fullmatch(r"\s*(\*\*|__)[^*_]+(\*\*|__):?\s*", raw))
        words = len(text.split())
        sentence_inside = bool(re.search(r"[.!?]\s+\S", text))
        short = words <= MAX_HEADING_WORDS and not text.endswith((".", "!", ",", ";"))
        asks = text.endswith("?") and words <= 2 * MAX_HEADING_WORDS  # an article's question heading
        titled = text[:1].isupper() or text[:1].isdigit()
        if bold_only or (titled and not sentence_inside and not _LEAD_IN.match(text) and (short or asks)):
            out.append(_Line(no, raw, _LEADING_NUMBER.sub("", text).rstrip(":").strip(), "heading", level=7))
        else:
            out.append(_Line(no, raw, text, "para", indent=len(raw) - len(raw.lstrip())))
    return out


def is_question(text: str) -> bool:
    """True for an interview question: ends with "?" or opens with an instruction ("Explain ...")."""
    t = text.strip()
    if len(t.split()) < 3:
        return False
    return t.endswith("?") or bool(_ASKS.match(t)) and not t.endswith(":")


def category_name(heading: str) -> str:
    """A heading as a category name: without a subtitle after a colon, and, in a heading that
    says "Questions", without "Questions", "Common", "Technical" and the like."""
    name = heading.split(": ", 1)[0]
    if re.search(r"\bquestions?\b", name, re.IGNORECASE):
        name = _QUESTION_WORDS.sub(" ", name)
    name = re.sub(r"^[\s:&,-]+|[\s:&,-]+$", "", re.sub(r"\s+", " ", name))
    return name if len(name) >= 3 else ""


def enumeration(sentence: str) -> list[str]:
    """Entries of a prose enumeration ("Topics include a, b, and c." -> [a, b, c]); [] if none."""
    m = _ENUMERATION.search(sentence)
    if not m:
        return []
    parts = [p.strip() for p in re.split(r",\s*(?:(?:and|or)\s+)?|;\s*", m.group("list")) if p.strip()]
    # "Questions about X frequently appear, asking for variants like a, b, and c": the list is a, b, c.
    for i, part in enumerate(parts[:-1]):
        nested = list(_NESTED_CUE.finditer(part))
        if nested and i < len(parts) - 1:
            parts = [part[nested[-1].end():], *parts[i + 1:]]
            break
    if len(parts) < 2:  # "questions about X and Y" without commas: split the one "and"
        parts = [p.strip() for p in re.split(r"\s+(?:and|or)\s+", parts[0] if parts else "") if p.strip()]
    out = []
    for p in parts:
        p = _TRAILING_CLAUSE.sub("", _ENTRY_OPENING.sub("", p)).strip(" .")
        if 1 <= len(p.split()) <= 16:
            out.append(p)
    return out if len(out) >= 2 else []


def extract(path: Path, text: str | None = None) -> tuple[list[Item], list[Ignored]]:
    """The questions, topics and categories of one document, and the lines left out (with why).

    Args:
        path: the document (``.md``, ``.markdown`` or ``.txt``); its name goes into ``source``.
        text: its content, when already read.

    Raises:
        DocumentError: the file cannot be read as UTF-8 text.
    """
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{path}: cannot be read as UTF-8 text ({exc}); give a .md or .txt file.") from None
    front = _FRONT_MATTER.match(text)
    offset = text[: front.end()].count("\n") if front else 0
    lines = _classify(text[front.end():].splitlines() if front else text.splitlines())
    name = path.name
    items: list[Item] = []
    ignored: list[Ignored] = []

    def where(line: _Line) -> str:
        return f"{name}:{line.no + offset}"

    # Headings: which have content under them (items) or a description paragraph after them.
    heading_idx = [i for i, ln in enumerate(lines) if ln.kind == "heading"]
    section_of: dict[int, int] = {}
    current = -1
    for i, ln in enumerate(lines):
        if ln.kind == "heading":
            current = i
        section_of[i] = current

    counted: Counter[int] = Counter()  # heading index -> items counted under it
    listed: dict[int, list[str]] = {}  # heading index -> the texts of those items
    for i, ln in enumerate(lines):
        sec = section_of[i]
        section = lines[sec].text if sec >= 0 else ""
        if ln.kind == "item":
            item = _item(ln, lines[i + 1:], section, where(ln))
            if isinstance(item, Ignored):
                ignored.append(item)
            else:
                items.append(item)
                counted[sec] += 1
                listed.setdefault(sec, []).append(item.text)
        elif ln.kind == "para":
            if section and _NOT_INTERVIEW.search(section):
                continue  # prose about preparing or the job market: its lists are not interview topics
            for sentence in re.split(r"(?<=[.!?])\s+", ln.text):
                for entry in enumeration(sentence):
                    items.append(Item(kind="topic", text=entry, context=entry, source=where(ln), section=section))
                    counted[sec] += 1
                    listed.setdefault(sec, []).append(entry)

    for i in heading_idx:
        ln = lines[i]
        nxt = next((lines[j] for j in range(i + 1, len(lines)) if lines[j].kind not in ("blank", "rule")), None)
        described = nxt is not None and nxt.kind == "para" and len(nxt.text.split()) >= 12
        if not (counted[i] or described):
            continue  # a label with nothing under it (a country above salary lines, a title)
        if ln.text.endswith("?"):
            ignored.append(Ignored(text=ln.text, source=where(ln), reason="a heading of the article, not a question asked"))
            continue
        if _NOT_INTERVIEW.search(ln.text) or _ROLE_OR_ADVICE.search(ln.text):
            ignored.append(Ignored(text=ln.text, source=where(ln), reason="a heading about the job or preparing, not a subject"))
            continue
        name_ = category_name(ln.text)
        if not name_:
            ignored.append(Ignored(text=ln.text, source=where(ln), reason="names no subject (only 'questions')"))
            continue
        # Embedded with what it lists (or its description): a bare name like "Behavioral" says little.
        ctx = name_
        if listed.get(i):
            ctx = f"{name_}: " + "; ".join(listed[i][:CONTEXT_ITEMS])
        elif described and nxt is not None:
            first = re.split(r"(?<=[.!?])\s+", nxt.text)[0]
            if not re.search(r"\b(interview\w*|candidates?)\b", first, re.IGNORECASE):
                ctx = f"{name_}: {first}"
        items.append(Item(kind="category", text=name_, context=ctx, source=where(ln), children=listed.get(i, [])))
    items.sort(key=lambda it: int(it.source.rsplit(":", 1)[1]))
    return _dedupe(items), ignored


def _item(ln: _Line, following: list[_Line], section: str, source: str) -> Item | Ignored:
    """A list item as a question, a topic, or a line left out (with why)."""
    text = ln.text
    if is_question(text):
        if re.search(r"interview questions|chatgpt", text, re.IGNORECASE):
            return Ignored(text=text, source=source, reason="a request for questions, not a question")
        return Item(kind="question", text=text, source=source, section=section)
    if _NOT_INTERVIEW.search(ln.label or text):
        return Ignored(text=text, source=source, reason="not interview content (the job market, preparing, the article)")
    if ln.label:
        context = f"{ln.label}: {ln.description}" if ln.description else ln.label
        if not ln.description:
            children = []
            for nxt in following:
                if nxt.kind == "blank":
                    continue
                if nxt.kind != "item" or nxt.indent <= ln.indent:
                    break
                children.append(nxt.label or nxt.text)
            if children:  # "Programming Languages:" over "Python: ...", "R: ...": named with its children
                name = category_name(ln.label) or ln.label
                # "Behavioral Questions:" over advice is a group of questions: a category
                kind = "category" if re.search(r"\bquestions?\b", ln.label, re.IGNORECASE) else "topic"
                return Item(kind=kind, text=name, context=f"{name}: " + "; ".join(children[:CONTEXT_ITEMS]),
                            source=source, section=section)
        return Item(kind="topic", text=ln.label, context=context, source=source, section=section)
    if len(text.split()) <= MAX_TOPIC_WORDS and not text.endswith((".", "!")):
        return Item(kind="topic", text=text.rstrip(":"), context=text.rstrip(":"), source=source, section=section)
    return Ignored(text=text, source=source, reason="a sentence of advice, not a topic")


def _dedupe(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, str]] = set()
    out = []
    for it in items:
        key = (it.kind, it.text.lower())
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def documents(paths: Iterable[Path]) -> list[Path]:
    """The .md/.markdown/.txt files under the given paths (folders walked), absolute, sorted.

    Raises:
        DocumentError: a path does not exist, or none of them holds a document.
    """
    out = expand_paths(paths, DOCUMENT_SUFFIXES)
    if not out:
        raise DocumentError("No .md or .txt document found in the given paths.")
    return out
