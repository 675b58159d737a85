"""Contact detection: numbers through obfuscation, QQ/WeChat by their cues, URLs, e-mail."""

from __future__ import annotations

import pytest

from verifier.families.keywords.contacts import ContactFinder
from verifier.text.match import Folder
from verifier.text.normalize import TextView

DIGITS = {
    "0": "零〇⓪⓿", "1": "一壹幺⑴❶", "2": "二贰两", "3": "三叁⑶❸", "4": "四肆", "5": "五伍",
    "6": "六陆", "7": "七柒", "8": "八捌⑧❽", "9": "九玖",
}
QQ = ["qq", "扣扣", "企鹅"]
WECHAT = ["微信", "薇信", "v信", "vx", "wx"]


@pytest.fixture(scope="module")
def finder() -> ContactFinder:
    return ContactFinder(Folder(DIGITS), QQ, WECHAT)


@pytest.mark.parametrize(
    ("text", "kind", "value", "span"),
    [
        ("联系电话：138-0013-8000", "mobile", "13800138000", "138-0013-8000"),
        ("电话 138 0013 8000 王先生", "mobile", "13800138000", "138 0013 8000"),
        ("壹叁捌 零零壹叁 捌零零零", "mobile", "13800138000", "壹叁捌 零零壹叁 捌零零零"),
        ("①③⑧⓪⓪①③⑧⓪⓪⓪", "mobile", "13800138000", "①③⑧⓪⓪①③⑧⓪⓪⓪"),
        ("l38OOl38OOO", "mobile", "13800138000", "l38OOl38OOO"),
        ("+86 13800138000", "mobile", "13800138000", "86 13800138000"),
        ("１３８００１３８０００", "mobile", "13800138000", "１３８００１３８０００"),
        ("加qq 123456789", "qq", "123456789", "123456789"),
        ("扣扣：⑴⑶⑴⑶⑴⑶", "qq", "131313", "⑴⑶⑴⑶⑴⑶"),
        ("vx：abc_123", "wechat", "abc_123", "abc_123"),
        ("ＶＸ：ａｂｃ１２３", "wechat", "abc123", "ａｂｃ１２３"),
        ("微信号 wxid_abcdef", "wechat", "wxid_abcdef", "wxid_abcdef"),
        ("微信 20230415", "wechat", "20230415", "20230415"),
        ("访问 www.example.com 了解", "url", "www.example.com", "www.example.com"),
        ("详见 https://a.cn/x?y=1 。", "url", "https://a.cn/x?y=1", "https://a.cn/x?y=1"),
        ("t.me/abcdef", "url", "t.me/abcdef", "t.me/abcdef"),
        ("简历发送至 hr@example.com", "email", "hr@example.com", "hr@example.com"),
        ("简历发送至 hr＠example.com", "email", "hr@example.com", "hr＠example.com"),
    ],
)
def test_finds(finder: ContactFinder, text: str, kind: str, value: str, span: str) -> None:
    found = finder.find(TextView.of(text))
    assert [(c.kind, c.value) for c in found] == [(kind, value)]
    assert found[0].text == span
    assert text[found[0].start:found[0].end] == span


@pytest.mark.parametrize(
    "text",
    [
        "薪资8000-12000，2022年4月15日",
        "工作时间9:00-18:00，周末双休",
        "负责微信公众号运营",
        "dev abc123",
        "熟悉Java、Spring Boot和MySQL",
        "年薪20万-30万",
        "hello world",
        "订单号 12345678",
        "qq音乐运营",
        "",
    ],
)
def test_ignores(finder: ContactFinder, text: str) -> None:
    assert finder.find(TextView.of(text)) == []


def test_several_in_order(finder: ContactFinder) -> None:
    text = "电话13800138000，微信：abc_123，邮箱 a@b.com"
    assert [c.kind for c in finder.find(TextView.of(text))] == ["mobile", "wechat", "email"]
