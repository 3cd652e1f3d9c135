"""`python -m deepfit ...`: the same as the `deepfit` command (see deepfit.cli)."""

from deepfit.cli import main

raise SystemExit(main())
