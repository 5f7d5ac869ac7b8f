"""``python -m camfuse.cli``: the same as the ``camfuse`` command."""

import sys

from . import main

sys.exit(main())
