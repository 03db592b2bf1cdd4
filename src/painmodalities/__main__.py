"""``python -m painmodalities``: the same command as the ``painmodalities`` script."""

import sys

from painmodalities.cli import main

sys.exit(main())
