"""LLM mode: takes an OpenAI-compatible server (or the fake model), gives an LLM judge and voice.

- :mod:`.providers`: which model to use and its client;
- :mod:`.probe`: the start-up check of the server and the probe of what it accepts;
- :mod:`.reply`: the per-question reply schema, and reading a reply however the server sent it;
- :mod:`.judge`: one request per answer that grades it and words the next message, with the
  offline scorer's verdicts wherever the model gave none; :mod:`.faults` (what a failed call
  means: retry, wait, give up) and :mod:`.reply_checks` (quotes grounded in the answer, wording
  limits) beside it;
- :mod:`.fake`: a deterministic chat model for tests and for trying LLM mode with no server;
- :mod:`.leaks`: keeps the reference answer out of what the interviewer says.

Below it: :mod:`interviewer.interview.judge` (the Judge protocol), :mod:`interviewer.scoring`,
:mod:`interviewer.prompts`.
"""
