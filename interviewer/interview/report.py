"""Report: fold turns into per-question, per-stage and per-topic scores, weak topics, and Markdown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from ..models import STAGE_TITLES, DueItem, QuestionResult, Report, ScoreGroup, SessionConfig, Turn, sum_usage
from .review import OUTCOME, ReviewItem

#: A topic whose mean score is below this (0-5) is a weak topic to drill: below "partly there".
WEAK_TOPIC_THRESHOLD = 3.0
#: Share of a key point's value earned when it is covered only after a follow-up prompted it.
FOLLOW_UP_CREDIT = 0.5


def question_results(turns: list[Turn]) -> list[QuestionResult]:
    """One result per answered (scored) main question, follow-ups folded in.

    Practice-only questions have no score and are left out (see :func:`practice_questions`).
    Final score = main score + sum over its follow-ups of
    ``FOLLOW_UP_CREDIT x key-point weight x follow-up score`` (capped at 5): a point covered
    only when prompted earns half of what it would have in the first answer.
    """
    results: list[QuestionResult] = []
    by_index: dict[int, QuestionResult] = {}
    weights: dict[int, dict[int, float]] = {}
    current: int | None = None
    for t in turns:
        if not t.answered or t.assessment is None or t.assessment.kind != "scored":
            continue
        if not t.is_follow_up:
            r = QuestionResult(
                question_id=t.question_id,
                question=t.question,
                stage=t.stage,
                topic=t.topic,
                score=t.assessment.score,
                main_score=t.assessment.score,
                flags=list(t.assessment.flags),
            )
            results.append(r)
            by_index[t.index] = r
            weights[t.index] = {k.index: k.weight for k in t.assessment.key_points}
            current = t.index
        elif current is not None and by_index[current].question_id == t.question_id:
            r = by_index[current]
            w = weights[current].get(t.follow_up_of if t.follow_up_of is not None else -1, 0.0)
            r.score = round(min(5.0, r.score + FOLLOW_UP_CREDIT * w * t.assessment.score), 2)
            r.follow_ups += 1
    return results


def practice_questions(turns: list[Turn]) -> list[str]:
    """The practice-only questions answered in a session (never scored), in order."""
    return [t.question for t in turns if t.answered and t.assessment is not None and t.assessment.kind == "practice_only"]


def _groups(results: list[QuestionResult], key: Callable[[QuestionResult], str], name: Callable[[str], str]) -> list[ScoreGroup]:
    acc: dict[str, list[float]] = defaultdict(list)
    for r in results:
        acc[key(r)].append(r.score)
    return [ScoreGroup(key=k, name=name(k), score=round(sum(v) / len(v), 2), questions=len(v)) for k, v in acc.items()]


def build_report(
    session_id: str,
    config: SessionConfig,
    turns: list[Turn],
    topic_name: Callable[[str], str] = lambda t: t,
    finished_early: bool = False,
) -> Report:
    """The report of a session from its turns; scores are 0-5 means over main questions."""
    results = question_results(turns)
    overall = round(sum(r.score for r in results) / len(results), 2) if results else None
    by_stage = _groups(results, lambda r: r.stage, lambda s: STAGE_TITLES.get(s, s))
    by_topic = _groups(results, lambda r: r.topic, topic_name)
    weak = sorted((g for g in by_topic if g.score < WEAK_TOPIC_THRESHOLD), key=lambda g: g.score)
    return Report(
        session_id=session_id,
        level=config.level,
        stages=config.stages,
        overall=overall,
        by_stage=by_stage,
        by_topic=sorted(by_topic, key=lambda g: g.score),
        weak_topics=weak,
        questions=results,
        finished_early=finished_early,
        practice_only=practice_questions(turns),
        usage=sum_usage([t.llm for t in turns if t.llm is not None]),
    )


#: Due items a report lists at most (the progress page lists them all).
DUE_SHOWN = 10


def due_items(items: list[ReviewItem], now: datetime, limit: int | None = DUE_SHOWN) -> list[DueItem]:
    """The key points due for review at ``now``, most overdue first (at most ``limit``)."""
    from fsrs import Rating

    due = sorted((i for i in items if i.due <= now), key=lambda i: (i.due, i.bank, i.question_id, i.point))
    return [DueItem(bank=i.bank, question_id=i.question_id, point=i.point, topic=i.topic, question=i.question,
                    key_point=i.key_point, due=i.due, last_outcome=OUTCOME[Rating(i.last_rating)], last_reviewed=i.last_reviewed)
            for i in due[:limit]]


def due_lines(due: list[DueItem]) -> list[str]:
    """Markdown list lines for due items: the key point, the question, how it went last time."""
    return [f"- {d.key_point} ({d.last_outcome} on {d.last_reviewed.day} {d.last_reviewed:%b}) - *{d.question}*" for d in due]


def to_markdown(report: Report, turns: list[Turn] | None = None) -> str:
    """The report as a Markdown document (with the transcript when ``turns`` is given)."""
    lines = [
        f"# Mock interview report: {report.level} Machine Learning Engineer",
        "",
        f"Session `{report.session_id}` - stages: {', '.join(STAGE_TITLES[s] for s in report.stages)}",
        "",
    ]
    practice = ["## Practice-only questions (not scored)", "",
                "Imported without a reference answer: your answers are in the transcript, and they are left out "
                "of every score above.", ""] + [f"- {q}" for q in report.practice_only] + [""]
    if report.overall is None:
        lines += ["No scored question was answered, so there is no score." if report.practice_only
                  else "No question was answered, so there is no score.", ""]
        if report.practice_only:
            lines += practice + _transcript(turns)
        return "\n".join(lines)
    lines += [f"**Overall score: {report.overall:.1f} / 5** over {len(report.questions)} question(s)"
              + (" (interview ended early)" if report.finished_early else ""), ""]
    lines += ["## By stage", "", "| stage | score | questions |", "|---|---:|---:|"]
    lines += [f"| {g.name} | {g.score:.1f} | {g.questions} |" for g in report.by_stage]
    lines += ["", "## By topic", "", "| topic | score | questions |", "|---|---:|---:|"]
    lines += [f"| {g.name} | {g.score:.1f} | {g.questions} |" for g in report.by_topic]
    lines += ["", "## Weak topics to drill", ""]
    if report.weak_topics:
        lines += [f"- {g.name} ({g.score:.1f} / 5)" for g in report.weak_topics]
    else:
        lines += [f"None: every topic scored {WEAK_TOPIC_THRESHOLD:.0f} or more."]
    lines += ["", "## Questions", "", "| # | question | stage | score | follow-ups |", "|---:|---|---|---:|---:|"]
    for i, q in enumerate(report.questions, 1):
        text = q.question.replace("|", "\\|")
        flags = f" ({', '.join(q.flags)})" if q.flags else ""
        lines.append(f"| {i} | {text} | {STAGE_TITLES[q.stage]} | {q.score:.1f}{flags} | {q.follow_ups} |")
    if report.usage is not None:
        lines += ["", "## LLM usage", "", _usage_line(report.usage)]
        per_turn = [t for t in turns or [] if t.llm is not None]
        if per_turn:
            lines += ["", "| turn | model | requests | prompt tokens | completion tokens | cost (USD) | graded by |",
                      "|---:|---|---:|---:|---:|---:|---|"]
            for t in per_turn:
                u = t.llm
                cost = "unknown" if u.cost_usd is None else f"{u.cost_usd:.5f}"
                graded = t.assessment.scorer if t.assessment else "not graded"
                lines.append(f"| {t.index + 1} | {u.model} | {u.calls} | {u.prompt_tokens} | {u.completion_tokens} | {cost} | {graded} |")
    if report.practice_only:
        lines += [""] + practice
    lines += ["", "## Due for review", ""]
    lines += (due_lines(report.due_for_review) + ["", "`interviewer drill` asks these first."]) if report.due_for_review \
        else ["Nothing is due: every key point reviewed so far is scheduled for later."]
    lines += _transcript(turns)
    return "\n".join(lines) + "\n"


def _transcript(turns: list[Turn] | None) -> list[str]:
    """The transcript section: each answered question, the answer, and its score (or practice-only)."""
    if not turns:
        return []
    lines = ["", "## Transcript", ""]
    for t in turns:
        if not t.answered or t.assessment is None:
            continue
        who = "Follow-up" if t.is_follow_up else "Question"
        graded = ("*Practice-only: not scored.*" if t.assessment.kind == "practice_only"
                  else f"*Score {t.assessment.score:.1f} / 5.* " + " ".join(t.assessment.feedback))
        lines += [f"**{who}:** {t.question}", "", f"**Answer:** {t.answer}", "", graded, ""]
    return lines


def _usage_line(u) -> str:
    """One line of LLM totals: requests, prompt and completion tokens, cost when the price is known."""
    cost = "cost unknown (no price for this model)" if u.cost_usd is None else f"cost ${u.cost_usd:.4f}"
    retried = f", {len(u.faults)} failed request(s) retried or fallen back" if u.faults else ""
    return (f"Model {u.model}: {u.calls} request(s), {u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion "
            f"tokens, {cost}{retried}.")
