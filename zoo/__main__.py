"""``python -m zoo`` is ``python -m zoo.make``."""

import sys

from .make import main

sys.exit(main())
