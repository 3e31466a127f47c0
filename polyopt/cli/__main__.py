"""``python -m polyopt.cli``: the same as the ``polyopt`` script."""

import sys

from . import main

sys.exit(main())
