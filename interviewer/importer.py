"""Bring your own bank: read a third-party question list and turn it into a named question bank.

Three steps, each a function:

1. *Read* (:func:`read_items`): Markdown in the shapes public interview-question collections
   use (questions as headings, as numbered or bulleted items, or as bold lines, each followed
   by its answer: paragraphs, lists, code blocks, tables; or no answer at all), parsed with
   markdown-it-py; CSV with a header row (comma, tab or semicolon; standard quoting); JSON or
   YAML in the bank's own format. Every entry that is not taken is listed with the reason.
2. *Build* (:func:`build_bank`): an answer becomes the reference answer (as written, code and
   tables included) and its main claims (its sentences and list items, fenced code aside,
   :func:`interviewer.scoring.derive_key_points`) the key points, with equal weights and a
   follow-up each; a question without an answer is practice-only. Topic, stage, levels and
   difficulty, when not given, are inferred (:class:`Inferrer`).
3. *Store*: :meth:`interviewer.ingest.Ingestor.add_bank` writes it all or nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BankImportError
from .models import (
    BANK_NAME_PATTERN,
    LEVEL_DIFFICULTY,
    LEVELS,
    STAGE_TITLES,
    STAGES,
    ImportedBank,
    ImportedQuestion,
    KeyPoint,
    Taxonomy,
)

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
CSV_SUFFIXES = (".csv", ".tsv")
BANK_SUFFIXES = (".yaml", ".yml", ".json")
#: An answer with fewer words than this cannot be graded against (key points of one or two
#: words match anything); its question is kept as practice-only.
MIN_ANSWER_WORDS = 4
#: A question needs at least this many words ("Why?" alone is not a question to ask).
MIN_QUESTION_WORDS = 3
#: Answers that only say there is no answer yet.
_NO_ANSWER = re.compile(r"^\W*(tbd|todo|to do|n/?a|none|coming soon|answer( here)?|\.\.\.|-+)\W*$", re.IGNORECASE)
#: "Q:", "Q1.", "Question 3:" in front of a question; "A:", "Answer:" in front of an answer.
_Q_PREFIX = re.compile(r"^\s*(?:Q|Question)\s*\d*\s*[:.)\-–]\s*", re.IGNORECASE)
_A_PREFIX = re.compile(r"^\s*(?:A|Ans|Answer)\s*\d*\s*[:.)\-–]\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*\d{1,3}\s*[.)]\s+")
#: An instruction an interviewer gives without a question mark ("Explain ...", "Implement ...").
_INSTRUCTION = re.compile(
    r"^(explain|describe|compare|contrast|implement|write|code|design|given|tell (me|us)|walk (me|us)|"
    r"talk (me|us) through|discuss|define|derive|list|name|outline|estimate|calculate|compute|find|sketch|"
    r"give an example|share an example|differentiate|distinguish|summari[sz]e)\b",
    re.IGNORECASE,
)


def asks(text: str) -> bool:
    """True when a line reads as an interview question: it ends with "?" or gives an instruction."""
    t = text.strip()
    return len(t.split()) >= 1 and (t.endswith("?") or bool(_INSTRUCTION.match(t)))


class Skipped(BaseModel):
    """An entry of the file that was not imported, where it is, and why."""

    item: str
    source: str
    reason: str


@dataclass
class RawItem:
    """One question as read from a file, before anything is inferred.

    ``answer`` is the answer as written (Markdown, code included); ``prose`` is its text
    without code blocks and tables, which key points are derived from.
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


