"""``python -m painmodalities``: the same command as the ``painmodalities`` script."""

import sys

from painmodalities.cli import main

if __name__ == "__main__":  # a spawned worker imports this module again: it must not run
    sys.exit(main())
