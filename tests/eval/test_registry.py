"""The evaluation's own registry (verifier/eval/registry.py), the `verifier eval` registry
options, and the corpus registry (fixtures/corpus/registry.jsonl) they default to."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from tests.factories import posting_dict
from verifier.commands.eval import command
from verifier.eval.labels import load_corpus
from verifier.eval.registry import default_registry
from verifier.registry.generate import generate
from verifier.registry.records import EnterpriseRecord, Status
from verifier.registry.uscc import validate_uscc
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus" / "postings.jsonl"

REGISTRY = ROOT / "fixtures" / "corpus" / "registry.jsonl"
HONEST = ("legit", "salary", "content")


def _records(n: int, seed: int) -> list[dict[str, Any]]:
    return list(generate(n, seed=seed))


def _corpus(path: Path, postings: list[tuple[dict[str, Any], str, str]]) -> Path:
    rows = [orjson.dumps({"posting": posting_dict(posting_id=f"p{i}", **over),
                          "label": {"outcome": out, "category": cat}})
            for i, (over, out, cat) in enumerate(postings)]
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


def test_eval_imports_the_given_registry_into_a_temp_database(tmp_path: Path) -> None:
    """--registry FILE is judged against; DATABASE_URL is never created or read."""
    dead = {**_records(1, seed=7)[0], "status_raw": "注销", "status": "deregistered"}
    huawei = {"uscc": "914403001922038216", "name": "华为技术有限公司", "status_raw": "存续",
              "division_code": "440300", "established": "1987-09-15"}
    reg = tmp_path / "reg" / "companies.jsonl"
    reg.parent.mkdir()
    reg.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in (huawei, dead)))
    corpus = _corpus(tmp_path / "c.jsonl", [
        ({}, "approve", "legit"),
        ({"enterprise": {"name": dead["name"], "uscc": dead["uscc"]}}, "reject", "registry"),
    ])
    db = tmp_path / "v.db"
    res = CliRunner().invoke(command, [str(corpus), "--json", "--registry", str(reg)],
                             obj=Settings(DATABASE_URL=f"sqlite+aiosqlite:///{db}"))
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.output)
    assert data["registry"]["file"] == str(reg) and data["registry"]["records"] == 2
    assert data["confusion"] == {"approve": {"approve": 1}, "reject": {"reject": 1}}
    assert not db.exists()


def test_eval_registry_csv_through_a_mapping_skips_bad_rows(tmp_path: Path) -> None:
    """A CSV registry goes through --registry-mapping; rows without a code are skipped and
    counted (--skip-bad semantics), the rest judge the postings."""
    good = _records(1, seed=3)[0]
    reg = tmp_path / "companies.csv"
    reg.write_text("企业名称,信用代码,经营状态\n"
                   f"{good['name']},{good['uscc']},吊销，未注销\n"
                   "无代码贸易有限公司,,存续\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[source]\nformat = "csv"\n[columns]\nname = "企业名称"\n'
                       'code = "信用代码"\nstatus = "经营状态"\n', encoding="utf-8")
    corpus = _corpus(tmp_path / "c.jsonl", [
        ({"enterprise": {"name": good["name"], "uscc": good["uscc"]}}, "reject", "registry")])
    res = CliRunner().invoke(command, [str(corpus), "--json", "--registry", str(reg),
                                       "--registry-mapping", str(mapping)])
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.output)
    assert (data["registry"]["records"], data["registry"]["skipped"]) == (1, 1)
    assert data["confusion"] == {"reject": {"reject": 1}}


@pytest.mark.parametrize(("args", "says"), [
    (["--registry-mapping", "{m}"], "--registry-mapping needs --registry"),
    (["--registry", "{empty}"], "registry:"),
    (["--registry", "{reg}", "--no-registry"], "exclude each other"),
])
def test_eval_refuses_bad_registry_options(tmp_path: Path, args: list[str], says: str) -> None:
    """Registry options that cannot work exit 2 and say why."""
    files = {"m": tmp_path / "m.toml", "empty": tmp_path / "e.jsonl", "reg": tmp_path / "r.jsonl"}
    files["m"].write_text("", encoding="utf-8")
    files["empty"].write_text("", encoding="utf-8")
    files["reg"].write_bytes(orjson.dumps(_records(1, seed=1)[0]) + b"\n")
    corpus = _corpus(tmp_path / "c.jsonl", [({}, "approve", "legit")])
    argv = [str(corpus), *(a.format(**{k: str(v) for k, v in files.items()}) for a in args)]
    res = CliRunner().invoke(command, argv)
    assert res.exit_code == 2 and says in res.output


@pytest.mark.parametrize(("corpus", "sibling", "expected"), [
    ("c.jsonl", True, "registry.jsonl"),
    ("c.jsonl", False, None),
    ("c.csv", True, None),
])
def test_default_registry_is_the_one_beside_a_jsonl_corpus(
        tmp_path: Path, corpus: str, sibling: bool, expected: str | None) -> None:
    """Without --registry a JSONL corpus uses the registry.jsonl next to it, a CSV none."""
    if sibling:
        (tmp_path / "registry.jsonl").write_text("{}\n", encoding="utf-8")
    got = default_registry(tmp_path / corpus)
    assert got == (tmp_path / expected if expected else None)
    assert default_registry(CORPUS) == REGISTRY


def test_corpus_registry_knows_every_honest_employer() -> None:
    """Honest employers are registered, active, with valid codes the posting (usually) gives."""
    recs = [EnterpriseRecord.model_validate_json(x) for x in REGISTRY.read_bytes().splitlines()]
    by_name = {n: r for r in recs for n in (r.name, *r.former_names)}
    assert len({r.uscc for r in recs}) == len(recs)
    assert all(r.uscc and validate_uscc(r.uscc).valid for r in recs)
    honest = [i for i in load_corpus(CORPUS) if i.label.category in HONEST]
    with_code = 0
    for item in honest:
        ent = item.posting.enterprise
        rec = by_name[ent.name]
        assert rec.status is Status.active, ent.name
        if ent.uscc is not None:
            with_code += 1
            assert ent.uscc == rec.uscc, ent.name
    assert 0.8 <= with_code / len(honest) < 0.97
    real = {"华为技术有限公司": "914403001922038216",
            "招商银行股份有限公司": "9144030010001686XA",
            "小米科技有限责任公司": "91110108551385082Q",
            "中航重机股份有限公司": "91520000214434146R"}
    assert {n: by_name[n].uscc for n in real} == real


def test_corpus_exercises_every_registry_check() -> None:
    """Each registry rule a reviewer can expect is expected by at least one labelled posting,
    and fraudulent employers come in every registry situation."""
    items = load_corpus(CORPUS)
    expected = {r for i in items for r in i.label.rules if r.startswith("registry")}
    for rule in ["registry.status.deregistered", "registry.status.revoked",
                 "registry.status.liquidating", "registry.status.cancelled",
                 "registry.status.closed_temporarily", "registry.status.moved_out",
                 "registry.status.suspended", "registry.name_mismatch", "registry.lookalike",
                 "registry.too_new", "registry.list.abnormal",
                 "registry.list.serious_violation", "registry.claim.zjtx",
                 "registry.uscc.invalid", "registry.not_found"]:
        assert rule in expected, rule
    situations = Counter(i.label.note.rsplit("employer: ", 1)[1] for i in items
                         if "employer: " in i.label.note)
    assert len(situations) == 8 and min(situations.values()) >= 3
