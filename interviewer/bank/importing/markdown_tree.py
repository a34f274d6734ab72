"""Markdown as a tree of sections and blocks (markdown-it-py's syntax tree), and back to Markdown.

:func:`parse_tree` gives the document as :class:`Node` objects: a heading opens a *section*
that holds everything up to the next heading of the same or a higher level; a
``<details>`` element is a *details* node (its ``<summary>`` as text) holding what is between
its tags, headings included; lists hold items, items hold blocks. Navigation (links back to
the top or to the contents) is dropped here. :func:`render` writes nodes back as Markdown
(code, tables, formulas and images as written); :func:`prose` gives their text for key points
(no code, tables or display formulas).
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field

from .items import is_pointer, plain

#: A link back to the top or to the contents ("**[⬆ Back to top](#table-of-contents)**"), with any
#: emphasis around it.
_NAV_LINK = re.compile(
    r"(\*\*|__|\*|_)?\[[^\]\n]*?\b(?:back|return|go|jump|scroll)\s+(?:up\s+)?to\s+(?:the\s+)?"
    r"(?:top|contents|table of contents|toc|index)\b[^\]\n]*\]\([^)\n]*\)\1?"
    r"|(\*\*|__|\*|_)?\[\W*(?:top|toc|contents|table of contents|index|home)\W*\]\([^)\n]*\)\2?",
    re.IGNORECASE,
)
_NAV_TEXT = re.compile(r"^\W*(?:(?:back|return|go|jump|scroll)\s+(?:up\s+)?to\s+(?:the\s+)?"
                       r"(?:top|contents|table of contents|toc|index)|top)\W*$", re.IGNORECASE)


@dataclass
class Node:
    """One part of the document.

    ``kind`` is one of: section (``text``: the heading as written, ``level`` 1-6), details
    (``text``: the summary), list (``ordered``, ``start``), item (``number`` in an ordered
    list, else None), para (``text``: inline Markdown; ``bold``: the text of an opening bold
    run or None, ``rest``: what follows it), code (``text``: the fenced block), table, quote
    and math (``text``: the source as written), html (``text``: what was left of a raw HTML block).
    ``line`` is the 1-based line it starts on.
    """

    kind: str
    line: int
    text: str = ""
    level: int = 0
    ordered: bool = False
    start: int = 1
    number: int | None = None
    bold: str | None = None
    rest: str = ""
    children: list[Node] = field(default_factory=list)


def drop_nav_links(markdown: str) -> str:
    """Inline Markdown without its back-to-top / contents links (what is left around them stays)."""
    return _NAV_LINK.sub("", markdown).strip() if _NAV_LINK.search(markdown) else markdown


def is_navigation(markdown: str) -> bool:
    """True when inline Markdown is only navigation: nothing left once back-to-top links are
    gone, or "Back to top" as plain text."""
    rest = drop_nav_links(markdown)
    return (rest != markdown and not re.search(r"\w", plain(rest))) or bool(_NAV_TEXT.match(plain(rest)))


def parse_tree(text: str, ends_section=None) -> list[Node]:
    """The document's top-level nodes (sections nest by heading level).

    ``ends_section(heading, para)``, when given, is asked of each open section (innermost first,
    not past an open ``<details>``) for each paragraph: True closes that section and those inside
    it, so the paragraph goes to the section around it (a bold question after a question
    heading's answer is the next question, not part of that answer).
    """
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    md = MarkdownIt("commonmark").enable("table")
    lines = text.split("\n")
    return _build(SyntaxTreeNode(md.parse(text)).children, lines, 0, md, ends_section)


_HTML_EVENT = re.compile(r"<details\b[^>]*>|</details\s*>|<summary\b[^>]*>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)


def _build(md_nodes, lines: list[str], offset: int, md, ends_section=None) -> list[Node]:
    """Nodes of markdown-it tree nodes; ``lines`` are those of the text parsed, ``offset`` the
    number of lines before it in the file (for HTML blocks parsed on their own)."""
    top: list[Node] = []
    stack: list[Node] = []  # the open sections and details, innermost last

    def add(node: Node) -> None:
        (stack[-1].children if stack else top).append(node)

    for n in md_nodes:
        line = (n.map[0] + 1 + offset) if n.map else offset + 1
        if n.type == "heading":
            level = int(n.tag[1])
            while stack and stack[-1].kind == "section" and stack[-1].level >= level:
                stack.pop()
            section = Node("section", line, text=n.children[0].content if n.children else "", level=level)
            add(section)
            stack.append(section)
        elif n.type == "html_block":
            pos = 0
            for m in _HTML_EVENT.finditer(n.content):
                _html_text(n.content[pos:m.start()], line, add, lines, md)
                pos = m.end()
                tag = m.group(0).lower()
                if tag.startswith("<details"):
                    details = Node("details", line)
                    add(details)
                    stack.append(details)
                elif tag.startswith("</details"):
                    while stack and stack[-1].kind != "details":
                        stack.pop()
                    if stack:
                        stack.pop()
                else:
                    summary = _html_inline(m.group(1) or "")
                    open_details = next((d for d in reversed(stack) if d.kind == "details"), None)
                    if open_details is not None and not open_details.text:
                        open_details.text = summary
                    elif summary:
                        add(Node("para", line, text=summary))
            _html_text(n.content[pos:], line, add, lines, md)
        elif n.type == "paragraph":
            para = _para(n.children[0].content if n.children else "", line)
            if para is not None:
                if ends_section is not None:
                    closing = None
                    for i in range(len(stack) - 1, -1, -1):
                        if stack[i].kind == "details":
                            break
                        if ends_section(stack[i].text, para):
                            closing = i
                    if closing is not None:
                        del stack[closing:]
                add(para)
        elif n.type in ("bullet_list", "ordered_list"):
            start = int(n.attrs.get("start", 1)) if n.type == "ordered_list" else 1
            lst = Node("list", line, ordered=n.type == "ordered_list", start=start)
            for item in n.children:
                number = int(item.info) if n.type == "ordered_list" and str(item.info).isdigit() else None
                item_line = (item.map[0] + 1 + offset) if item.map else line
                lst.children.append(Node("item", item_line, number=number,
                                         children=_build(item.children, lines, offset, md)))
            add(lst)
        elif n.type in ("fence", "code_block"):
            add(Node("code", line, text=f"```{(n.info or '').strip()}\n{n.content.rstrip()}\n```"))
        elif n.type == "table":
            add(Node("table", line, text=_source(n, lines)))
        elif n.type == "blockquote":
            add(Node("quote", line, text=_source(n, lines), children=_build(n.children, lines, offset, md)))
    return top


def _source(n, lines: list[str]) -> str:
    """A block's lines as written, dedented (a table inside a list item loses the item's indent)."""
    if not n.map:
        return ""
    return textwrap.dedent("\n".join(lines[n.map[0]:n.map[1]])).strip()


def _para(content: str, line: int) -> Node | None:
    """A paragraph node, or None when it is only navigation; ``$$...$$`` is math."""
    if is_navigation(content) or not re.search(r"\w|!\[", html.unescape(content)):
        return None  # navigation, or "&nbsp;", "---", "!" spacers
    content = drop_nav_links(content)
    if content.lstrip().startswith("$$"):
        return Node("math", line, text=content.strip())
    node = Node("para", line, text=content)
    m = re.match(r"^\s*(\*\*|__)(.+?)\1(?!\*)", content, re.DOTALL)
    if m:
        node.bold, node.rest = m.group(2), content[m.end():].strip()
    return node


def _html_inline(fragment: str) -> str:
    """An HTML fragment as inline Markdown: <a> as links, <img> as images, other tags gone."""
    text = re.sub(r"<img\b[^>]*?src=[\"']([^\"']+)[\"'][^>]*>", r"![](\1)", fragment, flags=re.IGNORECASE)
    text = re.sub(r"<a\b[^>]*?href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", r"[\2](\1)", text,
                  flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text).replace("\xa0", " ").strip()


def _html_text(fragment: str, line: int, add, lines: list[str], md) -> None:
    """What an HTML block holds besides <details>/<summary> tags, parsed as Markdown."""
    from markdown_it.tree import SyntaxTreeNode

    text = _html_inline(fragment)
    if not re.search(r"\w", text):
        return
    for node in _build(SyntaxTreeNode(md.parse(text)).children, text.split("\n"), line - 1, md):
        add(node)


# --------------------------------------------------------------------------- back to Markdown


def render(nodes: list[Node], indent: str = "") -> str:
    """Nodes as Markdown: paragraphs, lists (nested, numbered as written), code, tables,
    formulas and images as written; a heading inside an answer as a bold line."""
    parts: list[str] = []
    for n in nodes:
        if n.kind in ("para", "math", "html", "code", "table", "quote"):
            text = n.text
        elif n.kind == "section":
            inner = render(n.children)
            text = f"**{plain(n.text)}**" + (f"\n\n{inner}" if inner else "")
        elif n.kind == "details":
            inner = render(n.children)
            text = (f"**{plain(n.text)}**\n\n" if n.text and not _is_answer_label(n.text) else "") + inner
        elif n.kind == "list":
            text = _render_list(n)
        else:
            text = render(n.children)
        if text.strip():
            parts.append(text.strip("\n"))
    out = "\n\n".join(parts)
    return textwrap.indent(out, indent) if indent else out


def _render_list(lst: Node) -> str:
    rows = []
    for i, item in enumerate(lst.children):
        marker = f"{item.number if item.number is not None else lst.start + i}. " if lst.ordered else "- "
        body = render(item.children)
        if not body.strip():
            continue
        first, _, more = body.partition("\n")
        rows.append(marker + first + ("\n" + textwrap.indent(more, " " * len(marker)) if more else ""))
    return "\n".join(rows)


def _is_answer_label(summary: str) -> bool:
    return bool(re.match(r"^\W*(show |see |view |reveal )?(the )?(answer|solution|explanation|hint|details?|"
                         r"click( here)?( to (expand|see|show))?|expand)\b\W*$", plain(summary), re.IGNORECASE))


def is_answer_label(summary: str) -> bool:
    """True when a <summary> only labels what it hides ("Answer", "Show solution", "Click to expand")."""
    return _is_answer_label(summary)


def prose(nodes: list[Node]) -> list[str]:
    """The text of nodes for key points, one entry per paragraph or list item ("- " in front):
    no code, tables, display formulas or headings; links as their text; images gone; no line that
    only points at a link (:func:`interviewer.bank.importing.items.is_pointer`)."""
    out: list[str] = []
    for n in nodes:
        if n.kind in ("para", "html"):
            if is_pointer(n.text):
                continue
            text = plain(re.sub(r"\$\$.*?\$\$", " ", n.text, flags=re.DOTALL))
            if re.search(r"[A-Za-z]{2,}", text):
                out.append(text)
        elif n.kind == "list":
            for item in n.children:
                inner = prose(item.children)
                if inner:
                    out.append("- " + inner[0].removeprefix("- "))
                    out.extend(inner[1:])
        elif n.kind in ("section", "details", "quote", "item"):
            out.extend(prose(n.children))
    return out
