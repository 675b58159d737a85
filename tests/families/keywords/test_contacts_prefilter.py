"""The contact finder's fast paths (prefilters, one pass over joined fields) never change what
it finds: compared with the plain per-field scan it replaced."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.families.keywords import contacts as C
from verifier.families.keywords.contacts import Contact, ContactFinder
from verifier.text.match import Folder
from verifier.text.normalize import TextView

DIGITS = {"1": "一壹⑴", "3": "三叁", "8": "八捌⑧", "0": "零〇"}
QQ = ["qq", "扣扣"]
WECHAT = ["微信", "vx", "wx", "微"]


def plain_find(finder: ContactFinder, view: TextView) -> list[Contact]:
    """The finder as it was: every pattern over the whole of one field, no prefilter."""
    if not view.norm:
        return []
    compact = finder.folder.compact(view.norm)
    text, found = compact.text, []
    for m in C._RUN.finditer(text):
        raw = m.group()
        if sum(ch.isdigit() for ch in raw) < 4:
            continue
        kind, value = finder._classify(raw.translate(C._CONFUSABLE),
                                       text[max(0, m.start() - 8):m.start()])
        if kind:
            s, e = compact.span(m.start(), m.end())
            found.append(Contact(kind, value, s, e, view.original[s:e]))
    norm = view.norm
    for m in finder._wechat_id.finditer(norm):
        s, e = m.span(1)
        if not m.group(1).isdigit():
            found.append(Contact("wechat", m.group(1), s, e, view.original[s:e]))
    for kind, rx in (("email", C._EMAIL), ("url", C._URL)):
        for m in rx.finditer(norm):
            s, e = m.span()
            found.append(Contact(kind, m.group(), s, e, view.original[s:e]))
    found.sort(key=lambda c: (c.start, -(c.end - c.start)))
    out: list[Contact] = []
    for c in found:
        if not (out and c.start < out[-1].end):
            out.append(c)
    return out


FINDER = ContactFinder(Folder(DIGITS), QQ, WECHAT)
ALPHABET = "0123456789olixyzabc@._-/: 一三八零⑧微信vxwqQ扣，。()[]twcomnhps\n"
WORDS = ["138", "0013", "8000", "qq", "vx", "微信", "www.", ".com", ".cn", "http://",
         "@a.cn", "(at)", "abc_12", "l38OO", "扣扣", "86", " ", "，", "lil", "9999"]
TEXTS = st.lists(st.one_of(st.text(ALPHABET, max_size=6), st.sampled_from(WORDS)),
                 max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS)
def test_fast_finder_equals_plain_scan(first: str, second: str) -> None:
    views = [TextView.of(first), TextView.of(second)]
    plain = [plain_find(FINDER, v) for v in views]
    assert [FINDER.find(v) for v in views] == plain
    joined = FINDER.folder.join([v.norm for v in views])
    assert FINDER.find_fields(joined, views) == plain


def test_cue_window_stops_at_the_field_start() -> None:
    views = [TextView.of("联系qq"), TextView.of("123456789")]
    joined = FINDER.folder.join([v.norm for v in views])
    assert FINDER.find_fields(joined, views) == [[], []]
    views = [TextView.of("工程师"), TextView.of("qq 123456789 或 13800138000")]
    joined = FINDER.folder.join([v.norm for v in views])
    got = FINDER.find_fields(joined, views)
    assert [(c.kind, c.text) for c in got[1]] == [("qq", "123456789"), ("mobile", "13800138000")]


def test_url_hint_is_implied_by_every_url() -> None:
    for u in ["www.a", "https://x", "a.com", "t.me/x", "b.cn/", "x.app?"]:
        for m in C._URL.finditer(u):
            assert C._URL_HINT.search(m.group() + " ")
    assert re.search(C._ID_SHAPE, "abc_12") and not C._ID_SHAPE.search("abc_1")
