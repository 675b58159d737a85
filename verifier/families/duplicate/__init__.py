"""Duplicate family: the same posting text under another employer, or repeated with
inconsistent facts (`duplicate.*`), from the near-duplicate fact of `verifier.dedup`.

Reads `rules/duplicate/duplicate.toml`.
"""
