"""Question lists kept as tables: CSV (or TSV, or ';'-separated) with a header row, and JSON or
YAML in the bank's own format. Each reader gives :class:`~.items.RawItem` objects and the rows
it skipped, with the reason."""

from __future__ import annotations

import csv
import io
import json
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import BankImportError
from ...models import LEVELS, STAGE_TITLES, STAGES, KeyPoint
from .items import RawItem, Skipped

#: A fenced code block (``` or ~~~, with or without an info string), to its closing fence or the end.
_FENCED_CODE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\1[`~]*[ \t]*$|\Z)", re.DOTALL | re.MULTILINE)


def strip_code(answer: str) -> str:
    """An answer's prose: the answer without its fenced code blocks (key points come from the
    prose; the reference answer keeps the code)."""
    return re.sub(r"\n{3,}", "\n\n", _FENCED_CODE.sub("", answer)).strip()


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
    try:
        return _parse_csv(text, name)
    except csv.Error as exc:  # what the csv module cannot read at all (e.g. a NUL byte)
        raise BankImportError(f"{name}: not readable as CSV ({exc}). Save it as UTF-8 CSV with a header row "
                              "(question,answer,...) and quote fields that hold commas or line breaks.") from None


def _parse_csv(text: str, name: str) -> tuple[list[RawItem], list[Skipped]]:
    # newline="": the csv module handles \r, \n and \r\n itself, inside quoted fields too
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text), quotechar='"', doublequote=True,
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
