"""Place-name suffixes of China's provincial-level divisions, shared by every family that
compares provinces (salary's wage regions, content's region table)."""

from __future__ import annotations

import re

PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
"""Longest first: `广西壮族自治区` loses `壮族自治区`, not just `自治区`."""

PROVINCE_SUFFIX = re.compile("(?:" + "|".join(PROVINCE_SUFFIXES) + ")$")
"""One of the suffixes at the end of a name (at most one can match a given end)."""
