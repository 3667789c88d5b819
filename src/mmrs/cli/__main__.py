"""``python -m mmrs.cli``: the same as the ``mmrs`` command."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
