"""`python -m monitor` runs the `monitor` command."""

from .cli import main

main()
