"""The contact finder's prefilters never change what it finds (against the plain scan)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.text import contacts as C
from verifier.text.contacts import Contact, ContactFinder
from verifier.text.match import Compact, Folder
from verifier.text.normalize import TextView

DIGITS = {"1": "一壹⑴", "3": "三叁", "8": "八捌⑧", "0": "零〇"}
QQ = ["qq", "扣扣"]
WECHAT = ["微信", "vx", "wx", "微"]


class PlainFinder(ContactFinder):
    """The finder as it was before the prefilters: every pattern over the whole field."""

    def _numbers(self, compact: Compact, view: TextView) -> list[Contact]:
        return self._runs(compact.text, compact, view, 0, len(compact.text))

    def _texts(self, view: TextView) -> list[Contact]:
        norm, out = view.norm, []
        for m in self._wechat_id.finditer(norm):
            s, e = m.span(1)
            if not m.group(1).isdigit():
                out.append(Contact("wechat", m.group(1), s, e, view.original[s:e]))
        for kind, rx in (("email", C._EMAIL), ("url", C._URL)):
            for m in rx.finditer(norm):
                s, e = m.span()
                out.append(Contact(kind, m.group(), s, e, view.original[s:e]))
        return out


FAST = ContactFinder(Folder(DIGITS), QQ, WECHAT)
PLAIN = PlainFinder(Folder(DIGITS), QQ, WECHAT)
ALPHABET = "0123456789olixyzabc@._-/: 一三八零⑧微信vxwqQ扣，。()[]twcomnhps"
WORDS = ["138", "0013", "8000", "qq", "vx", "微信", "www.", ".com", ".cn", "http://",
         "@a.cn", "(at)", "abc_12", "l38OO", "扣扣", "86", " ", "，", "lil", "9999"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.text(ALPHABET, max_size=6), st.sampled_from(WORDS)), max_size=25))
def test_prefiltered_finder_equals_plain_scan(parts: list[str]) -> None:
    view = TextView.of("".join(parts))
    assert FAST.find(view) == PLAIN.find(view)


def test_url_hint_is_implied_by_every_url() -> None:
    urls = ["www.a", "https://x", "a.com", "t.me/x", "b.cn/", "x.app?"]
    for u in urls:
        for m in C._URL.finditer(u):
            assert C._URL_HINT.search(m.group() + " ")
    assert re.search(C._ID_SHAPE, "abc_12") and not C._ID_SHAPE.search("abc_1")
