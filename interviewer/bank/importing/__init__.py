"""Bring your own bank: read a third-party question list and turn it into a named question bank.

One module per step, data flowing one way:

- :mod:`.markdown_tree` reads Markdown into a tree of sections and blocks (markdown-it-py);
- :mod:`.markdown_questions` finds the questions in that tree, their answers and what is noise;
- :mod:`.tabular` reads CSV and JSON/YAML in the bank's format;
- :mod:`.items` holds what the readers give (:class:`RawItem`, :class:`Skipped`) and the
  wording rules they share (labels, numbering, difficulty markers, topic titles as questions);
- :mod:`.infer` infers topic, stage, levels and difficulty from the built-in bank;
- :mod:`.build` derives rubrics, builds the bank and hands it to the store, all or nothing.
"""

from .build import ImportResult, bank_name_for, build_bank, check_bank_name, derive_rubric, import_bank, read_items
from .infer import CODING_WORDING, Inferrer, Neighbours, neighbours_from
from .items import RawItem, Skipped, as_question, asks
from .markdown_questions import parse_markdown
from .tabular import parse_bank_file, parse_csv, strip_code

__all__ = [
    "CODING_WORDING", "ImportResult", "Inferrer", "Neighbours", "RawItem", "Skipped", "as_question", "asks",
    "bank_name_for", "build_bank", "check_bank_name", "derive_rubric", "import_bank", "neighbours_from",
    "parse_bank_file", "parse_csv", "parse_markdown", "read_items", "strip_code",
]
