"""`python -m poetstudio` runs the command line."""

import sys

from poetstudio.cli import main

sys.exit(main())
