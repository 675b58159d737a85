"""`verifier check`: a JSONL file of postings through the same pipeline, offline."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import orjson
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from verifier.models import Decision, Posting
from verifier.pipeline.offline import offline_engine, offline_resources
from verifier.review.webhooks.outbox import decision_events
from verifier.service import build_decision
from verifier.settings import Settings
from verifier.store.chain import PostingRecord
from verifier.store.writer import DecisionWriter


def _read(path: Path) -> list[tuple[int, Posting | str]]:
    out: list[tuple[int, Posting | str]] = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                data = orjson.loads(line)
                if isinstance(data, dict) and "posting" in data and "posting_id" not in data:
                    data = data["posting"]
                out.append((n, Posting.model_validate_json(orjson.dumps(data))))
            except orjson.JSONDecodeError as exc:
                out.append((n, f"not JSON: {exc}"))
            except ValidationError as exc:
                out.append((n, "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or '(line)'}: {e['msg']}"
                    for e in exc.errors(include_url=False))))
    return out


@asynccontextmanager
async def _database(settings: Settings, record: bool, console: Console
                    ) -> AsyncIterator[Settings]:
    """Settings naming the database to check against. `record`: the service's database,
    which must exist. Otherwise that database when it exists (only read), else an empty
    temporary one (said on stderr)."""
    from verifier.eval.registry import eval_settings
    from verifier.failures import OperatorError
    from verifier.store.open import open_existing

    missing: OperatorError | None = None
    try:
        async with open_existing(settings.database_url):
            pass
    except OperatorError as exc:
        if record:
            raise
        missing = exc
    if missing is None:
        yield settings
        return
    console.print(f"note: {missing.what}; checking against an empty registry and no "
                  "earlier postings (nothing is written)", soft_wrap=True, highlight=False)
    async with eval_settings(settings, None) as (local, _used):
        yield local


async def check_file(
    settings: Settings, src: Path, dst: Path, portal: str, record: bool
) -> int:
    """Decide every posting in `src`, write decisions to `dst`; 0 if every line was read."""
    console = Console(stderr=True)
    items = _read(src)
    outcomes: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    bad = 0
    decisions: list[Decision] = []
    postings: list[PostingRecord] = []
    async with (_database(settings, record, console) as used,
                offline_engine(used, record=record) as engine):
        with dst.open("wb") as out, Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=console, transient=True,
        ) as progress:
            task = progress.add_task("checking", total=len(items))
            for line, item in items:
                progress.advance(task)
                if isinstance(item, str):
                    bad += 1
                    out.write(orjson.dumps({"line": line, "error": item}) + b"\n")
                    continue
                now = datetime.now(UTC)
                ev = await engine.evaluate(item, now, portal=portal)
                received = PostingRecord.of(item)
                d = build_decision(portal, item, received.content_hash, ev, now)
                decisions.append(d)
                postings.append(received)
                outcomes[d.outcome.value] += 1
                rules.update({f.rule for f in d.findings if not f.shadow})
                out.write(d.model_dump_json().encode() + b"\n")
    if record and decisions:
        async with offline_resources(settings) as res:
            writer = DecisionWriter(res.engine, hooks=[decision_events])
            await writer.start()
            try:
                await writer.submit_many(decisions, None, postings)
            finally:
                await writer.close()
    table = Table(title=f"{src.name}: {len(items)} postings")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for k in ("approve", "flag", "reject"):
        table.add_row(k, str(outcomes[k]))
    if bad:
        table.add_row("unreadable", str(bad))
    console.print(table)
    rt = Table(title="findings by rule")
    rt.add_column("rule")
    rt.add_column("postings", justify="right")
    for rule, n in rules.most_common():
        rt.add_row(rule, str(n))
    console.print(rt)
    console.print(f"decisions written to {dst}")
    return 1 if bad else 0
