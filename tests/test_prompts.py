"""Prompt files: loaded by name, versioned, strict about variables."""

import pytest

from interviewer.errors import ConfigError
from interviewer.prompts import load_prompt


def test_offline_prompt_renders_and_is_versioned():
    p = load_prompt("offline_interviewer")
    assert p.name == "offline_interviewer" and p.version
    text = p.render("ask", number=2, total=5, question="What is PCA?")
    assert "2 of 5" in text and "What is PCA?" in text


def test_missing_variable_is_a_named_error():
    p = load_prompt("offline_interviewer")
    with pytest.raises(ConfigError, match="missing variable"):
        p.render("ask", number=1)


def test_undeclared_variable_is_rejected():
    p = load_prompt("offline_interviewer")
    with pytest.raises(ConfigError, match="does not declare"):
        p.render("ask", number=1, total=2, question="x", secret="y")
