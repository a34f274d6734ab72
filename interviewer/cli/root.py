"""The shared parts of the command line, imported by every command module: the typer ``app`` and its
``bank``, ``eval`` and ``drill`` sub-apps (commands register on them), the ``--version`` callback,
``_runtime`` (a Runtime from the environment), ``_ensure_kb`` (builds the knowledge base once when it is
missing), the ``--level``/``--stages`` parsers, ``_err`` (red text on stderr), and ``main``, which runs
the app on argv and turns errors into exit codes (0 ok, 1 user error, 2 partial ingest, 130 interrupted).
It imports no command module; ``interviewer.cli`` does, so that their commands register.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from .. import __version__
from ..config import Settings
from ..errors import InterviewerError, StoreMissingError
from ..models import LEVELS, STAGES

app = typer.Typer(
    name="interviewer",
    help="Offline mock interviewer for Machine Learning Engineer interviews.\n\n"
    "Quick start: `interviewer ingest`, then `interviewer chat --level mid` or `interviewer ui`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bank_app = typer.Typer(help="Check and describe the question bank.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
eval_app = typer.Typer(help="Measure the scorer against human grades.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

drill_app = typer.Typer()  # its help is the callback's docstring (examples included)
app.add_typer(drill_app, name="drill")


def _err(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)


def _runtime(model: str | None = None):
    from ..runtime import Runtime

    return Runtime(Settings.from_env(), model=model)


_MODEL_HELP = (
    "LLM that interviews and grades: openai:MODEL (OpenAI with OPENAI_API_KEY, or any OpenAI-compatible "
    "server at OPENAI_BASE_URL), fake (built-in, no network) or offline. Default: $INTERVIEWER_MODEL, "
    "else openai:gpt-4o-mini when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"interviewer {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
) -> None:
    """Offline mock interviewer for Machine Learning Engineer interviews."""


def _ensure_kb(rt, quiet: bool) -> None:
    """Build the knowledge base from the built-in bank when it is missing (embedded store only)."""
    try:
        rt.kb
    except StoreMissingError:
        if rt.settings.chroma_url:
            raise
        typer.echo("No knowledge base yet: building it from the built-in question bank (once, a few seconds)...", err=True)
        rt.ingest(progress=not quiet)


def parse_stages(value: str) -> list[str]:
    """Comma-separated stage names -> list. Raises ConfigError naming the valid ones."""
    from ..errors import ConfigError

    names = [s.strip() for s in value.split(",") if s.strip()]
    if not names:
        raise ConfigError(f"No stage given. Choose from: {', '.join(STAGES)}.")
    bad = [s for s in names if s not in STAGES]
    if bad:
        raise ConfigError(f"Unknown stage(s) {', '.join(map(repr, bad))}. Choose from: {', '.join(STAGES)}.")
    return names


def parse_banks(value: str) -> list[str]:
    """``--bank`` ("builtin,mine") as a list of bank names; empty means the built-in bank."""
    return [b.strip() for b in value.split(",") if b.strip()] or ["builtin"]


def parse_level(value: str) -> str:
    from ..errors import ConfigError

    if value not in LEVELS:
        raise ConfigError(f"Unknown level {value!r}. Choose one of: {', '.join(LEVELS)}.")
    return value


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 user error, 2 partial ingest, 130 interrupted)."""
    try:
        # Without standalone mode click returns (not raises) the code of a typer.Exit.
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int):
            return code
    except InterviewerError as exc:
        _err(f"Error: {exc}")
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except OSError as exc:  # the data directory or a given file cannot be read or written
        where = f" ({exc.filename})" if exc.filename else ""
        _err(f"Error: {exc.strerror or exc}{where}. Check that the path exists and that you may write there; "
             f"the data directory is INTERVIEWER_HOME ({Settings.from_env().home}).")
        return 1
    except KeyboardInterrupt:
        _err("\nInterrupted. Everything answered so far is saved; `interviewer sessions` lists sessions to resume.")
        return 130
    except Exception as exc:  # click's usage errors (typer 0.2x raises those of its own copy of click)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error: the message (or, with no command, the help) and its code
            return exc.exit_code
        if type(exc).__name__ == "Abort":
            return 130
        raise
    return 0


def _console() -> None:  # pragma: no cover
    sys.exit(main())
