"""Personal contact details in free text: mobile numbers, QQ, WeChat ids, URLs, e-mail.

Digits are read from the compact matching form (`verifier.text.match`), so spaces, dashes,
keycaps, Chinese numerals and circled digits inside a number do not hide it
(``壹叁捌-0013 8000``, ``①③⑧…``); inside a run of digits the look-alike letters ``o`` and
``l``/``i`` count as 0 and 1 (``l38OOl38OOO``). A run is a mobile number when it reads
``1[3-9]`` plus nine digits (an ``86`` prefix allowed); a QQ number when a QQ cue (qq, 扣扣,
企鹅 …) stands just before it; a WeChat id when a WeChat cue (微信, vx, wx …) does. WeChat
ids made of letters, URLs and e-mail addresses are read from the normalized text, where
full-width forms are already ASCII. Offsets in every `Contact` are original offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from verifier.text.match import Folder, Joined
from verifier.text.normalize import TextView

_CONFUSABLE = str.maketrans({"o": "0", "l": "1", "i": "1"})
_RUN = re.compile(r"(?<![a-z0-9])[0-9oli]{5,}(?![a-z0-9])|(?<![0-9])[0-9]{5,}(?![0-9])")
_MOBILE = re.compile(r"(?:86)?(1[3-9][0-9]{9})")
_QQ = re.compile(r"[1-9][0-9]{4,11}")
# Cheap necessary conditions, tried before the patterns above (whose leading look-behinds
# make the regex engine try every position): every `_RUN` match lies inside a `_RUN_SPAN`
# run, every `_URL` match contains a `_URL_HINT`, every WeChat id a `_ID_SHAPE`.
_RUN_SPAN = re.compile(r"[0-9oli]{5,}")
_DIGITS = re.compile(r"[0-9]")
_ID_SHAPE = re.compile(r"[a-z][-_a-z0-9]{5}")
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9._%+-]+(?:@|\(at\)|\[at\])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
)
_URL = re.compile(
    r"(?:https?://|www\.)[a-z0-9./?=&%#_~+:-]+"
    r"|(?<![a-z0-9@._-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|top|xyz|cc|vip|info|io|me"
    r"|club|site|shop|ltd|link|app)(?![a-z0-9])(?:/[a-z0-9./?=&%#_~+-]*)?"
)

_URL_HINT = re.compile(
    r"://|www\.|\.(?:com|cn|net|org|top|xyz|cc|vip|info|io|me|club|site|shop|ltd|link|app)"
    r"(?![a-z0-9])"
)


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact detail: kind (mobile, qq, wechat, url, email), value, original span."""

    kind: str
    value: str
    start: int
    end: int
    text: str


def _literals(words: tuple[str, ...]) -> re.Pattern[str]:
    """A search for any of `words` (never matches when there are none)."""
    return re.compile("|".join(map(re.escape, words)) or r"(?!)")


def _cue_pattern(cues: Iterable[str]) -> str:
    parts = sorted({c for c in cues if c}, key=len, reverse=True)
    return "|".join(r"\s*".join(re.escape(ch) for ch in c) for c in parts)


class ContactFinder:
    """Finds contacts with cue words given as data (`rules/keywords/contact.toml`)."""

    def __init__(self, folder: Folder, qq_cues: list[str], wechat_cues: list[str]) -> None:
        self.folder = folder
        self.qq_cues = tuple(folder.key(c) for c in qq_cues if folder.key(c))
        self.wechat_cues = tuple(folder.key(c) for c in wechat_cues if folder.key(c))
        self._wechat_cue = re.compile(_cue_pattern(wechat_cues))
        # Whether any (folded) cue occurs in the few characters before a digit run.
        self._qq_before = _literals(self.qq_cues)
        self._wechat_before = _literals(self.wechat_cues)
        self._wechat_id = re.compile(
            r"(?<![a-z0-9])(?:" + _cue_pattern(wechat_cues) + r")\s*(?:号|id)?\s*[:=]?\s*"
            r"([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])"
        )

    def find(self, view: TextView) -> list[Contact]:
        """Every contact in one field, ordered by position, overlaps removed."""
        if not view.norm:
            return []
        return self.find_fields(self.folder.join([view.norm]), [view])[0]

    def find_fields(self, joined: Joined, views: Sequence[TextView]) -> list[list[Contact]]:
        """`find` for each of several fields, given their joined compact form (`Folder.join`
        of the views' normalized texts, in order): one pass over the digits of all of them."""
        per_field: list[list[Contact]] = [[] for _ in views]
        for k, c in self._numbers(joined, views):
            per_field[k].append(c)
        out: list[list[Contact]] = []
        for view, found in zip(views, per_field, strict=True):
            found += self._texts(view) if view.norm else []
            found.sort(key=lambda c: (c.start, -(c.end - c.start)))
            kept: list[Contact] = []
            for c in found:
                if kept and c.start < kept[-1].end:
                    continue
                kept.append(c)
            out.append(kept)
        return out

    def _numbers(self, joined: Joined, views: Sequence[TextView]) -> list[tuple[int, Contact]]:
        out: list[tuple[int, Contact]] = []
        text = joined.compact.text
        n = len(text)
        for span in _RUN_SPAN.finditer(text):
            # A run with fewer than four digits holds no match that counts; `_RUN` is run
            # only over the run (plus one character for its look-ahead). Runs never cross
            # fields: the line break joining two fields is a kept sentence mark.
            if len(_DIGITS.findall(span.group())) >= 4:
                out.extend(self._runs(text, joined, views, span.start(), min(n, span.end() + 1)))
        return out

    def _runs(
        self, text: str, joined: Joined, views: Sequence[TextView], lo: int, hi: int
    ) -> list[tuple[int, Contact]]:
        out: list[tuple[int, Contact]] = []
        compact = joined.compact
        for m in _RUN.finditer(text, lo, hi):
            raw = m.group()
            if sum(map(str.isdigit, raw)) < 4:
                continue
            k = joined.compact_field_of(m.start())
            # The cue window stops at the start of the run's own field.
            floor = joined.compact_starts[k]
            kind, value = self._classify(raw.translate(_CONFUSABLE),
                                         text[max(floor, m.start() - 8):m.start()])
            if kind:
                start, end = compact.span(m.start(), m.end())
                start, end = start - joined.starts[k], end - joined.starts[k]
                out.append((k, Contact(kind, value, start, end, views[k].original[start:end])))
        return out

    def _classify(self, digits: str, before: str) -> tuple[str, str]:
        mobile = _MOBILE.fullmatch(digits)
        if mobile:
            return "mobile", mobile.group(1)
        if self._qq_before.search(before) and _QQ.fullmatch(digits):
            return "qq", digits
        if self._wechat_before.search(before) and 5 <= len(digits) <= 20:
            return "wechat", digits
        return "", ""

    def _texts(self, view: TextView) -> list[Contact]:
        norm, out = view.norm, []
        if _ID_SHAPE.search(norm) and self._wechat_cue.search(norm):
            for m in self._wechat_id.finditer(norm):
                s, e = m.span(1)
                if not m.group(1).isdigit():
                    out.append(Contact("wechat", m.group(1), s, e, view.original[s:e]))
        email = "@" in norm or "(at)" in norm or "[at]" in norm
        url = _URL_HINT.search(norm) is not None
        for kind, rx, maybe in (("email", _EMAIL, email), ("url", _URL, url)):
            if not maybe:
                continue
            for m in rx.finditer(norm):
                s, e = m.span()
                out.append(Contact(kind, m.group(), s, e, view.original[s:e]))
        return out
