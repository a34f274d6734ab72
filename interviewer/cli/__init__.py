"""The command line (``interviewer``, or ``python -m interviewer``): a typer app that takes a command
and its options (and for chat and drill, answers on stdin) and gives text or JSON on stdout, errors on
stderr and an exit code. One module per command group:

- ``root``: the app and its sub-apps, shared helpers, and ``main`` (argv -> exit code).
- ``knowledge``: ``ingest``, documents -> the knowledge base.
- ``bank``: ``bank validate|stats|import|list|coverage``, the question banks checked, counted, imported, covered.
- ``interview``: ``chat`` and ``drill`` (and ``drill export``), answers -> assessments and a report.
- ``records``: ``progress``, ``sessions``, ``report``, what is stored -> progress, session lists, reports.
- ``evaluate``: ``eval asag``, human-graded answers -> the scorer's agreement with them.
- ``serve``: ``ui``, the Gradio chat in the browser.

The command modules are imported here in the order their commands appear in ``interviewer --help``.
"""

# Importing a command module registers its commands; typer lists them in that order, so keep it.
# isort: off
from . import knowledge, bank, interview, records, evaluate, serve  # noqa: F401
# isort: on
from .bank import format_coverage
from .interview import format_assessment, turn_record
from .root import app, main, parse_level, parse_stages

__all__ = ["app", "main", "format_assessment", "format_coverage", "parse_level", "parse_stages", "turn_record"]
