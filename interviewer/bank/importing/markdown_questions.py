"""Questions of a Markdown collection, found in its tree of sections and blocks.

:func:`parse_markdown` walks :func:`~.markdown_tree.parse_tree`'s tree. A question is a
heading, a bold line or bold lead-in, a list item, a "Q:"/"Question N:" label, a
``<details><summary>`` block, or a one-line paragraph ending in "?"; its answer is what follows
up to the next question at the same or a higher level (a heading question's answer is its
whole section, sub-headings included). A heading that is not a question is a *category*: the
topic hint of the questions under it. Where a file numbers its questions, every member of
the series is a question even when it does not ask ("14. Expected value"); a section of
explanations under a topic title, among siblings that are the same, is a *topic* question
("### Linear regression" -> "Explain linear regression."). Items under a question marked
"i.", "ii.", "(a)", or a list of them that ask with "?" and have answers of their own, are
*sub-questions*, each its own question with its parent as context; a parent with no answer of
its own (a topic title, a scenario) is not a question itself. Tables of contents, link
lists, contributing and licence sections and placeholders are skipped with the reason.
What each block asks is decided in :mod:`.markdown_blocks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import BankImportError
from .items import Q_LABEL, SUB_MARKER, RawItem, Skipped, as_question, asks, clean_question, is_link_only, plain
from .markdown_blocks import (
    COLLECTION_TITLE,
    MAX_TOPIC_WORDS,
    NOISE_TITLE,
    REPO_SECTION,
    bold_question_ends,
    finish_answer,
    item_asks,
    item_question,
    over_sub_questions,
    para_question,
    split_question,
    sub_questions,
)
from .markdown_tree import Node, is_answer_label, parse_tree, prose, render

#: A list (where no answer is open) with at least this share of items that are only links is a
#: table of contents or a link list (one odd item, such as a link whose text has brackets, does not
#: make it questions).
TOC_SHARE = 0.8
#: Topic titles become questions only in a file with at least this many of them.
MIN_TOPICS = 3
#: A sub-question of fewer words than this, or one that refers back ("its", "this"), is asked
#: with its parent in front of it.
SHORT_SUB_QUESTION = 8
_REFERS_BACK = re.compile(r"\b(it|its|this|that|they|them|their|these|those|such)\b", re.IGNORECASE)

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
            elif n.kind == "para" and (asked := para_question(n, bold_series, open_.shape if open_ is not None else None)) is not None:
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
        if REPO_SECTION.match(title.rstrip("?!.: ")):
            self.skip(title, source, "a contributing, licence or similar section: not part of the collection")
            return
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
            self.skip(title, source, "a contents, introduction or references section: not a question")
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
        heads = [item_question(it) for it in lst.children]
        asking = sum(1 for h in heads if h is not None and item_asks(h[0]))
        continues = lst.ordered and next_number is not None and lst.start == next_number
        question_list = continues or asking >= max(1, len(heads) / 2)
        # a list that continues the numbering of questions holds the next questions. Under a
        # question asked as a list item, a list of the other kind is its answer, one that asks
        # again in a list of the same kind holds the next questions; under any other question a
        # list is its answer, unless it is a list of sub-questions
        if open_ is not None and not continues and (
                open_.shape != "item" or not (question_list and lst.ordered == open_.ordered)):
            if sub_questions(lst, heads):
                return self.ask_sub_questions(lst, heads, open_, category), next_number
            return self.append_list(open_, lst, category), next_number
        if open_ is None and sum(is_link_only(render(it.children)) for it in lst.children) >= TOC_SHARE * len(lst.children):
            anchors = sum(1 for it in lst.children if "](#" in render(it.children))
            self.skip(f"{len(lst.children)} link(s)", f"{self.name}:{lst.line}",
                      "a table of contents" if anchors else "a list of links, not questions")
            return open_, next_number
        asked_any = False
        for it, head in zip(lst.children, heads):
            # in a list of questions every item is one (a title that does not ask is a topic);
            # elsewhere only an item that ends with "?" ("Define the problem." in a list of steps is not)
            if head is not None and (head[0].endswith("?") or over_sub_questions(it) or (question_list and (
                    item_asks(head[0]) or len(head[0].split()) <= MAX_TOPIC_WORDS))):
                open_ = self.close(open_)
                text, difficulty, inline = head
                open_ = self.open(text, it.line, category, "item", difficulty, inline=inline, topic=not item_asks(text),
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
        item = open_.item
        answer = finish_answer(item, open_.inline, open_.body, open_.line)
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


def parse_markdown(text: str, name: str) -> tuple[list[RawItem], list[Skipped]]:
    """The questions of a Markdown collection (in file order) and what was skipped, with reasons.

    Raises:
        BankImportError: no question was found; the message says what a question looks like.
    """
    reader = _Reader(name)
    reader.container(parse_tree(text, ends_section=bold_question_ends), "", top=True)
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
