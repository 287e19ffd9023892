"""``python -m badges``."""

import sys

from badges.cli import main

sys.exit(main())
