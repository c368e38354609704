"""Allow ``python -m rekobot``."""

import sys

from rekobot.cli import main

sys.exit(main())
