"""``python -m interviewer.cli``: the same command line as ``interviewer``."""

import sys

from . import main

sys.exit(main())
