"""Prompt templates: one YAML file per prompt under ``prompts/``, loaded by name, rendered strictly.

A prompt file has ``name``, ``version``, ``variables`` (the names every template may use)
and ``templates``: a mapping of template id to one string or a list of alternative
strings (the offline interviewer picks one, for variety). Rendering uses Jinja with
``StrictUndefined``, so a missing variable is a named error, never an empty gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined, UndefinedError
from pydantic import BaseModel, ConfigDict, Field

from .config import PROMPTS_DIR
from .errors import ConfigError

_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class PromptFile(BaseModel):
    """Schema of a prompt file."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    description: str = ""
    variables: list[str] = Field(default_factory=list)
    templates: dict[str, str | list[str]]


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: render ``template_id`` (alternative ``choice``) with variables."""

    spec: PromptFile

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def version(self) -> str:
        return self.spec.version

    def alternatives(self, template_id: str) -> int:
        """How many alternative wordings a template has."""
        t = self._raw(template_id)
        return len(t) if isinstance(t, list) else 1

    def _raw(self, template_id: str) -> str | list[str]:
        try:
            return self.spec.templates[template_id]
        except KeyError:
            raise ConfigError(f"Prompt {self.name!r} has no template {template_id!r}.") from None

    def render(self, template_id: str, choice: int = 0, **variables: object) -> str:
        """Render a template. Raises ConfigError naming an undeclared or missing variable."""
        unknown = set(variables) - set(self.spec.variables)
        if unknown:
            raise ConfigError(f"Prompt {self.name!r} does not declare variable(s) {sorted(unknown)}.")
        raw = self._raw(template_id)
        text = raw[choice % len(raw)] if isinstance(raw, list) else raw
        try:
            return _ENV.from_string(text).render(**variables).strip()
        except UndefinedError as exc:
            raise ConfigError(f"Prompt {self.name!r}, template {template_id!r}: missing variable ({exc}).") from None


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    """Load ``prompts/NAME.yaml``. Raises ConfigError if absent or malformed."""
    path = directory / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Prompt(PromptFile.model_validate(data))
    except FileNotFoundError:
        raise ConfigError(f"No prompt file {path}; reinstall the package or restore the file.") from None
    except Exception as exc:
        raise ConfigError(f"Prompt file {path} is malformed: {exc}") from None
