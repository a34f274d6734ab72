"""Questions of a Markdown collection, found in its tree of sections and blocks.

:func:`parse_markdown` walks :func:`~.markdown_tree.parse_tree`'s tree. A question is a
heading, a bold line or bold lead-in, a list item, a "Q:"/"Question N:" label, a
``<details><summary>`` block, or a one-line paragraph ending in "?"; its answer is what follows
up to the next question at the same or a higher level (a heading question's answer is its
whole section, sub-headings included). A heading that is not a question is a *category*: the
topic hint of the questions under it. Where a file numbers its questions, every member of
the series is a question even when it does not ask ("14. Expected value"); a section of
explanations under a topic title, among siblings that are the same, is a *topic* question
("### Linear regression" -> "Explain linear regression."). Items of a list under a question
that ask with "?" and have answers of their own are *sub-questions*, each its own question
with its parent as context. Tables of contents, link lists, contributing and licence sections
and placeholders are skipped with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import BankImportError
from .items import A_LABEL, NO_ANSWER, Q_LABEL, SUB_MARKER, RawItem, Skipped, as_question, asks, clean_question, is_link_only, links_of, plain
from .markdown_tree import Node, is_answer_label, parse_tree, prose, render

#: Section titles that are never questions or categories of questions.
NOISE_TITLE = re.compile(
    r"^(table of contents|contents|index|toc|contributing|contribute|contributors|how to contribute|"
    r"licen[cs]e|acknowledg(e)?ments?|credits|support( me| us)?|sponsors?|star history|stargazers|contact( me)?|"
    r"about( me| us| this repo(sitory)?)?|disclaimer|changelog|installation|usage|references?|resources|"
    r"further reading|useful links|links|related|see also|authors?|citation|cite|todo|community|"
    r"introduction|intro|overview|preface|motivation)$",
    re.IGNORECASE,
)
#: The title of a collection, not a topic ("Data Science Interview Questions", "FAQ on ML").
COLLECTION_TITLE = re.compile(r"\b(questions|faqs?|interviews?|cheat ?sheets?|answers|q ?& ?a)\b", re.IGNORECASE)
#: Topic titles become questions only in a file with at least this many of them.
MIN_TOPICS = 3
#: A title too long to be a topic ("Notes from my 2019 interviews at three companies ...").
MAX_TOPIC_WORDS = 12
#: A sub-question of fewer words than this, or one that refers back ("its", "this"), is asked
#: with its parent in front of it.
SHORT_SUB_QUESTION = 8
_REFERS_BACK = re.compile(r"\b(it|its|this|that|they|them|their|these|those|such)\b", re.IGNORECASE)
_OPTION = re.compile(r"^\s*\[( |x|X)\]\s+")
_LETTERED = re.compile(r"^\s*\(?([A-Ha-h])[.)]\s+")
_CORRECT = re.compile(r"(?:correct (?:answer|option|choice) is|answer\s*[:=-])\s*\(?([A-Ha-h])\b\)?", re.IGNORECASE)


@dataclass
class _Open:
    """A question whose answer is being collected."""

    item: RawItem
    line: int
    shape: str  # heading, bold, label, plain, item, details, topic
    inline: str = ""
    body: list[Node] = field(default_factory=list)
    ordered: bool = False
    parent: _Open | None = None  # the question this one is a sub-question of
    has_subs: bool = False


class _Reader:
    def __init__(self, name: str):
        self.name = name
        self.items: list[RawItem] = []
        self.skipped: list[Skipped] = []
        self.intro = 0
        self.topics: list[_Open] = []  # topic titles, questions when the file has MIN_TOPICS of them

    def close_topics(self) -> None:
        """Topic titles become questions when the file has at least MIN_TOPICS of them (a set of
        explanations); one or two explained headings in a file are notes, not questions."""
        for open_ in self.topics:
            if len(self.topics) >= MIN_TOPICS:
                self.close(open_)
            else:
                self.skip(open_.item.asked_as or open_.item.question, open_.item.source,
                          "a heading that is not a question; the text under it was not imported")

    # -- containers

    def container(self, nodes: list[Node], category: str, top: bool = False) -> tuple[int, list[Node]]:
        """Find the questions in ``nodes``; returns (how many, the blocks no question took)."""
        before = len(self.items) + len(self.topics)
        loose: list[Node] = []
        self.close(self.walk(nodes, category, None, loose))
        if top:
            self.intro += len(loose)
        return len(self.items) + len(self.topics) - before, loose

    def walk(self, nodes: list[Node], category: str, open_: _Open | None, loose: list[Node]) -> _Open | None:
        """Walk ``nodes`` with ``open_`` the question whose answer is being collected (None: none);
        returns the question still open at the end (blocks after them may go on answering it)."""
        sections = [n for n in nodes if n.kind == "section"]
        bold_series = sum(1 for n in nodes if n.kind == "para" and n.bold and clean_question(n.bold)[2]) >= 2
        next_number: int | None = None  # the number a list continuing a numbered question list starts at
        for n in nodes:
            if n.kind == "section":
                open_ = self.close(open_)
                self.section(n, sections, category)
            elif n.kind == "details":
                if is_answer_label(n.text) or not plain(n.text):
                    if open_ is not None:
                        open_.body.append(n)
                    else:
                        self.close(self.walk(n.children, category, None, loose))
                else:
                    open_ = self.close(open_)
                    text, difficulty, _ = clean_question(n.text)
                    self.close(self.open(text, n.line, category, "details", difficulty, body=list(n.children)))
            elif n.kind == "list":
                open_, next_number = self.list(n, open_, category, next_number, loose)
            elif n.kind == "para" and (asked := self.para_question(n, bold_series, open_)) is not None:
                text, difficulty, inline, shape, topic = asked
                if shape == "sub":
                    open_ = self.start_sub(open_, text, n.line, category, difficulty, inline, [])
                else:
                    open_ = self.close(open_)
                    open_ = self.open(text, n.line, category, shape, difficulty, inline=inline, topic=topic)
            elif open_ is not None:
                open_.body.append(n)
            else:
                loose.append(n)
        return open_

    def section(self, sec: Node, siblings: list[Node], category: str) -> None:
        title, difficulty, numbered = clean_question(sec.text)
        source = f"{self.name}:{sec.line}"
        subsections = [c for c in sec.children if c.kind == "section"]
        if not NOISE_TITLE.match(title):
            asked_subs = sum(1 for c in subsections if asks(clean_question(c.text)[0]) or clean_question(c.text)[2])
            series = numbered and sum(clean_question(s.text)[2] for s in siblings) >= max(2, len(siblings) / 2)
            if (asks(title) or Q_LABEL.match(plain(sec.text))) and asked_subs < 2 or series:
                if not asks(title) and self.holds_questions(sec, title or category):
                    return  # "## 1. Basics" over questions of its own: a category
                self.close(self.open(title, sec.line, category, "heading", difficulty, body=list(sec.children),
                                     topic=not asks(title)))
                return
        mark = len(self.skipped)
        found, loose = self.container(sec.children, title or category)
        if found:
            if [n for n in loose if n.kind != "section" and prose([n])]:
                self.skip(title, source, "a heading that is not a question; the text under it was not imported")
            return
        if NOISE_TITLE.match(title):
            del self.skipped[mark:]
            self.skip(title, source, "a contents, contributing, licence or similar section: not a question")
        elif self.is_topic(sec, siblings, title):
            del self.skipped[mark:]
            self.topics.append(self.open(title, sec.line, category, "topic", difficulty, body=list(sec.children), topic=True))
        elif prose(sec.children):
            del self.skipped[mark:]
            self.skip(title, source, "a heading that is not a question; the text under it was not imported")

    def holds_questions(self, sec: Node, category: str) -> bool:
        """Read a section's body as questions; keep them when there are 2 or more, else undo."""
        marks = len(self.items), len(self.skipped), len(self.topics)
        found, loose = self.container(sec.children, category)
        if found >= 2:
            if [n for n in loose if n.kind != "section" and prose([n])]:
                self.skip(plain(sec.text), f"{self.name}:{sec.line}",
                          "a heading that is not a question; the text under it was not imported")
            return True
        del self.items[marks[0]:], self.skipped[marks[1]:], self.topics[marks[2]:]
        return False

    @staticmethod
    def is_topic(sec: Node, siblings: list[Node], title: str) -> bool:
        """A topic title with an explanation: a section without sub-headings whose text explains
        something, among sibling sections most of which are the same (so a lone "## Resume" among
        categories of topics is not one), with a title of at most MAX_TOPIC_WORDS words."""
        def leaf(s: Node) -> bool:
            return not any(c.kind == "section" for c in s.children) and bool(prose(s.children))

        if not leaf(sec) or not 1 <= len(title.split()) <= MAX_TOPIC_WORDS or COLLECTION_TITLE.search(title):
            return False
        peers = [s for s in siblings if not NOISE_TITLE.match(clean_question(s.text)[0])]
        return sum(leaf(s) for s in peers) >= len(peers) / 2

    def list(self, lst: Node, open_: _Open | None, category: str, next_number: int | None, loose: list[Node]):
        """Questions of a list, or the list as (part of) an open answer. Returns (the question
        still open, the number a list continuing a numbered question list would start at)."""
        heads = [self.item_question(it) for it in lst.children]
        asking = sum(1 for h in heads if h is not None and item_asks(h[0]))
        continues = lst.ordered and next_number is not None and lst.start == next_number
        question_list = continues or asking >= max(1, len(heads) / 2)
        # a list that continues the numbering of questions holds the next questions. Under a
        # question asked as a list item, a list of the other kind is its answer, one that asks
        # again in a list of the same kind holds the next questions; under any other question a
        # list is its answer, unless it is a list of sub-questions
        if open_ is not None and not continues and (
                open_.shape != "item" or not (question_list and lst.ordered == open_.ordered)):
            if self.sub_questions(lst, heads):
                return self.ask_sub_questions(lst, heads, open_, category), next_number
            return self.append_list(open_, lst, category), next_number
        if open_ is None and all(is_link_only(render(it.children)) for it in lst.children):
            anchors = sum(1 for it in lst.children if "](#" in render(it.children))
            self.skip(f"{len(lst.children)} link(s)", f"{self.name}:{lst.line}",
                      "a table of contents" if anchors else "a list of links, not questions")
            return open_, next_number
        asked_any = False
        for it, head in zip(lst.children, heads):
            # in a list of questions every item is one (a title that does not ask is a topic);
            # elsewhere only an item that ends with "?" ("Define the problem." in a list of steps is not)
            if head is not None and (head[0].endswith("?") or self.over_sub_questions(it) or (question_list and (
                    item_asks(head[0]) or len(head[0].split()) <= MAX_TOPIC_WORDS))):
                open_ = self.close(open_)
                text, difficulty, inline = head
                open_ = self.open(text, it.line, category, "item", difficulty, inline=inline, topic=not asks(text),
                                  ordered=lst.ordered)
                open_ = self.walk(it.children[1:], category, open_, loose)
                asked_any = True
            elif open_ is not None:
                open_.body.append(Node("list", it.line, ordered=lst.ordered, start=it.number or 1, children=[it]))
            else:
                self.skip(plain(render(it.children[:1]))[:120], f"{self.name}:{it.line}",
                          "a list item that is not a question (no '?', no 'Explain/Describe/...')")
        if lst.ordered and asked_any:
            next_number = lst.start + len(lst.children)
        return open_, next_number

    def append_list(self, open_: _Open, lst: Node, category: str) -> _Open:
        """A list that answers the open question, split where one of its items holds a
        sub-question paragraph ("ii. [M] How do ...?" indented under the last item of an answer's
        list): what follows it answers that sub-question. Returns the question now open."""
        if open_.parent is None and not open_.has_subs:
            open_.body.append(lst)
            return open_
        part = Node("list", lst.line, ordered=lst.ordered, start=lst.start)
        for it in lst.children:
            kept = Node("item", it.line, number=it.number)
            for i, c in enumerate(it.children):
                if i and c.kind == "para" and SUB_MARKER.match(plain(c.text)):
                    first, after = split_question(c.text)
                    text, difficulty, _ = clean_question(first)
                    if item_asks(text):
                        if kept.children:
                            part.children.append(kept)
                        if part.children:
                            open_.body.append(part)
                        open_ = self.start_sub(open_, text, c.line, category, difficulty, after, [])
                        part, kept = Node("list", c.line, ordered=lst.ordered), Node("item", c.line)
                        continue
                (kept.children if kept.children or i == 0 else open_.body).append(c)
            if kept.children:
                part.children.append(kept)
                kept = Node("item", it.line)
        if part.children:
            open_.body.append(part)
        return open_

    def sub_questions(self, lst: Node, heads: list) -> bool:
        """A list of sub-questions: at least half its items ask, and either they are marked as
        sub-questions ("i.", "ii.", "(a)") or at least half of those that end in "?" have an answer
        of their own (a list of questions to ask, with no answers, is an answer)."""
        asking = [(it, h) for it, h in zip(lst.children, heads) if h is not None and item_asks(h[0])]
        if len(asking) < max(1, len(heads) / 2):
            return False
        firsts = [it.children[0].text for it in lst.children if it.children and it.children[0].kind == "para"]
        if firsts and all(SUB_MARKER.match(plain(f)) for f in firsts):
            return True
        marked = [(it, h) for it, h in asking if h[0].endswith("?")]
        answered = sum(1 for it, h in marked if h[2].strip() or len(it.children) > 1)
        return len(marked) >= max(1, len(heads) / 2) and answered >= max(1, len(marked) / 2)

    def over_sub_questions(self, item: Node) -> bool:
        """True when a list item's blocks after its first hold sub-questions ("1. Dot product" over
        "i. [E] What is ...?")."""
        for c in item.children[1:]:
            if c.kind == "para" and SUB_MARKER.match(plain(c.text)) and item_asks(clean_question(split_question(c.text)[0])[0]):
                return True
            if c.kind == "list" and self.sub_questions(c, [self.item_question(x) for x in c.children]):
                return True
        return False

    def ask_sub_questions(self, lst: Node, heads: list, open_: _Open, category: str) -> _Open:
        """Each item of a sub-question list its own question; the last stays open (an answer
        written after the list answers it)."""
        for it, head in zip(lst.children, heads):
            if head is None:
                open_.body.append(Node("list", it.line, ordered=lst.ordered, children=[it]))
                continue
            text, difficulty, inline = head
            open_ = self.start_sub(open_, text, it.line, category, difficulty, inline, [])
            open_ = self.walk(it.children[1:], category, open_, [])
        return open_

    def start_sub(self, open_: _Open | None, text: str, line: int, category: str, difficulty: int | None,
                  inline: str, body: list[Node]) -> _Open:
        """A sub-question of the open question (or of its parent, when a sub-question is open).
        The parent is closed: its answer is what came before its first sub-question, and its
        text is the sub-questions' context ("Linear regression: what are its assumptions?")."""
        parent = open_.parent if open_ is not None and open_.parent is not None else open_
        if open_ is not None and open_ is not parent:
            self.close(open_)
        if parent is not None and not parent.has_subs:
            parent.has_subs = True
            self.close(parent)
        context = (parent.item.asked_as or parent.item.question).rstrip("?.:! ") if parent else ""
        if context and (parent.item.asked_as is None or len(text.split()) < SHORT_SUB_QUESTION
                        or _REFERS_BACK.search(text)):
            text = f"{context}: {text[0].lower() + text[1:] if text[:2].istitle() else text}"
        sub = self.open(text, line, category, "sub", difficulty, inline=inline, body=body)
        sub.parent = parent
        if parent is not None:
            sub.item.parent = parent.item.question
        return sub

    # -- what asks

    def para_question(self, n: Node, bold_series: bool, open_: _Open | None):
        """(question, difficulty, answer in the same paragraph, shape, is a topic title) or None."""
        if open_ is not None and SUB_MARKER.match(plain(n.text)):  # "ii. [M] Why is it empirical?"
            first, after = split_question(n.text)
            text, difficulty, _ = clean_question(first)
            if item_asks(text):
                return text, difficulty, after, "sub", False
        if n.bold is not None:
            text, difficulty, numbered = clean_question(n.bold)
            if not text and not n.rest and numbered and bold_series:  # "**2.**" over sub-questions
                return "", difficulty, "", "bold", False
            if not text and n.rest:  # "**Q1:** What is X?"
                first, after = split_question(n.rest)
                q, d2, _ = clean_question(first)
                return (q, difficulty or d2, after, "bold", False) if asks(q) else None
            if text and (asks(text) or Q_LABEL.match(plain(n.bold))):
                return text, difficulty, n.rest, "bold", False
            if text and numbered and bold_series and len(text.split()) <= MAX_TOPIC_WORDS:
                return text, difficulty, n.rest, "bold", True
            return None
        first, after = split_question(n.text)
        if Q_LABEL.match(plain(first)):
            text, difficulty, _ = clean_question(first)
            return (text, difficulty, after, "label", not asks(text)) if text else None
        text, difficulty, _ = clean_question(first)
        one_line = "\n" not in n.text.strip() and len(text.split()) <= 40
        if one_line and text.endswith("?") and (open_ is None or open_.shape == "plain"):
            return text, difficulty, "", "plain", False
        return None

    def item_question(self, item: Node):
        """(question, difficulty, answer in the same paragraph) of a list item's first paragraph, or None."""
        first = item.children[0] if item.children else None
        if first is None or first.kind != "para" or _OPTION.match(first.text):
            return None
        if first.bold is not None:
            text, difficulty, _ = clean_question(first.bold)
            if text:
                return text, difficulty, first.rest
            line, after = split_question(first.rest)
            text, difficulty, _ = clean_question(line)
            return (text, difficulty, after) if text else None
        line, after = split_question(first.text)
        text, difficulty, _ = clean_question(line)
        return (text, difficulty, after) if text else None

    # -- items

    def open(self, text: str, line: int, category: str, shape: str, difficulty: int | None, *, inline: str = "",
             body: list[Node] | None = None, topic: bool = False, ordered: bool = False) -> _Open:
        item = RawItem(question=as_question(text) if topic else text, source=f"{self.name}:{line}",
                       section=category, difficulty=difficulty)
        if topic and item.question != text:
            item.asked_as = text
        return _Open(item, line, shape, inline=inline, body=body or [], ordered=ordered)

    def close(self, open_: _Open | None) -> None:
        if open_ is None:
            return None
        item, body = open_.item, list(open_.body)
        inline = A_LABEL.sub("", open_.inline.strip())
        if body and body[0].kind == "para" and not inline:
            first = body[0]
            body[0] = Node("para", first.line, text=A_LABEL.sub("", first.text), bold=None)
        nodes = ([Node("para", open_.line, text=inline)] if inline else []) + _multiple_choice(body)
        answer = render(nodes).strip()
        if not answer or NO_ANSWER.match(plain(answer)):
            answer = ""
        elif is_link_only(answer):
            item.links = links_of(answer)
            item.notes.append("the answer is only links; kept as practice-only with the links")
            answer = ""
        item.answer = answer or None
        item.prose = "\n".join(prose(nodes)) if answer else ""
        if open_.has_subs and not answer:
            if item.question:
                self.skip(item.asked_as or item.question, item.source,
                          "a title over sub-questions (no answer of its own): its text is their context")
            return None
        if not item.question:
            if answer:
                self.skip(answer[:120], item.source, "a numbered entry with an answer but no question")
            return None
        self.items.append(item)
        return None

    def skip(self, item: str, source: str, reason: str) -> None:
        self.skipped.append(Skipped(item=item, source=source, reason=reason))


