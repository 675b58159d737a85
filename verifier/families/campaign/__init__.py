"""Campaign family: tags postings of named recruitment campaigns and flags those outside a
campaign's phases or asking graduates for experience (`campaign.*`).

Reads `rules/campaign/campaigns.toml`; its rules are declared in `rules/campaign/rules.toml`.
"""
