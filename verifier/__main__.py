"""`python -m verifier` runs the CLI."""

from verifier.cli import main

main()
