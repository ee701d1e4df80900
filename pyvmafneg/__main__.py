"""``python -m pyvmafneg``: the same as the ``pyvmafneg`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
