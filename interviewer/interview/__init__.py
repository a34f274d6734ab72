"""The interview: takes a session's settings and the candidate's answers, gives turns, grades and reports.

- :mod:`.engine`: runs a session turn by turn and saves every turn; :mod:`.selection` (the
  stage plan, the next question, the follow-up) and :mod:`.steps` (what it gives the front ends)
  beside it;
- :mod:`.judge`: the Judge protocol (offline scorer or LLM) the engine grades through;
- :mod:`.voice`: the offline interviewer's wording;
- :mod:`.store`: sessions, turns and review cards in SQLite;
- :mod:`.review`, :mod:`.drill`: FSRS cards per key point, and the drill's choice of question;
- :mod:`.report`, :mod:`.progress`: a session's report, and progress across sessions;
- :mod:`.anki`: an Anki deck of the questions to review.

Below it: :mod:`interviewer.index` (retrieval), :mod:`interviewer.scoring`, :mod:`interviewer.models`.
"""
