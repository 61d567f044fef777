"""Allow ``python -m ctid``."""

from ctid.cli import main

raise SystemExit(main())
