"""The question bank: takes YAML (the built-in bank, imported collections), gives validated questions.

- :mod:`.loading`: the bank's files (``knowledge/bank/<stage>/<topic>.yaml``), read and checked
  against the taxonomy and the layout;
- :mod:`.quality`: content gates on the bank (near-duplicates, follow-ups, reference length);
- :mod:`.coverage`: which topics of a candidate's prep documents the bank covers, from
  :mod:`.coverage_extract` (the documents read into topics and questions) and
  :mod:`.coverage_match` (the measures that match them to the bank);
- :mod:`.importing`: public question collections (Markdown, CSV, JSON, YAML) turned into banks.

Below it: :mod:`interviewer.models`, :mod:`interviewer.scoring` (for the gates' similarity).
"""
