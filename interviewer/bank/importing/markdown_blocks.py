"""What one block of a Markdown collection says: whether a paragraph or list item asks a
question (and what of its answer it holds), its multiple-choice options, and which section
titles are noise. Used by :mod:`.markdown_questions`, which walks the tree."""

from __future__ import annotations

import re

from .items import A_LABEL, NO_ANSWER, Q_LABEL, SUB_MARKER, RawItem, asks, clean_question, is_link_only, links_of, plain
from .markdown_tree import Node, prose, render

#: Section titles that are never questions or categories of questions.
#: Sections about the repository, skipped whole: what is in them (a sample question showing
#: how to contribute one) is not part of the collection.
REPO_SECTION = re.compile(
    r"^(?:how to |ways to |want to )?(?:contribut\w*|licen[cs]e|licensing|acknowledg(?:e)?ments?|credits|sponsors?|"
    r"support(?: me| us| this project)?|star history|stargazers|contact(?: me| us)?|disclaimer|changelog|citation|"
    r"cite(?: this)?|code of conduct|authors?|maintainers?)(?:\s+(?:guide|guidelines|rules|section|here|welcome))?$",
    re.IGNORECASE,
)
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
#: A title too long to be a topic ("Notes from my 2019 interviews at three companies ...").
MAX_TOPIC_WORDS = 12
_OPTION = re.compile(r"^\s*\[( |x|X)\]\s+")
_LETTERED = re.compile(r"^\s*\(?([A-Ha-h])[.)]\s+")
_CORRECT = re.compile(r"(?:correct (?:answer|option|choice) is|answer\s*[:=-])\s*\(?([A-Ha-h])\b\)?", re.IGNORECASE)


def para_question(n: Node, bold_series: bool, open_shape: str | None):
    """(question, difficulty, answer in the same paragraph, shape, is a topic title) or None."""
    if open_shape is not None and SUB_MARKER.match(plain(n.text)):  # "ii. [M] Why is it empirical?"
        first, after = split_question(n.text)
        text, difficulty, _ = clean_question(first)
        if item_asks(text):
            return text, difficulty, after, "sub", False
    if n.bold is not None:
        text, difficulty, numbered = clean_question(n.bold)
        if not text and not n.rest and numbered and bold_series:  # "**2.**" over sub-questions
            return "", difficulty, "", "bold", False
        if not text and n.rest:  # "**Q1:** What is X?", "**3.** Sample duplication"
            first, after = split_question(n.rest)
            q, d2, _ = clean_question(first)
            if item_asks(q):
                return q, difficulty or d2, after, "bold", False
            if numbered and bold_series and q and len(q.split()) <= MAX_TOPIC_WORDS:
                return q, difficulty or d2, after, "bold", True
            return None
        if text and (item_asks(text) or Q_LABEL.match(plain(n.bold))):
            return text, difficulty, n.rest, "bold", not item_asks(text)
        # a numbered title among numbered bold lines, or a bold title with a difficulty marker
        # ("**Precision-recall trade-off ⭐️**"), is one of the questions
        if text and len(text.split()) <= MAX_TOPIC_WORDS and (
                (numbered and bold_series) or (difficulty is not None and not n.rest)):
            return text, difficulty, n.rest, "bold", True
        return None
    first, after = split_question(n.text)
    if _LEADING_DIFFICULTY.match(plain(first)):  # "[M] Imagine your hypotheses are right. What would you do?"
        text, difficulty, _ = clean_question(first)
        if item_asks(text):
            return text, difficulty, after, "sub" if open_shape == "sub" else "label", False
    if Q_LABEL.match(plain(first)):
        text, difficulty, _ = clean_question(first)
        return (text, difficulty, after, "label", not asks(text)) if text else None
    text, difficulty, _ = clean_question(first)
    one_line = "\n" not in n.text.strip() and len(text.split()) <= 40
    if one_line and text.endswith("?") and open_shape in (None, "plain"):
        return text, difficulty, "", "plain", False
    return None

_LEADING_DIFFICULTY = re.compile(r"^\s*[\[(](?:E|M|H|easy|medium|hard)[\])]\s", re.IGNORECASE)


def item_question(item: Node):
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
    hint = _HINT.match(text)
    if hint:  # "What is X? (the short answer)"
        text, after = hint.group(1), f"{hint.group(2)}\n{after}".strip()
    return (text, difficulty, after) if text else None

# -- items


def sub_questions(lst: Node, heads: list) -> bool:
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

def over_sub_questions(item: Node) -> bool:
    """True when a list item's blocks after its first hold sub-questions ("1. Dot product" over
    "i. [E] What is ...?")."""
    for c in item.children[1:]:
        if c.kind == "para" and SUB_MARKER.match(plain(c.text)) and item_asks(clean_question(split_question(c.text)[0])[0]):
            return True
        if c.kind == "list" and sub_questions(c, [item_question(x) for x in c.children]):
            return True
    return False


def bold_question_ends(heading: str, para: Node) -> bool:
    """True when a paragraph that is only a bold question (3 words or more, ending in "?") comes
    inside the section of a question asked as a heading: it is the next question."""
    if para.bold is None or para.rest:
        return False
    text = clean_question(para.bold)[0]
    return text.endswith("?") and len(text.split()) >= 3 and asks(clean_question(heading)[0])