def _bold_question_ends(heading: str, para: Node) -> bool:
    """True when a paragraph that is only a bold question (3 words or more, ending in "?") comes
    inside the section of a question asked as a heading: it is the next question."""
    if para.bold is None or para.rest:
        return False
    text = clean_question(para.bold)[0]
    return text.endswith("?") and len(text.split()) >= 3 and asks(clean_question(heading)[0])


def item_asks(text: str) -> bool:
    """True when a list item reads as a question: it ends with "?", or gives an instruction that
    is not a "label: explanation" line ("How to learn the parameters: minimise the cost")."""
    return text.endswith("?") or (asks(text) and not re.search(r"\w:\s+\S", text))


def _multiple_choice(body: list[Node]) -> list[Node]:
    """A multiple-choice answer as its correct option(s) and the explanation: a checklist
    (``- [x]`` correct, ``- [ ]`` not) or lettered options with "The correct answer is B"."""
    out: list[Node] = []
    text = " ".join(plain(n.text) for n in body if n.kind == "para")
    letter = _CORRECT.search(text)
    for n in body:
        if n.kind != "list":
            out.append(n)
            continue
        firsts = [it.children[0].text if it.children and it.children[0].kind == "para" else "" for it in n.children]
        if firsts and all(_OPTION.match(f) for f in firsts):
            correct = [it for it, f in zip(n.children, firsts) if _OPTION.match(f).group(1).lower() == "x"]
            for it in correct:
                first = it.children[0]
                out.append(Node("para", it.line, text=_OPTION.sub("", first.text)))
                out.extend(it.children[1:])
        elif letter and firsts and all(_LETTERED.match(f) for f in firsts):
            chosen = [it for it, f in zip(n.children, firsts) if _LETTERED.match(f).group(1).lower() == letter.group(1).lower()]
            out.extend(Node("para", it.line, text=_LETTERED.sub("", it.children[0].text)) for it in chosen)
        else:
            out.append(n)
    return out


