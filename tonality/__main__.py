"""`python -m tonality` is the `tonality` command."""

from tonality.cli import main

raise SystemExit(main())