#: A question with its short answer in brackets after it: "How do you tackle exploding gradients? (By clipping)".
_HINT = re.compile(r"^(.{8,}?\?)\s*\(([^()]{2,}(?:\([^()]*\)[^()]*)*)\)?\s*$")


def item_asks(text: str) -> bool:
    """True when a list item reads as a question: it ends with "?", asks and then says a little
    more ("What does it depend on? Compare and contrast."), or gives an instruction that is not
    a "label: explanation" line ("How to learn the parameters: minimise the cost")."""
    if text.endswith("?"):
        return True
    tail = text.rsplit("?", 1)[1] if "?" in text else None
    if tail is not None and len(text.split("?", 1)[0].split()) >= 3 and len(tail.split()) <= 8:
        return True
    return asks(text) and not re.search(r"\w:\s+\S", text)


def finish_answer(item: RawItem, inline: str, body: list[Node], line: int) -> str:
    """Set ``item``'s answer (Markdown) and prose from the text in the question's own block
    (``inline``) and the blocks after it; returns the answer ("" for none).

    Multiple-choice options go into the question and the correct ones become the answer;
    "A:"/"Ans."/"Answer:" labels go; a placeholder ("answer here", "...", "!") is no answer; an
    answer of only links is none either, its links kept in ``item.links``.
    """
    body, options, correct = multiple_choice(list(body))  # before labels go: "A) ..." may be an option
    if options:  # asked with its options, graded against the correct one(s)
        item.question = f"{item.question} (options: {' / '.join(options)})"
        item.choices, item.correct = options, correct
    inline = A_LABEL.sub("", inline.strip())
    if body and body[0].kind == "para" and not inline:
        body[0] = Node("para", body[0].line, text=A_LABEL.sub("", body[0].text), bold=None)
    nodes = ([Node("para", line, text=inline)] if inline else []) + body
    answer = render(nodes).strip()
    if not answer or NO_ANSWER.match(plain(answer)):
        answer = ""
    elif is_link_only(answer) and not item.correct:  # a chosen option is an answer, however short
        item.links = links_of(answer)
        item.notes.append("the answer is only links; kept as practice-only with the links")
        answer = ""
    item.answer = answer or None
    item.prose = "\n".join(prose(nodes)) if answer else ""
    return answer


_INLINE_OPTION = re.compile(r"-\s*\[( |x|X)\]\s*(.*?)(?=\s*-\s*\[[ xX]\]|$)", re.DOTALL)


def multiple_choice(body: list[Node]) -> tuple[list[Node], list[str], list[str]]:
    """A multiple-choice answer as its correct option(s) and the explanation, with the options.

    Options are a checklist (``- [x]`` correct, ``- [ ]`` not; as a list or run together on one
    line, "-[ ] a -[x] b"), or lettered ("A) ...", "b. ...") with "The correct answer is B" in
    the text. Returns (the answer's nodes, every option's text, the correct options' texts);
    no options: (``body``, [], []).
    """
    out: list[Node] = []
    options: list[str] = []
    correct: list[str] = []
    text = " ".join(plain(n.text) for n in body if n.kind == "para")
    letter = _CORRECT.search(text)
    for n in body:
        firsts = ([it.children[0].text if it.children and it.children[0].kind == "para" else "" for it in n.children]
                  if n.kind == "list" else [])
        if firsts and all(_OPTION.match(f) for f in firsts):
            for it, f in zip(n.children, firsts):
                options.append(plain(_OPTION.sub("", f)))
                if _OPTION.match(f).group(1).lower() == "x":
                    correct.append(options[-1])
                    out.append(Node("para", it.line, text=_OPTION.sub("", f)))
                    out.extend(it.children[1:])
        elif n.kind == "para" and re.match(r"^\s*-\s*\[[ xX]\]", n.text):
            for m in _INLINE_OPTION.finditer(n.text):
                options.append(plain(m.group(2)))
                if m.group(1).lower() == "x":
                    correct.append(options[-1])
                    out.append(Node("para", n.line, text=m.group(2).strip()))
        elif (letter and n.kind == "para" and len(lines := n.text.split("\n")) >= 2
              and all(_LETTERED.match(line) for line in lines)):  # "A) ...\nB) ..." in one paragraph
            for line in lines:
                options.append(plain(_LETTERED.sub("", line)))
                if _LETTERED.match(line).group(1).lower() == letter.group(1).lower():
                    correct.append(options[-1])
                    out.append(Node("para", n.line, text=_LETTERED.sub("", line)))
        elif letter and firsts and all(_LETTERED.match(f) for f in firsts):
            for it, f in zip(n.children, firsts):
                options.append(plain(_LETTERED.sub("", f)))
                if _LETTERED.match(f).group(1).lower() == letter.group(1).lower():
                    correct.append(options[-1])
                    out.append(Node("para", it.line, text=_LETTERED.sub("", f)))
        else:
            out.append(n)
    return (out, options, correct) if options else (body, [], [])


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
