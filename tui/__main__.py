"""``python -m batchtui.tui`` runs the same command line as ``batchtui``."""

import sys

from batchtui.tui.cli import main

sys.exit(main())
