"""Export the question bank as an Anki deck (``.apkg``, written with the ``genanki`` package).

One note per question with a reference answer: the question on the front; the reference
answer and its rubric's key points on the back, with the key points the candidate missed
last time marked. Questions with a missed key point come first (Anki shows new cards in
order of their ``due`` number) and carry the tag ``missed``; every note is tagged with its
stage and topic. Deck, model and note ids are derived from names, so exporting again
updates the same deck in Anki instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from pathlib import Path

from ..index.retrieval import KnowledgeBase
from ..models import STAGES
from .review import ReviewItem


@dataclass
class ExportResult:
    """What was written: notes in the deck, and how many of them have missed key points."""

    path: Path
    notes: int
    missed: int


def _id(text: str) -> int:
    """A stable id in Anki's range (below 2**31) from a name."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") >> 1


def _text(s: str) -> str:
    return html.escape(s).replace("\n", "<br>")


def export_deck(kb: KnowledgeBase, banks: list[str], items: list[ReviewItem], path: Path) -> ExportResult:
    """Write the deck of ``banks`` to ``path``.

    Raises:
        ValueError: the banks hold no question with a reference answer (nothing to export).
        OSError: the file cannot be written.
    """
    import genanki

    model = genanki.Model(
        _id("interviewer-model-v1"), "interviewer question",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "KeyPoints"}, {"name": "Missed"}],
        templates=[{
            "name": "Question and answer",
            "qfmt": "{{Question}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{#Missed}}<p><b>You missed last time:</b></p>{{Missed}}{{/Missed}}"
                    "{{Answer}}<p><b>Key points</b></p>{{KeyPoints}}",
        }],
    )
    missed_by_q: dict[tuple[str, str], list[str]] = {}
    for i in items:
        if i.last_rating <= 2:  # Again or Hard: missed or only partly made
            missed_by_q.setdefault((i.bank, i.question_id), []).append(i.key_point)
    rows = []
    for stage in STAGES:
        for c in kb.candidates(bank=banks, stage=stage):
            if c.card.practice_only:
                continue
            ref = kb.reference(c.card.bank, c.card.id)
            rows.append((c.card, ref))
    if not rows:
        raise ValueError(f"No question with a reference answer in {', '.join(banks)}: nothing to export.")
    rows.sort(key=lambda r: ((r[0].bank, r[0].id) not in missed_by_q, STAGES.index(r[0].stage), r[0].topic, r[0].id))
    deck = genanki.Deck(_id("interviewer:" + ",".join(banks)), f"Mock interview: ML Engineer ({', '.join(banks)})")
    missed = 0
    for n, (card, ref) in enumerate(rows):
        gaps = missed_by_q.get((card.bank, card.id), [])
        missed += bool(gaps)
        deck.add_note(genanki.Note(
            model=model,
            fields=[_text(card.text), _text(ref.reference_answer),
                    "<ul>" + "".join(f"<li>{_text(k.text)}</li>" for k in ref.key_points) + "</ul>",
                    ("<ul>" + "".join(f"<li>{_text(g)}</li>" for g in gaps) + "</ul>") if gaps else ""],
            tags=[t for t in (card.stage, card.topic, "missed" if gaps else "") if t],
            guid=genanki.guid_for(card.bank, card.id),
            due=n,
        ))
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return ExportResult(path, len(rows), missed)
