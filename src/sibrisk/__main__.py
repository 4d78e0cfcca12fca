"""``python -m sibrisk`` runs the ``sibrisk`` command."""

import sys

from .cli import main

sys.exit(main())
