"""Registry family: the employer against the enterprise registry — USCC validity, existence,
name match and lookalikes, standing, age and list entries (`registry.*`).

Reads `rules/registry/`: its rules (rules.toml), checks.toml, brands.toml and the USCC
tables (divisions.csv, uscc_authorities.csv); the registry data itself is the shared core
`verifier.registry`.
"""
