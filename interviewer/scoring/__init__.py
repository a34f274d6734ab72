"""Scoring an answer offline: takes an answer and a reference (answer, rubric), gives an assessment.

- :mod:`.vocabulary`: the words the gibberish screen accepts;
- :mod:`.features`: the answer's units aligned with each key point, as a feature row;
- :mod:`.model`: the fitted credit model and its gates (``scorer_model.json``, fitted by
  ``evals/fit_scorer.py``);
- :mod:`.offline`: the screen, the credit per key point, flags, caps and feedback
  (:class:`~interviewer.scoring.offline.OfflineScorer`);
- :mod:`.asag`: agreement with human-graded answers (``interviewer eval asag``).

Below it: :mod:`interviewer.models` and :mod:`interviewer.embeddings` only.
"""
