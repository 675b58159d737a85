"""The registry upsert body's schema promises no name the row builder refuses."""

from __future__ import annotations

import re
import sys

from verifier.api.openapi_registry import _TEXT

ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
             "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def test_a_name_of_white_space_alone_does_not_match() -> None:
    """Python's str.strip (the row builder's) and JSON Schema's `\\s` differ: a name the
    pattern allows is never empty to either."""
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} | set(ECMA_SPACE)
    assert not [s for s in spaces if re.search(_TEXT, s)]
    assert not re.search(_TEXT, "\x1d \ufeff\x85")
    assert re.search(_TEXT, " 华为 ") and not re.search(_TEXT, "华\x00为")
