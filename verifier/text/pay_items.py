"""What a pay statement in a posting's text is: the main offer, a component, or something else.

Postings state several pay items: 底薪+提成, 基本工资4000，绩效工资1000, training-period day
pay, weekly advances, what experienced staff or managers earn. Only like can be compared
with like: the structured salary contradicts the text's *main* figure, or a component
(base, performance pay, allowance) larger than the whole; it cannot contradict what a
promoted manager earns, an advance, or a training-day rate.

- ``other``: about someone or some time else (平均/最高/优秀/老员工/晋升/主管/经理/总监/
  可达/员工; 试用期/培训期/实习/借支/预支/首月): never compared.
- ``component``: a part of the pay (底薪, 基本工资, 绩效, 全勤, 加班费, 补贴, 提成 ...):
  compared as a floor only.
- ``main``: the rest (薪资, 月薪, 综合工资 ...).
"""

from __future__ import annotations

import re
from typing import Literal

from verifier.text.salary import SalaryParse

Kind = Literal["main", "component", "other"]

_CLAUSE = re.compile(r"[。；;！!？?\n，,（(）)]")
_OTHER = re.compile(
    r"平均|月均|最高|优秀|老员工|老师傅|熟手|晋升|升职|主管|经理|总监|店长|合伙人|可达|达到|突破"
    r"|员工|经纪人|试用期|培训期|培训工资|学徒|实习|借支|预支|预知|首月|前[一二三两1-3]个月"
    r"|转正前|年收入|年薪|年包"
)
_COMPONENT = re.compile(
    r"底薪|保底|基本工资|基本薪资|基础工资|岗位工资|绩效|全勤|加班|补贴|补助|津贴|餐补|房补"
    r"|提成|奖金|奖励|分红"
)


def pay_kind(norm: str, item: SalaryParse) -> Kind:
    """Classify one statement found by `iter_pay` in the normalized text `norm`."""
    start = item.start
    cut = max((m.end() for m in _CLAUSE.finditer(norm, max(0, start - 40), start)), default=-1)
    clause_start = cut if cut >= 0 else max(0, start - 40)
    before_figure = norm[clause_start:item.end]
    if _OTHER.search(before_figure):
        return "other"
    if _COMPONENT.search(norm[max(clause_start, start - 6):item.end]):
        return "component"
    return "main"
