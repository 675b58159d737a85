"""CLI command modules. Each module exposes `command`, a click command or group that
`verifier.cli` adds to the `verifier` command; a new family adds a module, not an edit."""
