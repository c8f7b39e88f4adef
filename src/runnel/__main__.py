"""`python -m runnel` runs the command line."""

import sys

from runnel.cli import main

sys.exit(main())
