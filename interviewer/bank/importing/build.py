"""From read items to a stored bank: rubrics derived from answers, missing fields inferred,
duplicates merged, then written all or nothing (:func:`import_bank`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from ...errors import BankImportError
from ...models import BANK_NAME_PATTERN, ImportedBank, ImportedQuestion, KeyPoint, Taxonomy
from .infer import Inferrer
from .items import INSTRUCTION, NO_ANSWER, RawItem, Skipped
from .markdown_questions import parse_markdown
from .tabular import parse_bank_file, parse_csv

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
CSV_SUFFIXES = (".csv", ".tsv")
BANK_SUFFIXES = (".yaml", ".yml", ".json")
#: An answer with fewer words than this cannot be graded against (key points of one or two
#: words match anything); its question is kept as practice-only.
MIN_ANSWER_WORDS = 4
#: A question needs at least this many words ("Why?" alone is not a question to ask).
MIN_QUESTION_WORDS = 3


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


def derive_rubric(prose: str, answer: str) -> list[KeyPoint]:
    """Key points of an imported answer: its main claims (sentences and list items, code aside),
    equal weights summing to 1, each with a follow-up that asks for more on it.

    Uses :func:`interviewer.scoring.offline.derive_key_points`; a code-only answer is one key point,
    its code. Returns [] when nothing of 8 characters or more is left.
    """
    from ...scoring.offline import derive_key_points

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


def choice_rubric(correct: list[str]) -> list[KeyPoint]:
    """Key points of a multiple-choice question: each correct option, equal weights summing to 1
    (an option shorter than a key point may be is written "The correct option: X")."""
    texts = [c if len(c) >= 8 else f"The correct option: {c}" for c in correct[:6]]
    weights = [round(1 / len(texts), 4)] * len(texts)
    weights[-1] = round(1 - sum(weights[:-1]), 4)
    return [KeyPoint(text=t, weight=w, follow_up="Which of the options would you choose, and why?")
            for t, w in zip(texts, weights)]


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


class PreviewRow(BaseModel):
    """One question as a dry run shows it: the question, the start of its answer (empty when
    practice-only), topic, stage, difficulty (1-5), the topic title it was made from, if any."""

    source: str
    question: str
    answer_start: str
    topic: str
    stage: str
    difficulty: int
    asked_as: str | None = None


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
    replaced: bool = Field(description="A bank of this name existed and was (or, in a dry run, would be) replaced.")
    records: dict[str, int] = Field(default_factory=dict)
    dry_run: bool = Field(default=False, description="Nothing was written; ``preview`` lists what would be imported.")
    preview: list[PreviewRow] = Field(default_factory=list)


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
    seen: dict[str, RawItem] = {}
    for it in items:
        key = " ".join(re.findall(r"[a-z0-9]+", it.question.lower()))
        words = len(it.question.split())
        if words < MIN_QUESTION_WORDS and not (words == 2 and INSTRUCTION.match(it.question)):  # "Define variance"
            skipped.append(Skipped(item=it.question, source=it.source, reason=f"fewer than {MIN_QUESTION_WORDS} words"))
            continue
        if key in seen:
            first = seen[key]
            took = ""
            if not first.answer and it.answer:  # the first had no answer: it takes this one's
                first.answer, first.prose, first.links, took = it.answer, it.prose, [], "; its answer was taken"
            skipped.append(Skipped(item=it.question[:120], source=it.source,
                                   reason=f"the same question as {first.source}{took}"))
            continue
        seen[key] = it
        kept.append(it)
        notes += [f"{it.source}: {n}" for n in it.notes]
        if it.asked_as:
            notes.append(f"{it.source}: the topic title {it.asked_as!r} is asked as {it.question!r}")
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
        if answer is not None and (NO_ANSWER.match(answer) or not answer.strip()):
            answer = None
        if answer is not None and not rubric and it.correct:  # multiple choice: the correct option(s)
            rubric = choice_rubric(it.correct)
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
                links=it.links if answer is None else [],
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


def import_bank(path: Path, name: str | None, *, inferrer: Inferrer, store, existing: list[str], now,
                dry_run: bool = False) -> ImportResult:
    """Read ``path``, build the bank and hand it to ``store`` (which writes it all or nothing);
    with ``dry_run``, build it and list it in ``preview`` without calling ``store``.

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
    records = {} if dry_run else store(bank)
    with_answer = sum(1 for q in bank.questions if not q.practice_only)
    asked_as = {it.source: it.asked_as for it in items if it.asked_as}
    preview = [PreviewRow(source=q.source, question=q.text, topic=q.topic, stage=q.stage, difficulty=q.difficulty,
                          answer_start=" ".join((q.reference_answer or "").split())[:80], asked_as=asked_as.get(q.source))
               for q in bank.questions] if dry_run else []
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
        dry_run=dry_run,
        preview=preview,
    )
