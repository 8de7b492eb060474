"""Entry point of python -m app.backtest."""

import sys

from app.backtest.cli import main

sys.exit(main())
