"""Scoring an answer offline: takes an answer and a reference (answer, rubric), gives an assessment.

- :mod:`.vocabulary`: the words the gibberish screen accepts;
- :mod:`.text`: sentences, clauses, content words and the question-demoted key points;
- :mod:`.features`: the answer's units aligned with each key point, as a feature row;
- :mod:`.model`: the fitted credit model and its gates (``scorer_model.json``, fitted by
  ``evals/fit_scorer.py``);
- :mod:`.screening`: the screen (empty, gibberish, copies, keyword lists) and the caps of its flags;
- :mod:`.reference_index`: the bank's reference answers, for the off-topic flag and the contrast gate;
- :mod:`.offline`: the credit per key point, flags, caps and feedback
  (:class:`~interviewer.scoring.offline.OfflineScorer`, over the screen and the index);
- :mod:`.asag`: agreement with human-graded answers (``interviewer eval asag``).

Below it: :mod:`interviewer.models` and :mod:`interviewer.embeddings` only.
"""
