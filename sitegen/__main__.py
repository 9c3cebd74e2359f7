"""Allow ``python -m sitegen``."""

from .cli import main

main()
