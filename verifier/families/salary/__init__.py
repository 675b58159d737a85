"""Salary family: unparsed, implausible or bait pay, pay text vs structured figures, pay
below the local minimum wage and far outside market bands (`salary.*`).

Reads `rules/salary/`: its rules (rules.toml), salary.toml, mismatch.toml, min_wage.toml
with min_wage_*.csv and city_tiers.csv, market.toml with bands.csv, intern_bands.csv and
market_tiers.csv.
"""