#: A fenced code block (``` or ~~~, with or without an info string), to its closing fence or the end.
_FENCED_CODE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\1[`~]*[ \t]*$|\Z)", re.DOTALL | re.MULTILINE)


def strip_code(answer: str) -> str:
    """An answer's prose: the answer without its fenced code blocks (key points come from the
    prose; the reference answer keeps the code)."""
    return re.sub(r"\n{3,}", "\n\n", _FENCED_CODE.sub("", answer)).strip()


# --------------------------------------------------------------------------- reading


def read_items(path: Path) -> tuple[list[RawItem], list[Skipped]]:
    """The questions of a file and the entries skipped, by the file's type.

    Raises:
        BankImportError: the file is missing, unreadable, of an unsupported type, or (CSV,
            JSON, YAML) malformed; the message says what to fix.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise BankImportError(f"{path}: no such file. Give a .md, .csv, .json or .yaml question list.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BankImportError(f"{path}: is not UTF-8 text; re-save it as UTF-8 and import again.") from None
    except OSError as exc:
        raise BankImportError(f"{path}: cannot be read ({exc}).") from None
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown(text, path.name)
    if suffix in CSV_SUFFIXES:
        return parse_csv(text, path.name)
    if suffix in BANK_SUFFIXES:
        return parse_bank_file(text, path.name, json_format=suffix == ".json")
    raise BankImportError(
        f"{path}: unsupported file type {suffix!r}. Import Markdown (.md), CSV with a header row (.csv), "
        "or JSON/YAML in the bank's format (.json, .yaml)."
    )


# -- Markdown


@dataclass
class _Block:
    kind: str  # heading, para, code, table, html
    text: str  # inline Markdown as written (code: the fenced block)
    line: int
    level: int = 0  # heading level
    depth: int = 0  # list nesting (0: not in a list)
    list_id: int = 0  # which list (a new list after another ends gets a new id)
    ordered: bool = False  # in a numbered list
    item_start: bool = False  # the first paragraph of a list item
    bold: bool = False  # the paragraph opens with a bold run
    bold_text: str = ""  # that run's text
    rest: str = ""  # the paragraph after its bold run


def _blocks(text: str) -> list[_Block]:
    """The document as a flat list of blocks (markdown-it-py tokens, lists flattened with depth)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    out: list[_Block] = []
    depth = 0
    lists: list[tuple[int, bool]] = []  # (id, ordered) of the open lists, innermost last
    opened = 0
    item_start = False
    i = 0
    while i < len(tokens):
        t = tokens[i]
        line = (t.map[0] + 1) if t.map else 0
        if t.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            opened += 1
            lists.append((opened, t.type == "ordered_list_open"))
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            lists.pop()
        elif t.type == "list_item_open":
            item_start = True
        elif t.type == "heading_open":
            out.append(_Block("heading", tokens[i + 1].content, line, level=int(t.tag[1])))
            i += 2
        elif t.type == "paragraph_open":
            inline = tokens[i + 1]
            if _is_navigation(inline.content, in_list=bool(lists)):  # "**[⬆ Back to top](#contents)**": not text
                item_start = False
                i += 3
                continue
            children = [c for c in (inline.children or [])]
            while children and children[0].type == "text" and not children[0].content:
                children = children[1:]
            bold = bool(children) and children[0].type == "strong_open"
            bold_text, rest = "", ""
            if bold:
                close = next((j for j, c in enumerate(children) if c.type == "strong_close"), len(children))
                bold_text = _inline_text(children[1:close])  # a wrapped bold question keeps its line break
                rest = _drop_nav_links(_inline_text(children[close + 1:]))
            out.append(_Block("para", _drop_nav_links(inline.content), line, depth=depth,
                              list_id=lists[-1][0] if lists else 0,
                              ordered=bool(lists) and lists[-1][1], item_start=item_start, bold=bold,
                              bold_text=bold_text, rest=rest))
            item_start = False
            i += 2
        elif t.type in ("fence", "code_block"):
            fence = f"```{t.info.strip()}\n{t.content.rstrip()}\n```"
            out.append(_Block("code", fence, line, depth=depth))
            item_start = False
        elif t.type == "table_open":
            end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
            rows, row, align = [], [], []
            for tok in tokens[i:end]:
                if tok.type == "th_open" and not rows:  # the header row's alignment, for the separator row
                    style = str(tok.attrGet("style") or "")
                    align.append(":---:" if "center" in style else "---:" if "right" in style
                                 else ":---" if "left" in style else "---")
                elif tok.type == "inline":
                    row.append(tok.content)
                elif tok.type == "tr_close":
                    rows.append("| " + " | ".join(row) + " |")
                    if len(rows) == 1:  # the separator row: without it the table does not render
                        rows.append("| " + " | ".join(align or ["---"] * len(row)) + " |")
                    row = []
            out.append(_Block("table", "\n".join(rows), line, depth=depth))
            i = end
        elif t.type == "html_block":
            # <details><summary>Answer</summary> ... </details>: the tags go, any text stays.
            inner = re.sub(r"<summary>.*?</summary>", " ", t.content, flags=re.DOTALL | re.IGNORECASE)
            inner = re.sub(r"<[^>]+>", " ", inner).strip()
            if inner and not _is_navigation(inner, in_list=False):
                out.append(_Block("para", inner, line, depth=depth))
        i += 1
    return out


#: A link back to the top or to the contents ("**[⬆ Back to top](#table-of-contents)**"), with any
#: emphasis around it: navigation, not part of an answer.
_NAV_LINK = re.compile(
    r"(\*\*|__|\*|_)?\[[^\]\n]*?\b(?:back|return|go|jump|scroll)\s+(?:up\s+)?to\s+(?:the\s+)?"
    r"(?:top|contents|table of contents|toc|index)\b[^\]\n]*\]\([^)\n]*\)\1?"
    r"|(\*\*|__|\*|_)?\[\W*(?:top|toc|contents|table of contents)\W*\]\([^)\n]*\)\2?",
    re.IGNORECASE,
)
#: A link to an anchor in the same page ("[Deep learning](#deep-learning)").
_ANCHOR_LINK = re.compile(r"\[[^\]\n]*\]\(\s*#[^)\n]*\)")
_NAV_TEXT = re.compile(r"^\W*(?:(?:back|return|go|jump|scroll)\s+(?:up\s+)?to\s+(?:the\s+)?"
                       r"(?:top|contents|table of contents|toc|index)|top)\W*$", re.IGNORECASE)


def _drop_nav_links(markdown: str) -> str:
    """Inline Markdown without its back-to-top / contents links (what is left around them stays)."""
    return _NAV_LINK.sub("", markdown).strip() if _NAV_LINK.search(markdown) else markdown


def _is_navigation(markdown: str, in_list: bool) -> bool:
    """True when a paragraph is only navigation: nothing left once back-to-top links are gone,
    "Back to top" as plain text, or (outside lists, where a table of contents is reported as
    skipped) nothing but links to anchors in the page ("[Previous](#a) | [Next](#b)") that do
    not ask a question."""
    rest = _drop_nav_links(markdown)
    if (rest != markdown and not re.search(r"\w", rest)) or _NAV_TEXT.match(_plain(rest)):
        return True
    return (not in_list and bool(_ANCHOR_LINK.search(rest)) and not re.search(r"\w", _ANCHOR_LINK.sub("", rest))
            and not asks(_plain(rest)))  # "**[What is X?](#what-is-x)**" is a question, not navigation


def _inline_text(children: list) -> str:
    """Inline tokens back to text (soft breaks as newlines, code spans kept in backticks)."""
    parts = []
    for c in children:
        if c.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif c.type == "code_inline":
            parts.append(f"`{c.content}`")
        else:
            parts.append(c.content)
    return "".join(parts)


def _plain(markdown: str) -> str:
    """Inline Markdown as plain text: no emphasis markers, links as their text, one line."""
    from .coverage import clean

    return clean(markdown.replace("\n", " "))


def _question_of(block: _Block) -> tuple[str, str] | None:
    """(question, answer text in the same block) when a block asks a question, else None."""
    if block.kind == "heading":
        text = _NUMBER.sub("", _plain(block.text))
        prefixed = bool(_Q_PREFIX.match(text))
        text = _Q_PREFIX.sub("", text)
        return (text, "") if prefixed or asks(text) else None
    if block.kind != "para":
        return None
    first, after = _split_question(block.text)
    if block.bold:  # "**What is X?**" alone, or followed by its answer in the same paragraph
        q = _Q_PREFIX.sub("", _NUMBER.sub("", _plain(block.bold_text)))
        rest = block.rest.strip()
        if not q and rest:  # "**Q1:** What is X?"
            rest_first, rest_after = _split_question(rest)
            if asks(_plain(rest_first)):
                return _plain(rest_first), rest_after
        if q and (asks(q) or _Q_PREFIX.match(_plain(block.bold_text))):
            return q, rest
        return None
    if _Q_PREFIX.match(first):  # "Q: What is X?" (and "A: ..." on the next line)
        return _Q_PREFIX.sub("", _plain(first)), after
    if block.item_start and asks(_plain(first)):  # "1. What is X?" with any lazy continuation
        return _plain(first), after
    return None


#: A line that ends a sentence ("?", ".", "!" or ":", then at most closing quotes, brackets, emphasis).
_ENDS_SENTENCE = re.compile(r"[?.!:][\s\"'\u201d\u2019)*_]*$")
_ENDS_WITH_QUESTION_MARK = re.compile(r"\?[\s\"'\u201d\u2019)*_]*$")


def _split_question(text: str, max_lines: int = 4) -> tuple[str, str]:
    """(question, what follows it) of a paragraph whose question may be wrapped over lines.

    The question runs on to the next line while it has not ended a sentence and that line goes on
    with a lower-case word ("... between bagging / and boosting?") or ends the question with "?"
    ("... between / L1 and L2 regularization?"); the lines joined with a space. The rest is the
    answer written in the same paragraph ("What is dropout? / Dropout randomly zeroes ...").
    """
    lines = text.split("\n")
    n = 1
    while n < min(len(lines), max_lines):
        nxt = lines[n].strip()
        if (_ENDS_SENTENCE.search(lines[n - 1]) or not nxt or _A_PREFIX.match(nxt)
                or not (nxt[0].islower() or _ENDS_WITH_QUESTION_MARK.search(nxt))):
            break
        n += 1
    return " ".join(line.strip() for line in lines[:n]), "\n".join(lines[n:]).strip()


def parse_markdown(text: str, name: str) -> tuple[list[RawItem], list[Skipped]]:
    """Questions of a Markdown collection: headings, list items or bold lines that ask something,
    each with the blocks after it as its answer.

    An answer runs until the next question; a heading ends it unless it is a sub-heading of a
    question asked as a heading; for a question asked as a list item, the next item of its list
    (or of a new list of the same kind) ends it, while a list of the other kind right under
    it (bullets under a numbered question) is its answer. A list inside an answer (after a
    heading or bold question, or nested under a list question) is part of it even where its
    items end with "?" or start with "Compare", "List"...: list items are questions only where
    no answer is open (under a heading that is not a question, such as "## Questions").
    A question wrapped over lines is joined with a space (:func:`_split_question`); links back to
    the top or the contents are dropped.
    """
    blocks = _blocks(text)
    items: list[RawItem] = []
    skipped: list[Skipped] = []
    section: _Block | None = None
    section_text = section_asked = False
    intro = 0
    current: tuple[RawItem, _Block, list[_Block], str] | None = None  # item, its block, answer blocks, same-block answer

    def close() -> None:
        nonlocal current
        if current is not None:
            item, _, body, inline = current
            _attach_answer(item, inline, body)
            items.append(item)
            current = None

    def close_section() -> None:
        if section is not None and section_text and not section_asked:
            skipped.append(Skipped(item=_plain(section.text), source=f"{name}:{section.line}",
                                   reason="a heading that is not a question; the text under it was not imported"))

    for b in blocks:
        ends = current is None or _ends_answer(current[1], b)
        # a list item inside an answer is part of it, whatever it says ("- Who are the users?",
        # "- Compare ..."); list items are questions only where no answer is open
        asked = None if (not ends and b.item_start) else _question_of(b)
        if asked is not None:
            close()
            question, inline = asked
            current = (RawItem(question=question, source=f"{name}:{b.line}",
                               section=_NUMBER.sub("", _plain(section.text)) if section else ""), b, [], inline)
            section_asked = True
            continue
        if current is not None:
            if not ends:
                current[2].append(b)
                continue
            close()
        if b.kind == "heading":
            close_section()
            section, section_text, section_asked = b, False, False
        elif b.item_start and b.kind == "para":
            skipped.append(Skipped(item=_plain(b.text)[:120], source=f"{name}:{b.line}",
                                   reason="a list item that is not a question (no '?', no 'Explain/Describe/...')"))
        elif section is not None:
            section_text = True
        elif not items:
            intro += 1
    close()
    close_section()
    if intro:
        skipped.append(Skipped(item=f"{intro} block(s) of introduction", source=f"{name}:1",
                               reason="text before the first question or heading"))
    if not items:
        raise BankImportError(
            f"{name}: no questions found. Questions are headings, list items or bold lines that end with '?' "
            "or start with 'Explain', 'Describe', 'Implement'...; each followed by its answer (or by nothing)."
        )
    return items, skipped


def _ends_answer(question: _Block, b: _Block) -> bool:
    """True when block ``b`` ends the answer to the question asked in block ``question``.

    A heading ends it, unless it is a sub-heading of a question asked as a heading. For a question
    asked as a list item, the next item of its list (or of a list of the same kind that resumes it
    after an answer in a list of the other kind) ends it. Anything else (paragraphs, code, tables,
    lists after a heading or bold question, nested lists) belongs to the answer.
    """
    if b.kind == "heading":
        return not (question.kind == "heading" and b.level > question.level)
    return (b.item_start and question.item_start and b.depth <= question.depth
            and (b.list_id == question.list_id or b.ordered == question.ordered))


def _attach_answer(item: RawItem, inline: str, body: list[_Block]) -> None:
    """Set the answer (Markdown) and its prose from the text in the question's block and after it."""
    chunks: list[tuple[bool, str]] = []  # (is a list item, Markdown)
    prose: list[str] = []
    base = min((b.depth for b in body if b.item_start), default=0)
    if inline:
        inline = _A_PREFIX.sub("", inline)
        chunks.append((False, inline))
        prose.append(_plain(inline))
    for b in body:
        if b.kind in ("code", "table"):
            chunks.append((False, b.text))
            continue
        text = b.text if chunks else _A_PREFIX.sub("", b.text)
        if b.kind == "heading":
            chunks.append((False, f"**{_plain(text)}**"))
        elif b.item_start:
            chunks.append((True, "  " * max(0, b.depth - base) + f"- {text}"))
            prose.append("- " + _plain(text))
        else:
            chunks.append((False, text))
            prose.append(_plain(text))
    answer = ""
    for i, (is_item, md) in enumerate(chunks):
        if not md.strip():
            continue
        sep = "\n" if is_item and i and chunks[i - 1][0] else "\n\n"
        answer = f"{answer}{sep}{md}" if answer else md
    item.answer = answer.strip() or None
    item.prose = "\n".join(p for p in prose if p.strip())


# -- CSV

_COLUMNS = {
    "question": ("question", "questions", "q"),
    "answer": ("answer", "answers", "a", "reference", "reference_answer", "solution"),
    "topic": ("topic", "topics", "category", "tag", "subject"),
    "level": ("level", "levels", "seniority"),
    "stage": ("stage", "round", "section"),
    "difficulty": ("difficulty",),
    "id": ("id",),
}


#: The delimiters a CSV may use, the first preferred on a tie.
CSV_DELIMITERS = (",", "\t", ";")
#: Why a row with the wrong number of fields is skipped (and how to fix it).
_FIELD_COUNT_FIX = ("a field that holds the delimiter, a quote or a line break must be in double quotes, "
                    'with each quote inside it doubled ("")')


def csv_delimiter(text: str) -> str:
    """The delimiter of a CSV: of comma, tab and semicolon, the one that splits its header row into
    the most fields (comma on a tie or a one-column header).

    Only the delimiter is guessed. Quoting is always the standard one (RFC 4180: quoted fields,
    quotes inside doubled), since :class:`csv.Sniffer` also guesses ``doublequote`` and gets it
    wrong for ordinary files whose quoted fields hold both ``""`` and commas.
    """
    best, most = ",", 0
    for d in CSV_DELIMITERS:
        fields = len(next(csv.reader(io.StringIO(text), delimiter=d), []))
        if fields > most:
            best, most = d, fields
    return best


def parse_csv(text: str, name: str) -> tuple[list[RawItem], list[Skipped]]:
    """Rows of a CSV (or TSV, or ';'-separated) with a header: ``question`` (required), ``answer``,
    ``topic``, ``level``, ``stage``, ``difficulty``, ``id`` (any case; a few synonyms such as
    ``q``/``a``). Fields are quoted the standard way (RFC 4180, as Excel and Python's ``csv``
    write them); a row whose number of fields differs from the header's is skipped, with its
    row number (the header is row 1), since its values cannot be told apart."""
    reader = csv.reader(io.StringIO(text), delimiter=csv_delimiter(text), quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise BankImportError(f"{name}: the file is empty. Give a CSV whose first row names its columns, "
                              "e.g. question,answer,topic,level,stage.") from None
    while header and not header[-1].strip():  # "question,answer," : a trailing empty column
        header = header[:-1]
    names = [h.strip().lower().replace(" ", "_") for h in header]
    where: dict[str, int] = {}
    for key, synonyms in _COLUMNS.items():
        for i, h in enumerate(names):
            if h in synonyms and key not in where:
                where[key] = i
    if "question" not in where:
        raise BankImportError(
            f"{name}: no 'question' column in the header ({', '.join(header) or 'empty'}). The first row must name "
            "the columns: question (required), answer, topic, level, stage."
        )
    known = set(where.values())
    ignored_cols = [header[i] for i in range(len(header)) if i not in known and header[i].strip()]
    items: list[RawItem] = []
    skipped: list[Skipped] = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        source = f"{name} row {n}"
        while len(row) > len(header) and not row[-1].strip():  # trailing empty fields hold nothing
            row = row[:-1]
        if len(row) != len(header):
            skipped.append(Skipped(
                item=", ".join(c.strip() for c in row if c.strip())[:120], source=source,
                reason=f"{len(row)} field(s) where the header has {len(header)}: {_FIELD_COUNT_FIX}"))
            continue
        get = lambda key: row[where[key]].strip() if key in where else ""  # noqa: E731
        question = get("question")
        if not question:
            skipped.append(Skipped(item=", ".join(c for c in row if c.strip())[:120], source=source, reason="no question in this row"))
            continue
        item = RawItem(question=" ".join(question.split()), source=source, id=get("id") or None)
        answer = get("answer")
        item.answer = answer or None
        item.prose = strip_code(answer)
        item.topic = get("topic") or None
        try:
            item.levels = parse_levels(get("level")) if get("level") else None
            item.stage = parse_stage(get("stage")) if get("stage") else None
            item.difficulty = parse_difficulty(get("difficulty")) if get("difficulty") else None
        except ValueError as exc:
            skipped.append(Skipped(item=question[:120], source=source, reason=str(exc)))
            continue
        items.append(item)
    if ignored_cols:
        for it in items[:1]:
            it.notes.append(f"columns not used: {', '.join(ignored_cols)}")
    if not items:
        raise BankImportError(f"{name}: no row has a question. Fill the 'question' column, one question per row.")
    return items, skipped


def parse_levels(value: str) -> list[str]:
    """"mid", "junior/mid", "Junior, Senior", "all" -> levels in order. Raises ValueError naming the valid ones."""
    parts = [p.strip().lower() for p in re.split(r"[,;/|+ ]+", value) if p.strip()]
    if parts == ["all"] or parts == ["any"]:
        return list(LEVELS)
    aliases = {"entry": "junior", "intermediate": "mid", "middle": "mid", "principal": None, "lead": "staff"}
    out = []
    for p in parts:
        lv = p if p in LEVELS else aliases.get(p)
        if lv is None:
            raise ValueError(f"level {p!r} is not one of {', '.join(LEVELS)} (or 'all')")
        out.append(lv)
    return [lv for lv in LEVELS if lv in out]


def parse_stage(value: str) -> str:
    """A stage id or title ("ml_system_design", "ML system design", "system design"). Raises ValueError."""
    v = value.strip().lower()
    key = re.sub(r"[\s-]+", "_", v)
    if key in STAGES:
        return key
    for stage, title in STAGE_TITLES.items():
        if v == title.lower():
            return stage
    aliases = {"system_design": "ml_system_design", "design": "ml_system_design", "fundamentals": "ml_fundamentals",
               "machine_learning": "ml_fundamentals", "ml": "ml_fundamentals", "dl": "deep_learning",
               "algorithms": "coding", "coding_and_algorithms": "coding", "behavioural": "behavioral",
               "leadership": "behavioral", "production": "mlops", "mlops_and_production": "mlops"}
    if key in aliases:
        return aliases[key]
    raise ValueError(f"stage {value!r} is not one of {', '.join(STAGES)}")


def parse_difficulty(value: str) -> int:
    """An integer 1-5. Raises ValueError."""
    try:
        d = int(float(value))
    except ValueError:
        raise ValueError(f"difficulty {value!r} is not a number from 1 to 5") from None
    if not 1 <= d <= 5:
        raise ValueError(f"difficulty {d} is not from 1 to 5")
    return d


# -- JSON / YAML in the bank's format


class BankEntry(BaseModel):
    """One question of a JSON/YAML file in the bank's format: only ``text`` is required; what is
    missing is derived (key points from the answer) or inferred (topic, stage, levels, difficulty)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = None
    text: str = Field(min_length=1)
    category: str | None = None
    topic: str | None = None
    stage: str | None = None
    levels: list[str] | None = None
    difficulty: int | None = Field(default=None, ge=1, le=5)
    reference_answer: str | None = None
    key_points: list[KeyPoint] | None = None


class BankEntries(BaseModel):
    """The top of a JSON/YAML bank file: ``questions: [...]``."""

    model_config = ConfigDict(extra="forbid")

    questions: list[BankEntry] = Field(min_length=1)


def parse_bank_file(text: str, name: str, json_format: bool = False) -> tuple[list[RawItem], list[Skipped]]:
    """Entries of a JSON or YAML file shaped like a bank file (``questions: [...]``).

    Unlike Markdown and CSV, a malformed entry fails the whole import: these files are meant
    to be exact, and a misspelt field must not silently drop an answer.

    Raises:
        BankImportError: not valid JSON/YAML, or an entry does not validate (every problem listed).
    """
    import yaml

    try:
        data = json.loads(text) if json_format else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise BankImportError(f"{name}: not valid {'JSON' if json_format else 'YAML'} ({exc}).") from None
    try:
        entries = BankEntries.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BankImportError(
            f"{name}: does not match the bank format (questions: [{{text, reference_answer, topic, ...}}]):\n{problems}\n"
            "Fix the fields named above and import again; nothing was imported."
        ) from None
    items, problems_ = [], []
    for i, e in enumerate(entries.questions):
        source = f"{name} question {i + 1}"
        item = RawItem(question=e.text, source=source, answer=e.reference_answer or None,
                       prose=strip_code(e.reference_answer or ""),
                       topic=e.topic, id=e.id, category=e.category, difficulty=e.difficulty, key_points=e.key_points)
        try:
            item.levels = parse_levels(",".join(e.levels)) if e.levels else None
            item.stage = parse_stage(e.stage) if e.stage else None
        except ValueError as exc:
            problems_.append(f"  - questions.{i}: {exc}")
        items.append(item)
    if problems_:
        raise BankImportError(f"{name}: has invalid values:\n" + "\n".join(problems_) + "\nNothing was imported.")
    return items, []


# --------------------------------------------------------------------------- building


@dataclass
class Neighbours:
    """The built-in bank's questions as the inferrer sees them: unit vectors (N, dim), and per
    question its topic, stage, levels and difficulty."""

    vectors: np.ndarray
    topics: list[str]
    stages: list[str]
    levels: list[list[str]]
    difficulties: list[int]


#: Wording that asks for code: an instruction to write or implement something ("Write a function
#: that ...", "Implement k-means ...", "Code a ..."), "write/implement a function/class/...",
#: "How would you implement/code ...", or a ban on libraries ("... without scikit-learn").
CODING_WORDING = re.compile(
    r"^(?:write|implement|code)\b"
    r"|\b(?:write|code|implement)\s+(?:a|an|the|some|your own)?\s*"
    r"(?:function|program|class|method|script|query|snippet|code)\b"
    r"|\bhow (?:would|do|could|can) you (?:implement|code)\b"
    r"|\bwithout (?:using )?(?:scikit-learn|sklearn|numpy|pandas|pytorch|torch|any librar(?:y|ies)|a library"
    r"|libraries|built-ins?)\b"
    r"|\bfrom scratch\b|\bpseudo-?code\b",
    re.IGNORECASE,
)


class Inferrer:
    """Infers topic, stage, levels and difficulty of a question from the built-in taxonomy and bank.

    - topic: the taxonomy topic with the best mean of (a) the cosine between the question and
      the topic's "name: description" and (b) the mean cosine of the question's
      :data:`K` closest built-in questions on that topic (topics the bank lacks count (a) only);
    - stage: a vote of the :data:`K_STAGE` built-in questions closest to the question, on any
      topic (a stage is how a question is asked, not only what it is about: a coding exercise on
      ROC AUC is coding, not evaluation metrics), each weighted by its cosine; wording that asks
      for code (:data:`CODING_WORDING`) adds a vote for coding worth :data:`CODING_VOTE` of the
      neighbours' total weight, so it tips a close call but does not overrule a clear one
      ("Implement self-attention in PyTorch" stays deep learning when its neighbours say so);
    - levels, difficulty: from the :data:`K` built-in questions on the inferred topic closest to
      the question, each weighted by its cosine: the levels with at least half the heaviest
      level's weight; the weighted mean difficulty, rounded, within those levels.

    Args:
        embedder: unit-length sentence embeddings.
        taxonomy: the fixed taxonomy.
        neighbours: the built-in questions (from the knowledge base).
    """

    K = 5
    K_STAGE = 7
    CODING_VOTE = 0.5

    def __init__(self, embedder, taxonomy: Taxonomy, neighbours: Neighbours):
        self.embedder = embedder
        self.taxonomy = taxonomy
        self.nb = neighbours
        self.topic_ids = [t.id for t in taxonomy.topics]
        self.topic_vecs = embedder.encode([f"{t.name}: {t.description}" if t.description else t.name for t in taxonomy.topics])
        self._by_topic = {t: np.array([i for i, x in enumerate(neighbours.topics) if x == t], dtype=int) for t in self.topic_ids}

    def topic(self, vec: np.ndarray) -> str:
        label = self.topic_vecs @ vec
        sims = self.nb.vectors @ vec if len(self.nb.topics) else np.zeros(0)
        scores = []
        for t, lab in zip(self.topic_ids, label):
            idx = self._by_topic[t]
            if len(idx):
                top = np.sort(sims[idx])[-self.K:]
                scores.append((lab + float(top.mean())) / 2)
            else:
                scores.append(float(lab))
        return self.topic_ids[int(np.argmax(scores))]

    def stage(self, vec: np.ndarray, text: str = "") -> str:
        """The stage of a question (its vector; ``text``, the question as written, for its wording)."""
        weights: Counter[str] = Counter()
        if len(self.nb.stages):
            sims = self.nb.vectors @ vec
            for i in np.argsort(-sims)[: self.K_STAGE]:
                weights[self.nb.stages[i]] += max(float(sims[i]), 0.01)
        if text and CODING_WORDING.search(text.strip()):
            weights["coding"] += self.CODING_VOTE * (sum(weights.values()) or 1.0)
        if not weights:
            return "ml_fundamentals"
        # ties go to the stage that comes first in an interview (max keeps the first maximum)
        return max(sorted(weights, key=STAGES.index), key=lambda st: weights[st])

    def stage_levels_difficulty(self, vec: np.ndarray, topic: str, text: str = "") -> tuple[str, list[str], int]:
        """(stage, levels, difficulty) of a question on ``topic`` (see the class)."""
        stage = self.stage(vec, text)
        idx = self._by_topic.get(topic, np.zeros(0, dtype=int))
        if not len(idx):
            idx = np.arange(len(self.nb.topics))
        if not len(idx):
            return stage, ["mid"], 3
        sims = self.nb.vectors[idx] @ vec
        order = np.argsort(-sims)[: self.K]
        weights = np.clip(sims[order], 0.01, None)
        near = idx[order]
        level_w: Counter[str] = Counter()
        for i, w in zip(near, weights):
            for lv in self.nb.levels[i]:
                level_w[lv] += float(w)
        top = max(level_w.values())
        levels = [lv for lv in LEVELS if level_w.get(lv, 0) >= top / 2]
        diff = int(round(float(np.average([self.nb.difficulties[i] for i in near], weights=weights))))
        lo = min(LEVEL_DIFFICULTY[lv][0] for lv in levels)
        hi = max(LEVEL_DIFFICULTY[lv][1] for lv in levels)
        return stage, levels, min(hi, max(lo, diff))


def derive_rubric(prose: str, answer: str) -> list[KeyPoint]:
    """Key points of an imported answer: its main claims (sentences and list items, code aside),
    equal weights summing to 1, each with a follow-up that asks for more on it.

    Uses :func:`interviewer.scoring.derive_key_points`; a code-only answer is one key point,
    its code. Returns [] when nothing of 8 characters or more is left.
    """
    from .scoring import derive_key_points

    claims = [c.strip() for c in derive_key_points(prose)] if prose.strip() else []
    merged: list[str] = []
    for c in claims:  # a fragment too short to stand alone joins the claim before it
        if len(c) < 8 and merged:
            merged[-1] = f"{merged[-1]} {c}"
        elif c:
            merged.append(c)
    merged = [c for c in merged if len(c) >= 8]
    if not merged:
        code = re.sub(r"```\w*\n?|```", "", answer).strip()
        merged = [code] if len(code) >= 8 else []
    if not merged:
        return []
    n = len(merged)
    weights = [round(1 / n, 4)] * n
    weights[-1] = round(1 - sum(weights[:-1]), 4)
    return [KeyPoint(text=c, weight=w, follow_up=follow_up_for(c)) for c, w in zip(merged, weights)]


def follow_up_for(point: str) -> str:
    """A follow-up that asks for more on a key point by its first few words (not the whole claim:
    that would give the answer away; the leak check counts 6 words of a missed point)."""
    words = point.lstrip("-*• ").split()
    lead = " ".join(words[:4] if len(words) > 6 else words[:2]).rstrip(".,;:!?")
    return f'Can you say more about "{lead} ..."?'


def slug(text: str, n_words: int = 7, max_len: int = 60) -> str:
    """A lower-case id from text: words joined by "-", at most ``n_words`` words and ``max_len`` characters."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:n_words]
    s = "-".join(words)[:max_len].strip("-")
    return s if len(s) >= 3 else f"q-{s}".strip("-").ljust(3, "0")


def bank_name_for(path: Path) -> str:
    """A bank name from a file name ("ML Questions (2024).md" -> "ml-questions-2024")."""
    name = slug(path.stem, n_words=6, max_len=40)
    return "imported" if name == "builtin" else name


def resolve_topic(value: str, taxonomy: Taxonomy) -> str | None:
    """A taxonomy topic id from a topic id or name as written (any case); None if it is neither."""
    v = value.strip().lower()
    key = re.sub(r"[\s-]+", "_", v)
    for t in taxonomy.topics:
        if key == t.id or v == t.name.lower():
            return t.id
    return None


class ImportResult(BaseModel):
    """What an import took and skipped, for the terminal and ``--json``."""

    bank: str
    file: str
    imported: int
    with_answer: int
    practice_only: int
    skipped: list[Skipped]
    inferred: dict[str, int] = Field(description="How many questions had each field inferred rather than given.")
    notes: list[str] = Field(default_factory=list, description="Values given but not usable, and what was done instead.")
    by_stage: dict[str, int]
    replaced: bool = Field(description="A bank of this name existed and was replaced.")
    records: dict[str, int] = Field(default_factory=dict)


def build_bank(
    items: list[RawItem], name: str, source: str, inferrer: Inferrer, imported_at
) -> tuple[ImportedBank, list[Skipped], dict[str, int], list[str]]:
    """The bank from the read items: duplicates skipped, rubrics derived, missing fields inferred.

    Returns:
        (bank, skipped items, inferred-field counts, notes).

    Raises:
        BankImportError: no question is left, or a question does not validate.
    """
    taxonomy = inferrer.taxonomy
    skipped: list[Skipped] = []
    notes: list[str] = []
    kept: list[RawItem] = []
    seen: dict[str, str] = {}
    for it in items:
        key = " ".join(re.findall(r"[a-z0-9]+", it.question.lower()))
        if len(it.question.split()) < MIN_QUESTION_WORDS:
            skipped.append(Skipped(item=it.question, source=it.source, reason=f"fewer than {MIN_QUESTION_WORDS} words"))
            continue
        if key in seen:
            skipped.append(Skipped(item=it.question[:120], source=it.source, reason=f"the same question as {seen[key]}"))
            continue
        seen[key] = it.source
        kept.append(it)
        notes += [f"{it.source}: {n}" for n in it.notes]
    if not kept:
        raise BankImportError(f"{source}: no question left to import (every entry was skipped; see the reasons above).")

    vecs = inferrer.embedder.encode([f"{it.section}: {it.question}" if it.section else it.question for it in kept])
    inferred: Counter[str] = Counter()
    questions: list[ImportedQuestion] = []
    ids: set[str] = set()
    problems: list[str] = []
    for it, v in zip(kept, vecs):
        fields: list[str] = []
        topic = resolve_topic(it.topic, taxonomy) if it.topic else None
        if it.topic and topic is None:
            notes.append(f"{it.source}: topic {it.topic!r} is not in the taxonomy; inferred instead")
        if topic is None:
            topic, fields = inferrer.topic(v), fields + ["topic"]
        stage, levels, difficulty = inferrer.stage_levels_difficulty(v, topic, it.question)
        if it.stage:
            stage = it.stage
        else:
            fields.append("stage")
        if it.levels:
            levels = it.levels
        else:
            fields.append("levels")
        if it.difficulty:
            difficulty = it.difficulty
        else:
            fields.append("difficulty")
        answer, rubric = it.answer, list(it.key_points or [])
        if answer is not None and (_NO_ANSWER.match(answer) or not answer.strip()):
            answer = None
        if answer is not None and not rubric:
            words = len((it.prose or answer).split())
            rubric = derive_rubric(it.prose, answer) if words >= MIN_ANSWER_WORDS or "```" in answer else []
            if not rubric:
                notes.append(f"{it.source}: the answer is too short to grade against ({words} word(s)); "
                             "kept as practice-only")
                answer = None
        qid = _unique(slug(it.id) if it.id else slug(it.question), ids)
        topic_obj = taxonomy.topic(topic)
        try:
            questions.append(ImportedQuestion(
                id=qid, text=it.question, category=topic_obj.category if topic_obj else (it.category or ""),
                topic=topic, stage=stage, levels=levels, difficulty=difficulty, reference_answer=answer,
                key_points=rubric if answer is not None else [], inferred=fields, source=it.source,
            ))
        except ValidationError as exc:
            problems += [f"{it.source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            continue
        inferred.update(fields)
    if problems:
        raise BankImportError("Some questions do not validate:\n" + "\n".join(f"  - {p}" for p in problems)
                              + "\nFix them in the file and import again; nothing was imported.")
    bank = ImportedBank(name=name, source=source, imported_at=imported_at, questions=questions)
    return bank, skipped, dict(inferred), notes


def _unique(base: str, taken: set[str]) -> str:
    qid, n = base, 2
    while qid in taken:
        qid = f"{base}-{n}"
        n += 1
    taken.add(qid)
    return qid


def check_bank_name(name: str) -> str:
    """A valid bank name, or BankImportError saying what a name may contain."""
    if not re.match(BANK_NAME_PATTERN, name) or name == "builtin":
        raise BankImportError(
            f"Bank name {name!r} cannot be used: use 1-40 lower-case letters, digits, '-' or '_' "
            "(not 'builtin'), e.g. --name my-questions."
        )
    return name


# --------------------------------------------------------------------------- the whole import


def neighbours_from(kb) -> Neighbours:
    """The built-in bank's questions, with their stored embeddings, from a knowledge base."""
    import json as _json

    from .config import BUILTIN_BANK

    got = kb.questions.get(where={"bank": BUILTIN_BANK}, include=["metadatas", "embeddings"])
    metas = got["metadatas"]
    return Neighbours(
        vectors=np.asarray(got["embeddings"], dtype=np.float32).reshape(len(metas), -1),
        topics=[str(m["topic"]) for m in metas],
        stages=[str(m["stage"]) for m in metas],
        levels=[_json.loads(m["levels"]) for m in metas],
        difficulties=[int(m["difficulty"]) for m in metas],
    )


def import_bank(path: Path, name: str | None, *, inferrer: Inferrer, store, existing: list[str], now) -> ImportResult:
    """Read ``path``, build the bank and hand it to ``store`` (which writes it all or nothing).

    Args:
        path: the question list (.md, .csv, .json, .yaml).
        name: the bank's name; None derives one from the file name.
        inferrer: fills in topic, stage, levels and difficulty.
        store: ``ImportedBank -> {collection: records}``, e.g. ``Ingestor.add_bank``.
        existing: names of the banks already stored (to say whether this one replaces one).
        now: the import time (a datetime).

    Raises:
        BankImportError: the file cannot be read or has no question; nothing is written.
        BankError: the built bank does not validate against the taxonomy; nothing is written.
    """
    name = check_bank_name(name or bank_name_for(path))
    items, skipped = read_items(path)
    bank, more_skipped, inferred, notes = build_bank(items, name, path.name, inferrer, now)
    records = store(bank)
    with_answer = sum(1 for q in bank.questions if not q.practice_only)
    return ImportResult(
        bank=name,
        file=str(path),
        imported=len(bank.questions),
        with_answer=with_answer,
        practice_only=len(bank.questions) - with_answer,
        skipped=skipped + more_skipped,
        inferred=inferred,
        notes=notes,
        by_stage=dict(Counter(q.stage for q in bank.questions)),
        replaced=name in existing,
        records=records,
    )
