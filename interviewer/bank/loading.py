"""The question bank: load and validate the YAML files under ``knowledge/bank`` against the taxonomy.

The bank is laid out by stage and topic, one topic per file: ``<bank>/<stage>/<topic>.yaml``
(``knowledge/bank/deep_learning/transformers_attention.yaml``), so the place of a topic's
questions, and of a new one, follows from its tags. :func:`load_bank` checks it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import BankError
from ..models import LEVELS, STAGES, ImportedBank, Question, Taxonomy


@dataclass(frozen=True)
class Bank:
    """A validated question bank: its questions (in file order) and the taxonomy they are tagged with."""

    name: str
    questions: list[Question]
    taxonomy: Taxonomy
    #: question id -> the file it came from
    sources: dict[str, Path]

    def by_id(self, question_id: str) -> Question:
        """The question with this id. Raises KeyError if absent."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def counts(self) -> dict[tuple[str, str], int]:
        """Questions per (level, stage) cell; a question asked at two levels counts in both."""
        counts: Counter[tuple[str, str]] = Counter()
        for q in self.questions:
            for lv in q.levels:
                counts[(lv, q.stage)] += 1
        return {(lv, st): counts.get((lv, st), 0) for lv in LEVELS for st in STAGES}


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate the taxonomy file. Raises BankError naming the file and field."""
    data = _read_yaml(path)
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise BankError([f"{path}: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]) from None


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError([f"{path}: cannot read the file ({exc})"]) from None
    try:
        # libyaml's C parser when PyYAML has it (the wheels do): about 10x the pure-Python one,
        # which took 3.7 s of a 9 s first ingest for the built-in bank
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BankError([f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(file)"


def bank_files(bank_dir: Path) -> list[Path]:
    """The bank's YAML files at any depth (``<stage>/<topic>.yaml``), sorted by path."""
    return sorted([*bank_dir.rglob("*.yaml"), *bank_dir.rglob("*.yml")])


def expected_path(bank_dir: Path, stage: str, topic: str) -> Path:
    """Where a question of ``stage`` and ``topic`` lives: ``bank_dir/<stage>/<topic>.yaml``."""
    return bank_dir / stage / f"{topic}.yaml"


def _misplaced(bank_dir: Path, path: Path, q: Question) -> str | None:
    """The layout problem of question ``q`` read from ``path``, or None when its file is its
    stage's folder and its topic's name."""
    rel = path.relative_to(bank_dir)
    if len(rel.parts) == 2 and rel.parts[0] == q.stage and path.stem == q.topic:
        return None
    return (f"{path}: question {q.id!r}: stage/topic: a {q.stage} question on {q.topic} belongs in "
            f"{expected_path(bank_dir, q.stage, q.topic).relative_to(bank_dir)} (one file per stage and topic); move it there")


def load_bank(bank_dir: Path, taxonomy_path: Path, name: str = "builtin") -> Bank:
    """Load every ``*.yaml`` file in ``bank_dir`` and validate it.

    Checks, beyond each field's schema: ids are unique across files, each topic is in the
    taxonomy, the category is that topic's category, and each question's file is
    ``<stage>/<topic>.yaml`` for its own stage and topic (:func:`expected_path`).

    Raises:
        BankError: listing every problem found, each as ``FILE: question ID: FIELD: message``.
    """
    taxonomy = load_taxonomy(taxonomy_path)
    files = bank_files(bank_dir)
    if not files:
        raise BankError([f"{bank_dir}: no .yaml question files found"])
    problems: list[str] = []
    questions: list[Question] = []
    sources: dict[str, Path] = {}
    for path in files:
        try:
            data = _read_yaml(path)
        except BankError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            problems.append(f"{path}: expected a mapping with a 'questions' list at the top")
            continue
        extra = set(data) - {"questions"}
        if extra:
            problems.append(f"{path}: unknown top-level field(s) {sorted(extra)}; only 'questions' is allowed")
        for i, raw in enumerate(data["questions"]):
            qid = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
            try:
                q = Question.model_validate(raw)
            except ValidationError as exc:
                for e in exc.errors():
                    problems.append(f"{path}: question {qid!r}: {_loc(e['loc'])}: {e['msg']}")
                continue
            topic = taxonomy.topic(q.topic)
            if topic is None:
                problems.append(f"{path}: question {q.id!r}: topic: {q.topic!r} is not in {taxonomy_path.name}")
            elif topic.category != q.category:
                problems.append(
                    f"{path}: question {q.id!r}: category: {q.category!r} does not match topic "
                    f"{q.topic!r}, whose category is {topic.category!r}"
                )
            misplaced = _misplaced(bank_dir, path, q)
            if misplaced:
                problems.append(misplaced)
            if q.id in sources:
                problems.append(f"{path}: question {q.id!r}: id: already used in {sources[q.id]}")
                continue
            sources[q.id] = path
            questions.append(q)
    if problems:
        raise BankError(problems)
    return Bank(name=name, questions=questions, taxonomy=taxonomy, sources=sources)


def imported_bank_files(banks_dir: Path) -> list[Path]:
    """The imported banks' files (``NAME.yaml``) under the data directory's ``banks/``, sorted."""
    return sorted(banks_dir.glob("*.yaml")) if banks_dir.is_dir() else []


def check_imported(bank: ImportedBank, taxonomy: Taxonomy, where: str) -> list[str]:
    """Problems of an imported bank beyond its schema: unknown topics, wrong categories, repeated ids."""
    problems: list[str] = []
    seen: set[str] = set()
    for q in bank.questions:
        topic = taxonomy.topic(q.topic)
        if topic is None:
            problems.append(f"{where}: question {q.id!r}: topic: {q.topic!r} is not in the taxonomy")
        elif topic.category != q.category:
            problems.append(f"{where}: question {q.id!r}: category: {q.category!r} is not topic {q.topic!r}'s "
                            f"category {topic.category!r}")
        if q.id in seen:
            problems.append(f"{where}: question {q.id!r}: id: used twice")
        seen.add(q.id)
    return problems


def load_imported_bank(path: Path, taxonomy: Taxonomy) -> ImportedBank:
    """Read and validate one imported bank file.

    Raises:
        BankError: the file cannot be read, is not valid YAML, or does not validate, each
            problem naming the file, question id and field.
    """
    data = _read_yaml(path)
    try:
        bank = ImportedBank.model_validate(data)
    except ValidationError as exc:
        raise BankError([f"{path}: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]) from None
    problems = check_imported(bank, taxonomy, str(path))
    if problems:
        raise BankError(problems)
    return bank
