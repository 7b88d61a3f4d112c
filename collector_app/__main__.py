"""`python -m collector_app` runs the command line."""

import sys

from collector_app.cli import main

sys.exit(main())
