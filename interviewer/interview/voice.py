"""The interviewer's wording: greeting, questions, acknowledgements, follow-ups, closing.

:class:`Voice` is the seam for how the interviewer talks; :class:`OfflineVoice` renders
the templates of ``prompts/offline_interviewer.yaml`` with no LLM. The engine decides
*what* happens (which question, whether to follow up); the voice only words it.
"""

from __future__ import annotations

from typing import Protocol

from ..models import STAGE_TITLES, Assessment, PracticeOnly, QuestionCard, Report, RubricPoint, SessionConfig
from ..prompts import Prompt, load_prompt


class Voice(Protocol):
    """How the interviewer words each move. ``seq`` varies the phrasing deterministically."""

    name: str

    def greeting(self, config: SessionConfig, seq: int) -> str: ...

    def ask(self, card: QuestionCard, *, number: int, total: int, new_stage: bool, seq: int) -> str: ...

    def react(self, assessment: Assessment | PracticeOnly, *, was_follow_up: bool, follow_up_next: bool, seq: int) -> str: ...

    def follow_up(self, point: RubricPoint, *, seq: int) -> str: ...

    def closing(self, report: Report, *, seq: int) -> str: ...


class OfflineVoice:
    """Template wording from ``prompts/offline_interviewer.yaml``."""

    name = "offline"

    def __init__(self, prompt: Prompt | None = None):
        self.prompt = prompt or load_prompt("offline_interviewer")

    def greeting(self, config: SessionConfig, seq: int = 0) -> str:
        stages = ", ".join(STAGE_TITLES[s] for s in config.stages)
        key = "drill_greeting" if config.mode == "drill" else "greeting"
        return self.prompt.render(key, seq, level=config.level, stages=stages, questions=config.questions)

    def ask(self, card: QuestionCard, *, number: int, total: int, new_stage: bool, seq: int = 0) -> str:
        text = self.prompt.render("ask", seq, number=number, total=total, question=card.text)
        if new_stage:
            key = "first_stage" if number == 1 else "new_stage"
            text = self.prompt.render(key, seq, stage_title=STAGE_TITLES[card.stage]) + "\n\n" + text
        return text

    def react(self, assessment: Assessment | PracticeOnly, *, was_follow_up: bool, follow_up_next: bool = False,
              seq: int = 0) -> str:
        if getattr(assessment, "kind", "scored") == "practice_only":
            key = "after_practice"
        elif follow_up_next:  # neutral: "let's move on" would contradict the follow-up that comes next
            key = "before_follow_up"
        elif was_follow_up:
            key = "after_follow_up"
        elif assessment.score >= 4:
            key = "after_strong"
        elif assessment.score >= 2.5:
            key = "after_partial"
        else:
            key = "after_weak"
        return self.prompt.render(key, seq)

    def follow_up(self, point: RubricPoint, *, seq: int = 0) -> str:
        return self.prompt.render("follow_up", seq, follow_up=point.follow_up)

    def closing(self, report: Report, *, seq: int = 0) -> str:
        answered = len(report.questions)
        if not answered and report.practice_only:
            return self.prompt.render("closing_practice", seq, number=len(report.practice_only))
        if not answered or report.overall is None:
            return self.prompt.render("closing_empty", seq)
        overall = f"{report.overall:.1f}"
        if report.finished_early:
            return self.prompt.render("closing_early", seq, number=answered, overall=overall)
        return self.prompt.render("closing", seq, overall=overall)
