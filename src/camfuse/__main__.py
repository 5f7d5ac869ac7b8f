"""``python -m camfuse``: the same as the ``camfuse`` command."""

import sys

from .cli import main

sys.exit(main())
