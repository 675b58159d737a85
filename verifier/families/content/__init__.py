"""Content family: missing or implausible posting content and inconsistencies between its
parts — title vs duties, requirements vs occupation, employer profile that is an ad, work
region vs registered region, headcount and scope vs the registry record (`content.*`).

Reads `rules/content/`: its rules (rules.toml), content.toml, title.toml, profile.toml,
requirements.toml, registry.toml, region.toml and the occupation taxonomy occupations.toml.
"""
