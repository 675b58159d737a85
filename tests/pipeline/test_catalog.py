"""Loading rule packs: every problem refused with file and line; fingerprints track content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.factories import RULES
from verifier.families.campaign.checks import CampaignCheck
from verifier.families.content.checks import ContentCheck
from verifier.pack import RulePackError
from verifier.pipeline.catalog import Catalog

ROOT = RULES
CORE = [ContentCheck, CampaignCheck]
CONTENT = "content/content.toml"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(ROOT, dst)
    return dst


def test_repo_pack_loads_with_every_family() -> None:
    cat = Catalog.load(ROOT)
    assert {"content", "campaign"} <= {c.id for c in cat.checks}
    assert "engine.check_failed" in cat.rules
    assert len(cat.rules_version) == 16


def test_fingerprint_changes_with_data(pack: Path) -> None:
    before = Catalog.load(pack, CORE).rules_version
    assert Catalog.load(pack, CORE).rules_version == before
    (pack / "content" / "content.toml").write_text(
        "min_description_chars = 31\nmax_headcount = 1000\n")
    assert Catalog.load(pack, CORE).rules_version != before


@pytest.mark.parametrize(
    ("file", "text", "expect"),
    [
        (CONTENT, "min_description_chars = 30\nmax_headcount = \n", f"{CONTENT}:2"),
        (CONTENT, "min_description_chars = 30\ncolour = 1\n", f"{CONTENT}:2: colour"),
        (CONTENT, "min_description_chars = -1\n", f"{CONTENT}:1"),
        ("policy.toml", "flag_threshold = 60\n[rules.\"content.missing.pay\"]\nshadow = true\n",
         "policy.toml:2: rules: a rule's severity, score and shadow are declared with the rule"),
        ("policy.toml", "flag_threshold = 60\nflag_threshold = 70\n", "policy.toml:2"),
        ("campaign/campaigns.toml",
         '[[campaign]]\nid = "a"\nname = "A"\ntag = "A"\n[[campaign.phase]]\nname = "1"\n'
         'start = 2022-01-01\nend = 2022-02-01\n[[campaign]]\nid = "a"\nname = "B"\n'
         'tag = "B"\n[[campaign.phase]]\nname = "1"\nstart = 2022-01-01\nend = 2022-02-01\n',
         "campaign/campaigns.toml:10: duplicate campaign id 'a'"),
        ("campaign/campaigns.toml",
         '[[campaign]]\nid = "a"\nname = "A"\ntag = "A"\n[[campaign.phase]]\nname = "1"\n'
         'start = 2022-03-01\nend = 2022-02-01\n', "end is before start"),
    ],
)
def test_bad_pack_refused_with_file_and_line(pack: Path, file: str, text: str, expect: str
                                             ) -> None:
    (pack / file).write_text(text)
    with pytest.raises(RulePackError) as err:
        Catalog.load(pack)
    assert any(expect in str(i) for i in err.value.issues), err.value.issues


def test_missing_file_and_missing_dir(pack: Path, tmp_path: Path) -> None:
    (pack / "campaign" / "campaigns.toml").unlink()
    with pytest.raises(RulePackError, match=r"campaigns\.toml"):
        Catalog.load(pack, CORE)
    with pytest.raises(RulePackError, match="not found"):
        Catalog.load(tmp_path / "nowhere", CORE)


def test_duplicate_check_ids_refused(pack: Path) -> None:
    with pytest.raises(RulePackError, match="duplicate check id"):
        Catalog.load(pack, [ContentCheck, ContentCheck])


def test_rule_infos_show_declarations(pack: Path) -> None:
    """GET /v1/rules lists each rule as its family's file declares it."""
    rules = pack / "content" / "rules.toml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace('id = "content.missing.pay"\nseverity = "flag"',
                        'id = "content.missing.pay"\nseverity = "reject"')
    text = text.replace('id = "content.description_short"\n',
                        'id = "content.description_short"\nshadow = true\n')
    rules.write_text(text, encoding="utf-8")
    infos = {r.id: r for r in Catalog.load(pack, CORE).rule_infos()}
    assert infos["content.missing.pay"].severity == "reject"
    assert infos["content.description_short"].shadow
    assert infos["content.missing.pay"].description == "未写明基本劳动报酬（暂行条例第24条）。"
    assert infos["content.missing.pay"].check == "content"
