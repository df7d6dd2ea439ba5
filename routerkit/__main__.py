"""``python -m routerkit``: the command-line interface."""
import sys

from routerkit.cli import main

sys.exit(main())
