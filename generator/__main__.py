"""`python -m generator` runs the CLI."""

from .cli import main

raise SystemExit(main())
