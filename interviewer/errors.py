"""Errors meant for a person: each says what happened and what to do about it."""

from __future__ import annotations


class InterviewerError(Exception):
    """Base class. ``str(err)`` is a complete message for the user, including the fix."""


class BankError(InterviewerError):
    """The question bank could not be loaded: one entry per problem, each naming file, question id and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"The question bank has {len(problems)} problem(s):\n{lines}\n"
            "Fix the fields named above, then run `interviewer bank validate` again."
        )


class StoreMissingError(InterviewerError):
    """The knowledge base (Chroma store) has not been built yet."""


class StoreCorruptError(InterviewerError):
    """The knowledge base exists but cannot be read."""


class DocumentError(InterviewerError):
    """A source document could not be read."""


class ConfigError(InterviewerError):
    """A setting (level, stage, option, environment variable) has a value the program cannot use."""


class SessionNotFoundError(InterviewerError):
    """No stored session has the given id."""


class BankImportError(InterviewerError):
    """A question list could not be imported; nothing was written and any earlier bank of that name is unchanged."""
