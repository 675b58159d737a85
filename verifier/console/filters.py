"""Jinja filters of the console: times in China Standard Time, durations, numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8), "CST")


def when(value: datetime | None) -> str:
    """`2026-12-06 19:30` in Beijing time; empty for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def duration(seconds: float | None) -> str:
    """`1小时5分` / `3分20秒` / `—`."""
    if seconds is None:
        return "—"
    s = max(int(seconds), 0)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    if h:
        return f"{h}小时{m}分"
    return f"{m}分{sec:02d}秒" if m else f"{sec}秒"


def pct(value: float | None) -> str:
    """A share as a percentage."""
    return "—" if value is None else f"{value * 100:.1f}%"


FILTERS: dict[str, Callable[..., Any]] = {"when": when, "duration": duration, "pct": pct}
