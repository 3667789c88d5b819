"""``python -m mmrs.cli``: the same as the ``mmrs`` command."""

import sys

from . import main

sys.exit(main())
