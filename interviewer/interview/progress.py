"""Progress across sessions: per topic and per stage, attempts, score history, key points retained,
reviews due, and a readiness estimate per stage for a level.

Built from what the store holds (every answered turn of every interview and drill, and the
review items of :mod:`interviewer.interview.review`); nothing is written. ``interviewer progress``
prints it, the UI's Progress tab draws it, :func:`to_markdown` exports it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from fsrs import Rating
from pydantic import BaseModel, Field

from ..models import STAGE_TITLES, STAGES, DueItem, Level, Turn
from .report import due_items, due_lines
from .review import DESIRED_RETENTION, ReviewItem

#: A stage counts as ready at this readiness (0-1): a solid answer (3.5 of 5) on its topics on average.
#: A project choice, stated so: between "partly there" (3) and a strong answer (4).
READY = 0.7
#: Scores per topic that make its part of a stage's readiness (the most recent ones).
RECENT = 3

READINESS_METHOD = (
    f"Readiness of a stage = the mean, over the stage's topics that have questions at this level, of your "
    f"last {RECENT} main-answer scores on the topic (0 for a topic not practised yet), as a share of 5. "
    f"A stage is ready at {READY:.0%} or more."
)


class ScorePoint(BaseModel):
    """One scored main answer: when (UTC), its score (0-5), from which session and kind."""

    at: datetime
    score: float = Field(ge=0, le=5)
    session_id: str
    mode: Literal["interview", "drill"]


class TopicProgress(BaseModel):
    """One topic across sessions."""

    topic: str
    name: str
    stages: list[str]
    attempts: int = Field(ge=0, description="Scored main answers, interviews and drills alike.")
    scores: list[ScorePoint]
    recent: float | None = Field(description=f"Mean of the last {RECENT} scores, 0-5.")
    key_points: int = Field(ge=0, description="Review items (key points graded at least once).")
    retained: float | None = Field(description="Share (0-1) of those last made (Good or Easy) whose FSRS recall "
                                               f"probability is still at least {DESIRED_RETENTION}.")
    due: int = Field(ge=0, description="Key points due for review now.")
    next_review: datetime | None = Field(description="The earliest due time among its key points.")


class StageProgress(BaseModel):
    """One stage for the chosen level."""

    stage: str
    name: str
    attempts: int
    topics: int = Field(description="Topics with questions in this stage at this level.")
    practised: int = Field(description="Of those, topics answered at least once.")
    readiness: float = Field(ge=0, le=1)
    ready: bool


class Progress(BaseModel):
    """What ``interviewer progress --json`` prints (one object)."""

    type: Literal["progress"] = "progress"
    level: Level
    now: datetime
    sessions: int = Field(description="Sessions with at least one answer.")
    topics: list[TopicProgress]
    stages: list[StageProgress]
    due_now: int = Field(description="Key points due for review now.")
    next_review: datetime | None
    due_items: list[DueItem]
    readiness_method: str = READINESS_METHOD


def build_progress(
    turns: list[Turn],
    items: list[ReviewItem],
    now: datetime,
    level: str,
    stage_topics: dict[str, set[str]],
    topic_name: Callable[[str], str] = lambda t: t,
    modes: dict[str, str] | None = None,
) -> Progress:
    """Fold every answered turn and review item into progress.

    Args:
        turns: answered turns of all sessions, oldest first.
        items: every review item.
        stage_topics: per stage, the topics with questions at ``level`` (from the knowledge base).
        modes: session id -> "interview" or "drill" (default: interview).
    """
    modes = modes or {}
    scores: dict[str, list[ScorePoint]] = defaultdict(list)
    by_stage_topic: dict[tuple[str, str], list[float]] = defaultdict(list)
    stages_of: dict[str, set[str]] = defaultdict(set)
    attempts_by_stage: dict[str, int] = defaultdict(int)
    for t in turns:
        if t.is_follow_up or t.assessment is None or t.assessment.kind != "scored":
            continue
        scores[t.topic].append(ScorePoint(at=t.answered_at or t.asked_at, score=t.assessment.score, session_id=t.session_id,
                                          mode=modes.get(t.session_id, "interview")))  # type: ignore[arg-type]
        by_stage_topic[(t.stage, t.topic)].append(t.assessment.score)
        stages_of[t.topic].add(t.stage)
        attempts_by_stage[t.stage] += 1
    items_of: dict[str, list[ReviewItem]] = defaultdict(list)
    for i in items:
        items_of[i.topic].append(i)
        stages_of[i.topic].add(i.stage)
    topics = []
    for topic in sorted(set(scores) | set(items_of), key=lambda k: topic_name(k)):
        pts, its = scores.get(topic, []), items_of.get(topic, [])
        made = [i for i in its if i.last_rating >= Rating.Good]
        last = [p.score for p in pts[-RECENT:]]
        topics.append(TopicProgress(
            topic=topic, name=topic_name(topic), stages=sorted(stages_of[topic], key=STAGES.index),
            attempts=len(pts), scores=pts, recent=round(sum(last) / len(last), 2) if last else None,
            key_points=len(its),
            retained=round(sum(i.retrievability(now) >= DESIRED_RETENTION for i in made) / len(its), 3) if its else None,
            due=sum(i.due <= now for i in its), next_review=min((i.due for i in its), default=None),
        ))
    stages = []
    for stage in STAGES:
        pool = stage_topics.get(stage, set())
        if not pool and not attempts_by_stage.get(stage):
            continue
        parts = [by_stage_topic.get((stage, t), [])[-RECENT:] for t in pool]
        readiness = sum(sum(p) / len(p) / 5 if p else 0.0 for p in parts) / len(parts) if parts else 0.0
        stages.append(StageProgress(stage=stage, name=STAGE_TITLES[stage], attempts=attempts_by_stage.get(stage, 0),
                                    topics=len(pool), practised=sum(1 for p in parts if p),
                                    readiness=round(readiness, 3), ready=readiness >= READY))
    due = due_items(items, now, limit=None)
    return Progress(level=level, now=now, sessions=len({t.session_id for t in turns}), topics=topics, stages=stages,
                    due_now=len(due), next_review=min((i.due for i in items), default=None), due_items=due)


def _when(d: datetime | None) -> str:
    return "-" if d is None else f"{d:%Y-%m-%d %H:%M}"


def to_markdown(p: Progress) -> str:
    """The progress page as a Markdown document."""
    lines = [f"# Progress: {p.level} Machine Learning Engineer", "",
             f"As of {_when(p.now)} UTC, over {p.sessions} session(s). Key points due for review now: **{p.due_now}**"
             + (f"; next review {_when(p.next_review)}." if p.next_review and not p.due_now else "."), ""]
    lines += ["## Readiness by stage", "", "| stage | readiness | topics practised | answers |", "|---|---:|---:|---:|"]
    lines += [f"| {s.name} | {s.readiness:.0%}{' (ready)' if s.ready else ''} | {s.practised} / {s.topics} | {s.attempts} |"
              for s in p.stages]
    lines += ["", p.readiness_method, "", "## Topics", "",
              "| topic | answers | recent score | key points retained | due now | next review |", "|---|---:|---:|---:|---:|---|"]
    for t in p.topics:
        recent = "-" if t.recent is None else f"{t.recent:.1f}"
        kept = "-" if t.retained is None else f"{t.retained:.0%} of {t.key_points}"
        lines.append(f"| {t.name} | {t.attempts} | {recent} | {kept} | {t.due} | {_when(t.next_review)} |")
    lines += ["", "## Due for review", ""]
    lines += due_lines(p.due_items) if p.due_items else ["Nothing is due."]
    lines += ["", "## Score history", ""]
    for t in p.topics:
        if t.scores:
            lines.append(f"- {t.name}: " + ", ".join(f"{s.score:.1f} ({s.at:%d %b}, {s.mode})" for s in t.scores))
    return "\n".join(lines) + "\n"
