"""Issue 14 causes 3 (under 16), 4 (fees), 7 (contacts), 9 (paid likes) and the evasions."""

from __future__ import annotations

import pytest

from tests.precision.conftest import Decide, decisive, rules
from verifier.models import Outcome

BASE = "负责产线装配和质检，做五休二。"


@pytest.mark.parametrize("text", [
    "公司不收取任何费用，入职无押金、无服装费。",
    "负责打击刷单和虚假交易，维护平台秩序。",
    "每年两次探亲路费补贴。",
    "入职体检费用公司报销，路费报销。",
    "服装费公司承担，工装统一发放。",
    "路费、体检费，入职满一个月后由公司全额报销。",
    "福利：生日红包、过节红包、年终奖。",
    "公司统一安排免费体检。",
])
async def test_honest_fee_mentions_pass(decide: Decide, text: str) -> None:
    """Fees the employer pays, negated or reimbursed across clauses, and lists of perks."""
    ev = await decide(title="装配工", description=BASE + text, experience="1-3年")
    assert ev.outcome == Outcome.approve, decisive(ev)


@pytest.mark.parametrize("text", [
    "入职需先交 押 金500元。",
    "入職需繳納押金300元，離職退還。",
    "上岗前需交培训费800元，可退。",
    "先交培训费500元，培训合格后公司报销。",
    "需到指定医院体检，体检费300元交至公司财务。",
    "统一代收体检费150元。",
    "服装费200元从首月工资扣除前需先付。",
])
async def test_collecting_fees_rejects(decide: Decide, text: str) -> None:
    """Deposits and fees collected by the employer (or for it), evasions included."""
    ev = await decide(title="装配工", description=BASE + text, experience="1-3年")
    assert ev.outcome == Outcome.reject, decisive(ev)
    assert any(r.startswith("keywords.fee_upfront") for r in decisive(ev))


async def test_self_paid_hospital_check_is_info(decide: Decide) -> None:
    """体检费用50元自备 at a hospital is info: visible, not a hold."""
    ev = await decide(title="装配工", description=BASE + "体检费用50元自备，企业统一体检。",
                      experience="1-3年")
    assert ev.outcome == Outcome.approve
    found = {f.rule: f for f in ev.findings}["keywords.fee_upfront.health_check"]
    assert found.severity == "info" and found.evidence.spans[0].text == "体检费"


@pytest.mark.parametrize(("text", "held"), [
    ("简历请投递至招聘邮箱hr@example.com，或致电公司座机010-62345678。", False),
    ("公司官网www.example.com查看更多岗位。", False),
    ("有意者加我微信详聊。", True),
    ("详情加薇信：abc12345", True),
    ("联系QQ：12345678", True),
    ("加V：job_2022a", True),
])
async def test_company_channels_are_normal_personal_handles_flag(
        decide: Decide, text: str, held: bool) -> None:
    """A mailbox, landline or website is normal; a personal WeChat/QQ handle is not."""
    ev = await decide(title="装配工", description=BASE + text, experience="1-3年")
    assert (ev.outcome != Outcome.approve) is held, decisive(ev)


@pytest.mark.parametrize("text", [
    "抖音点赞关注，每单3元，日结。",
    "淘宝好评返现，一单5元。",
    "关注点赞任务，单价2元，佣金当天结算。",
])
async def test_paid_likes_per_item_reject(decide: Decide, text: str) -> None:
    """Per-item paid 点赞/关注/好评 tasks are rejects, not flags."""
    ev = await decide(title="兼职", description=text, employment_type="part_time")
    assert ev.outcome == Outcome.reject, decisive(ev)


@pytest.mark.parametrize(("text", "rejected"), [
    ("年龄14-20岁，能吃苦耐劳。", True),
    ("年龄：15周岁以上即可。", True),
    ("招收16岁以下学生暑假工。", True),
    ("不招收未满16周岁人员。", False),
    ("年龄16-45岁，身体健康。", False),
    ("负责照顾1-3岁宝宝的日常起居。", False),
])
async def test_under_16_is_child_labour(decide: Decide, text: str, rejected: bool) -> None:
    """An age condition admitting under-16s rejects; refusing them or children cared for do not."""
    ev = await decide(title="普工", description=text, experience="不限")
    assert ("content.under_16" in decisive(ev)) is rejected
    if rejected:
        assert ev.outcome == Outcome.reject


async def test_list_marks_are_not_bridged(decide: Decide) -> None:
    """包、过 across an enumeration comma is not 包过; 包过 itself still rejects."""
    ok = await decide(title="行政", description="福利：生日红包、过节红包。", experience="1-3年")
    assert "keywords.impersonation_guarantee" not in rules(ok)
    bad = await decide(title="考证", description="报名即包过，不过退款。", experience="1-3年")
    assert ev_rejected(bad.outcome)


def ev_rejected(outcome: Outcome) -> bool:
    """Whether an outcome is a reject."""
    return outcome == Outcome.reject