#: A line that ends a sentence ("?", ".", "!" or ":", then at most closing quotes, brackets, emphasis).
_ENDS_SENTENCE = re.compile(r"[?.!:][\s\"'\u201d\u2019)*_]*$")
_ENDS_WITH_QUESTION_MARK = re.compile(r"\?[\s\"'\u201d\u2019)*_]*$")


def split_question(text: str, max_lines: int = 4) -> tuple[str, str]:
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
        if (_ENDS_SENTENCE.search(lines[n - 1]) or not nxt or A_LABEL.match(nxt)
                or not (nxt[0].islower() or _ENDS_WITH_QUESTION_MARK.search(nxt))):
            break
        n += 1
    return " ".join(line.strip() for line in lines[:n]), "\n".join(lines[n:]).strip()


def parse_markdown(text: str, name: str) -> tuple[list[RawItem], list[Skipped]]:
    """The questions of a Markdown collection (in file order) and what was skipped, with reasons.

    Raises:
        BankImportError: no question was found; the message says what a question looks like.
    """
    reader = _Reader(name)
    reader.container(parse_tree(text, ends_section=_bold_question_ends), "", top=True)
    reader.close_topics()
    if reader.intro:
        reader.skipped.insert(0, Skipped(item=f"{reader.intro} block(s) of introduction", source=f"{name}:1",
                                         reason="text before the first question or heading"))
    if not reader.items:
        raise BankImportError(
            f"{name}: no questions found. Questions are headings, list items or bold lines that end with '?' "
            "or start with 'Explain', 'Describe', 'Implement'...; each followed by its answer (or by nothing)."
        )
    items = sorted(reader.items, key=lambda it: _line(it.source))
    return items, sorted(reader.skipped, key=lambda s: _line(s.source))


def _line(source: str) -> int:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
