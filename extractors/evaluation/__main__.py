"""`python -m extractors.evaluation [--set own|agora|all] [--errors N]`."""

from extractors.evaluation.cli import main

raise SystemExit(main())
