"""Keywords family: fraud and discrimination phrases by category (`keywords.<category>.*`)
and personal contact details that divert applicants off the platform (`contact.*`, the
rule ids the API has always used).

Reads `rules/keywords/`: its rules (rules.toml), engine.toml, variants.toml, negation.toml,
one <category>.toml of phrases per category, and contact.toml (the contact check's fields
and cue words).
"""
