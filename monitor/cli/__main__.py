"""`python -m monitor.cli` runs the `monitor` command."""

from . import main

main()
