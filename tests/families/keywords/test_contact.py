"""The contact check: personal contact details in the body become `contact.off_platform`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import load_check, make_facts, make_posting, refused
from verifier.families.keywords.contact import ContactCheck
from verifier.models import Finding


@pytest.fixture(scope="module")
def check() -> ContactCheck:
    return load_check(ContactCheck)


def run(check: ContactCheck, **kw: object) -> list[Finding]:
    posting = make_posting(**kw)
    return check.check(make_facts(posting))


@pytest.mark.parametrize(
    ("desc", "kinds", "severity"),
    [
        ("有意者请致电 壹叁捌-零零壹叁-捌零零零 王经理", ["mobile"], "flag"),
        ("加企鹅 987654321 详聊", ["qq"], "flag"),
        ("薇信：job_2022a，邮箱 hr@example.com", ["wechat", "email"], "flag"),
        ("简历投递 www.example.cn", ["url"], "info"),  # usually the employer's own site
        ("简历请发 hr@example.com", ["email"], "info"),
    ],
)
def test_flags_contacts(check: ContactCheck, desc: str, kinds: list[str], severity: str
                        ) -> None:
    (finding,) = run(check, description=desc)
    assert finding.rule == "contact.off_platform"
    assert finding.severity.value == severity
    assert [c["kind"] for c in finding.evidence.data["contacts"]] == kinds
    assert "非法引流" in finding.evidence.data["legal_basis"]
    for span in finding.evidence.spans:
        assert desc[span.start:span.end] == span.text


def test_title_counts_and_contact_field_does_not(check: ContactCheck) -> None:
    (finding,) = run(check, title="急招 13800138000")
    assert finding.evidence.spans[0].field == "title"
    assert run(check, contact="13800138000") == []


@pytest.mark.parametrize("desc", ["", "负责微信公众号运营，薪资8000-12000元", "\x01" * 1000,
                                  "1" * 100_000])
def test_quiet_on_honest_or_odd_text(check: ContactCheck, desc: str) -> None:
    assert run(check, description=desc) == []


def test_every_kind_is_named_by_the_pack(tmp_path: Path) -> None:
    """A kind of contact the pack does not name is refused at load, with file and line."""
    issues = refused(ContactCheck, tmp_path / "rules", "keywords/contact.toml",
                     'qq = "QQ号"\n', "")
    text = (tmp_path / "rules" / "keywords" / "contact.toml").read_text(encoding="utf-8")
    at = text.splitlines().index("[kinds]") + 1
    assert [(i.file, i.line, i.message) for i in issues] == [
        ("keywords/contact.toml", at, "kinds.qq: Field required")]
