"""`python -m collector_app` opens the window; with arguments it is the command line."""

import sys

from collector_app.cli import main

sys.exit(main(sys.argv[1:] or ["gui"]))
