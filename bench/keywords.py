"""Benchmark of the keyword engine: throughput per core at 500, 5,000 and 50,000 phrases.

    .venv/bin/python bench/keywords.py [--corpus PATH.csv] [--postings N] [--re-seconds S]

Input: the title and description columns of a posting CSV (e.g. the ORFD sample under
../shared/data/postings; columns jobTitle/jobDescription or title/description), or, without
--corpus, synthetic postings built from a few template sentences with full-width
punctuation. Phrases: the rule pack's own keyword entries plus synthetic phrases drawn from
the corpus's character frequencies (2-6 characters) up to each size. For each size it
prints the automaton build time and memory, then MB/s (UTF-8 bytes of title + description)
and postings/s for the whole check (normalization included: `TextView` + compact form +
scan + context + findings), MB/s on the same text regrouped into 100,000-character
descriptions (where per-posting overhead no longer counts), and for a plain `re`
alternation over the same phrases (same normalization, compiled once; scanned for at most
--re-seconds). One process, one core.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier.families.keywords.checks import KeywordsCheck  # noqa: E402
from verifier.families.keywords.lexicon import Entry, Lexicon, make_entries  # noqa: E402
from verifier.families.keywords.scan import Scanner  # noqa: E402
from verifier.families.keywords.schema import PhraseSpec  # noqa: E402
from verifier.models import Posting, Severity  # noqa: E402
from verifier.pack import PackReader  # noqa: E402
from verifier.pipeline.facts import context  # noqa: E402
from verifier.text.normalize import normalize, translation_table  # noqa: E402

TEMPLATES = [
    "岗位职责：１、负责公司核心业务系统的开发与维护，参与需求分析、系统设计和代码评审；",
    "２、熟悉Java、Spring Boot和MySQL，有良好的沟通能力（团队协作）！",
    "任职要求：本科及以上学历，计算机相关专业，２年以上工作经验。薪资８Ｋ－１２Ｋ，五险一金，",
    "周末双休，带薪年假，节日福利。工作地点：北京市朝阳区望京ＳＯＨＯ塔２。",
    "本公司不收取任何费用，谨防刷单诈骗。欢迎应届毕业生投递简历，提供完善的岗前培训。",
    "诚招服务员，无需经验，时间自由，日结。负责餐厅点餐、上菜、清洁等工作。",
]


def load_corpus(path: Path | None, limit: int) -> list[Posting]:
    """Postings from a CSV, or synthetic ones."""
    rows: list[tuple[str, str]] = []
    if path is not None:
        csv.field_size_limit(10**9)
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                title = (row.get("jobTitle") or row.get("title") or "").strip()[:200] or "岗位"
                desc = (row.get("jobDescription") or row.get("description") or "")[:100_000]
                rows.append((title, desc))
                if len(rows) >= limit:
                    break
    else:
        rnd = random.Random(7)
        for i in range(limit):
            body = "".join(rnd.choice(TEMPLATES) for _ in range(rnd.randint(3, 12)))
            rows.append((f"岗位{i}", body))
    base = {"posting_id": "b", "enterprise": {"name": "某某科技有限公司"}}
    return [Posting.model_validate({**base, "title": t, "description": d}) for t, d in rows]


def big_postings(postings: list[Posting]) -> list[Posting]:
    """The same text regrouped into postings of 100,000 characters (the contract's maximum)."""
    out: list[Posting] = []
    buf = ""
    for p in postings:
        buf += p.description + "\n"
        while len(buf) >= 100_000:
            out.append(postings[0].model_copy(update={"description": buf[:100_000]}))
            buf = buf[100_000:]
    return out


def synthetic_phrases(
    postings: list[Posting], count: int, weighted: bool, seed: int = 1
) -> list[str]:
    """Random 2-6 character phrases over the corpus's 4,000 commonest CJK characters.

    `weighted`: characters drawn with their corpus frequencies (worst case: phrases made of
    common characters hit honest text all the time); otherwise uniformly (like a real
    blocklist, whose phrases are rare in honest text).
    """
    freq: Counter[str] = Counter()
    for p in postings[:2000]:
        freq.update(ch for ch in p.description if "\u4e00" <= ch <= "\u9fff")
    chars, counts = zip(*freq.most_common(4000), strict=True)
    weights = counts if weighted else [1] * len(chars)
    rnd = random.Random(seed)
    out: set[str] = set()
    while len(out) < count:
        n = rnd.choices((2, 3, 4, 5, 6), (10, 30, 35, 15, 10))[0]
        out.add("".join(rnd.choices(chars, weights, k=n)))
    return sorted(out)


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 1e6


def run_check(check: KeywordsCheck, postings: list[Posting]) -> tuple[float, int]:
    """Seconds for normalize + check over all postings, and findings made."""
    now = datetime(2022, 4, 15, tzinfo=UTC)
    made = 0
    t0 = time.process_time()
    for p in postings:
        made += len(check.check(context(p, now)))
    return time.process_time() - t0, made


def run_re(check: KeywordsCheck, rx: re.Pattern[str], postings: list[Posting],
           budget: float) -> tuple[float, int, int]:
    """Seconds, postings done and matches for the `re` alternation (bounded by `budget`)."""
    folder = check.scanner.folder
    t0 = time.process_time()
    done = hits = 0
    for p in postings:
        for text in (p.title, p.description):
            hits += sum(1 for _ in rx.finditer(folder.compact(normalize(text)).text))
        done += 1
        if time.process_time() - t0 > budget:
            break
    return time.process_time() - t0, done, hits


def main() -> None:
    """Run the benchmark and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--postings", type=int, default=3000)
    ap.add_argument("--re-seconds", type=float, default=10.0)
    ap.add_argument("--weighted", action="store_true",
                    help="synthetic phrases from frequency-weighted characters (worst case)")
    args = ap.parse_args()
    postings = load_corpus(args.corpus, args.postings)
    mb = sum(len(p.title.encode()) + len(p.description.encode()) for p in postings) / 1e6
    big = big_postings(postings)
    big_mb = sum(len(p.title.encode()) + len(p.description.encode()) for p in big) / 1e6
    print(f"corpus: {len(postings)} postings, {mb:.2f} MB "
          f"({'synthetic' if args.corpus is None else args.corpus.name})")
    t0 = time.perf_counter()
    check = KeywordsCheck.load(PackReader(ROOT / "rules"))
    print(f"rule pack load (tables + {check.scanner.lexicon.size} entries): "
          f"{time.perf_counter() - t0:.2f} s")
    base: list[Entry] = [e for _, es in check.scanner.lexicon.keys for e in es]
    negation = check.scanner.negation
    t0 = time.process_time()
    for p in postings:
        normalize(p.title)
        normalize(p.description)
    norm_s = time.process_time() - t0
    t0 = time.process_time()
    for p in postings:
        p.title.translate(translation_table())
        p.description.translate(translation_table())
    naive_s = time.process_time() - t0
    print(f"normalize alone: {mb / norm_s:.1f} MB/s (numpy lookup); "
          f"{mb / naive_s:.1f} MB/s as a plain str.translate")
    print("MB/s and post/s: CPU seconds of this process (one core), normalization included;")
    print(f"100k MB/s: the same text as {len(big)} postings of 100,000 characters")
    print(f"{'phrases':>8} {'keys':>7} {'build s':>8} {'RSS MB':>7} "
          f"{'MB/s':>6} {'post/s':>7} {'finds':>6} {'100k MB/s':>9} | {'re build s':>10} "
          f"{'re MB/s':>8} {'re post/s':>9}")
    for size in (500, 5_000, 50_000):
        extra = synthetic_phrases(postings, max(0, size - len(base)), args.weighted)
        rss0 = rss_mb()
        t0 = time.perf_counter()
        folder = check.scanner.folder
        entries = list(base)
        for text in extra:
            spec = PhraseSpec(text=text, severity=Severity.flag)
            entries += make_entries(spec, "keywords.fee_upfront", folder, [], 1, Severity.flag)
        lexicon = Lexicon(entries)
        build = time.perf_counter() - t0
        grown = rss_mb() - rss0
        check.scanner = Scanner(lexicon, folder, negation, check.params)
        # Lowest of three runs: other processes on a shared machine only ever add time.
        secs, made = min(run_check(check, postings) for _ in range(3))
        big_secs = min(run_check(check, big)[0] for _ in range(3))
        keys = sorted({k for k in (folder.key(e.form) for e in entries)}, key=len, reverse=True)
        t0 = time.perf_counter()
        rx = re.compile("|".join(map(re.escape, keys)))
        re_build = time.perf_counter() - t0
        re_secs, re_done, _ = run_re(check, rx, postings, args.re_seconds)
        re_mb = sum(len(p.title.encode()) + len(p.description.encode())
                    for p in postings[:re_done]) / 1e6
        print(f"{size:>8,} {len(lexicon.keys):>7,} {build:>8.2f} {grown:>7.1f} "
              f"{mb / secs:>6.1f} {len(postings) / secs:>7.0f} {made:>6} "
              f"{big_mb / big_secs:>9.1f} | {re_build:>10.2f} "
              f"{re_mb / re_secs:>8.2f} {re_done / re_secs:>9.0f}")


if __name__ == "__main__":
    main()
