"""Structured logs: one JSON object per line (structlog), secrets and phone numbers masked.

Every record, from structlog or from the standard `logging` module, goes through the same
chain: the request id of the current request is added, phone numbers and API keys in any
string value are masked, and the JSON renderer escapes control characters, so a value
holding a newline (a decoded `%0a` in a path) can never start a line of its own.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import orjson
import structlog
from structlog.typing import EventDict, Processor

from verifier.obs.context import REQUEST_ID

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?\d{3,4}(\d{4})(?!\d)")
_KEY = re.compile(r"\b(pv_[a-z]+_)[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)\S+")
_SECRET_FIELDS = frozenset({"authorization", "api_key", "key", "password", "token"})


def mask(text: str) -> str:
    """`text` with mobile and landline numbers and API keys masked."""
    text = _BEARER.sub(r"\1***", text)
    text = _KEY.sub(r"\1***", text)
    text = _PHONE.sub(r"\1****\2", text)
    return _LANDLINE.sub(r"\1-****\2", text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    return value


def mask_processor(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """Mask every string value of the record; drop fields that are secrets by name."""
    for k in list(event):
        if k.lower() in _SECRET_FIELDS:
            event[k] = "***"
        else:
            event[k] = _mask_value(event[k])
    return event


def _dumps(obj: MutableMapping[str, Any], **_kw: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def add_request_id(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """The id of the request being served, read when a record is made (not bound per request:
    most requests log nothing at the configured level)."""
    rid = REQUEST_ID.get()
    if rid is not None:
        event.setdefault("request_id", rid)
    return event


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
    ]


def route_structlog_to_stdlib() -> None:
    """structlog loggers hand their records to `logging`, whose handler renders them."""
    if structlog.is_configured():
        return
    structlog.configure(
        # Dropped first when the logger's level is off: a record nobody will see (the access
        # log at LOG_LEVEL=WARNING) costs a level check, not the processor chain.
        processors=[structlog.stdlib.filter_by_level, *_shared(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def handler(fmt: str = "json", stream: TextIO | None = None) -> logging.Handler:
    """A handler rendering every record (structlog's or stdlib's) as a JSON line or text."""
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_dumps) if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared(), structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            mask_processor,
            renderer,
        ],
    )
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(formatter)
    return out


def configure(level: str = "INFO", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Send every log record to `stream` (stderr) as JSON lines (`fmt="json"`) or text."""
    route_structlog_to_stdlib()
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(fmt, stream))
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
