"""The question bank: the built-in bank is complete and valid; a broken bank is reported precisely."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from interviewer.bank.loading import load_bank
from interviewer.config import KNOWLEDGE_DIR
from interviewer.errors import BankError
from interviewer.models import LEVELS, STAGES

from .conftest import VENV_BIN

TAXONOMY = KNOWLEDGE_DIR / "taxonomy.yaml"


def test_builtin_bank_has_80_questions_at_every_level_and_stage(bank):
    assert len(bank.questions) >= 80
    counts = bank.counts()
    thin = {cell: n for cell, n in counts.items() if n < 3}
    assert not thin, f"(level, stage) cells with fewer than 3 questions: {thin}"


def test_every_question_has_a_real_rubric(bank):
    for q in bank.questions:
        assert 3 <= len(q.key_points) <= 6, q.id
        assert abs(sum(k.weight for k in q.key_points) - 1) < 0.011, q.id
        assert len(q.reference_answer.split()) >= 40, f"{q.id}: reference answer too short"
        assert q.reference_answer.strip().lower() != q.text.strip().lower()


def test_bank_covers_every_stage_and_most_taxonomy_topics(bank):
    assert {q.stage for q in bank.questions} == set(STAGES)
    topics = {t.id for t in bank.taxonomy.topics}
    used = {q.topic for q in bank.questions}
    missing = topics - used
    assert not missing, f"taxonomy topics with no question: {sorted(missing)}"
    categories = {c.id for c in bank.taxonomy.categories}
    assert {q.category for q in bank.questions} == categories


def _write_bank(tmp_path: Path, questions: list[dict], name: str = "broken.yaml") -> Path:
    """A bank folder with one file, ``<stage of the first question>/NAME``."""
    d = tmp_path / "bank"
    (d / questions[0]["stage"]).mkdir(parents=True)
    (d / questions[0]["stage"] / name).write_text(yaml.safe_dump({"questions": questions}), encoding="utf-8")
    return d


def _good(bank, **changes) -> dict:
    q = bank.questions[0].model_dump()
    q.update(changes)
    return q


def test_malformed_bank_names_file_question_and_field(tmp_path, bank):
    bad_weight = _good(bank, id="bad-weights")
    bad_weight["key_points"][0]["weight"] = 0.9
    typo = _good(bank, id="typo-field")
    typo["refrence_answer"] = typo.pop("reference_answer")
    d = _write_bank(tmp_path, [
        bad_weight,
        typo,
        _good(bank, id="bad-level", levels=["principal"]),
        _good(bank, id="bad-topic", topic="astrology"),
        _good(bank, id="bad-difficulty", difficulty=9),
    ])
    with pytest.raises(BankError) as info:
        load_bank(d, TAXONOMY)
    msg = str(info.value)
    assert "broken.yaml" in msg
    assert "'bad-weights'" in msg and "sum to" in msg
    assert "'typo-field'" in msg and "refrence_answer" in msg and "reference_answer" in msg
    assert "'bad-level'" in msg and "levels.0" in msg
    assert "'bad-topic'" in msg and "astrology" in msg
    assert "'bad-difficulty'" in msg and "difficulty" in msg
    assert len(info.value.problems) >= 6


def test_duplicate_ids_across_files_are_reported(tmp_path, bank):
    q = _good(bank)
    d = _write_bank(tmp_path, [q], name=f"{q['topic']}.yaml")
    shutil.copy(d / q["stage"] / f"{q['topic']}.yaml", d / "again.yaml")
    with pytest.raises(BankError, match="already used"):
        load_bank(d, TAXONOMY)


def test_invalid_yaml_reports_line(tmp_path):
    d = tmp_path / "bank"
    d.mkdir()
    (d / "x.yaml").write_text("questions:\n  - id: a\n    text: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"x\.yaml: not valid YAML at line"):
        load_bank(d, TAXONOMY)


def test_bank_validate_command_exits_nonzero_on_errors(tmp_path, bank):
    d = _write_bank(tmp_path, [_good(bank, id="bad-level", levels=["principal"])])
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "bank", "validate", str(d)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "broken.yaml" in proc.stderr and "'bad-level'" in proc.stderr and "levels" in proc.stderr
    ok = subprocess.run([str(VENV_BIN / "interviewer"), "bank", "validate"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK:")


def test_bank_stats_lists_every_level_and_stage():
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "bank", "stats"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in (*LEVELS, *STAGES):
        assert name in proc.stdout


def test_the_bank_is_laid_out_by_stage_and_topic(tmp_path, bank):
    """One file per stage and topic: a question filed elsewhere is reported with where it belongs."""
    for q in bank.questions:
        assert bank.sources[q.id].relative_to(bank.sources[q.id].parents[1]).as_posix() == f"{q.stage}/{q.topic}.yaml", q.id
    q = _good(bank)
    d = _write_bank(tmp_path, [q], name=f"{q['topic']}.yaml")
    assert [x.id for x in load_bank(d, TAXONOMY).questions] == [q["id"]]
    other = next(x for x in bank.questions if x.topic != q["topic"]).topic
    (d / q["stage"] / f"{q['topic']}.yaml").rename(d / q["stage"] / f"{other}.yaml")
    with pytest.raises(BankError) as info:
        load_bank(d, TAXONOMY)
    assert f"belongs in {q['stage']}/{q['topic']}.yaml" in str(info.value) and repr(q["id"]) in str(info.value)
    proc = subprocess.run([str(VENV_BIN / "interviewer"), "bank", "validate", str(d)], capture_output=True, text=True)
    assert proc.returncode == 1 and f"{q['stage']}/{q['topic']}.yaml" in proc.stderr
