"""The question bank: takes YAML (the built-in bank, imported collections), gives validated questions.

- :mod:`.loading`: the bank's files (``knowledge/bank/<stage>/<topic>.yaml``), read and checked
  against the taxonomy and the layout;
- :mod:`.quality`: content gates on the bank (near-duplicates, follow-ups, reference length);
- :mod:`.coverage`: which topics of a candidate's prep documents the bank covers;
- :mod:`.importing`: public question collections (Markdown, CSV, JSON, YAML) turned into banks.

Below it: :mod:`interviewer.models`, :mod:`interviewer.scoring` (for the gates' similarity).
"""
