"""Allow ``python -m flowwidgets``."""

import sys

from flowwidgets.cli import main

sys.exit(main())
