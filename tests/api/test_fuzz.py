"""No input produces a 500: generated bodies (random JSON, posting-shaped, raw bytes)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import free_port
from tests.factories import posting_dict
from tests.live import Server, start_server

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=10), c, max_size=5),
    max_leaves=20,
)
ANY_VALUE = JSON | st.text(max_size=300) | st.integers(min_value=-(2**70), max_value=2**70)
FIELDS = [*posting_dict().keys(), "company_profile", "channel", "campaign", "experience"]


@st.composite
def posting_shaped(draw: st.DrawFn) -> dict[str, Any]:
    base = posting_dict()
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()):
            base.pop(key, None)
        else:
            base[key] = draw(ANY_VALUE)
    if draw(st.booleans()):
        base[draw(st.text(min_size=1, max_size=8))] = draw(ANY_VALUE)
    return base


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    srv = start_server(free_port(), f"sqlite+aiosqlite:///{tmp}/f.db", tmp)
    yield srv
    srv.stop()


def send(server: Server, path: str, body: bytes) -> tuple[int, str]:
    req = urllib.request.Request(
        server.url + path, data=body, method="POST",
        headers={"Authorization": "Bearer demo-portal-key", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", "")


def assert_no_500(status: int, ctype: str) -> None:
    assert status < 500, status
    if status >= 400:
        assert ctype.startswith("application/problem+json")


FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(body=JSON)
def test_random_json(server: Server, body: Any) -> None:
    assert_no_500(*send(server, "/v1/postings/verify", json.dumps(body).encode()))


@FUZZ
@given(body=posting_shaped())
def test_posting_shaped(server: Server, body: dict[str, Any]) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert_no_500(*send(server, "/v1/postings/verify", raw))
    batch = json.dumps({"postings": [body, body]}, ensure_ascii=False).encode()
    assert_no_500(*send(server, "/v1/postings/verify-batch", batch))


@FUZZ
@given(body=st.binary(max_size=400))
def test_raw_bytes(server: Server, body: bytes) -> None:
    assert_no_500(*send(server, "/v1/postings/verify", body))


@FUZZ
# Any text but NUL, which the database cannot store (422: tests/api/test_unstorable.py), and
# lone surrogates, which are no Unicode text (400: test_lone_surrogate_is_refused below).
@given(text=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                    max_size=2000))
def test_any_text_in_every_free_field(server: Server, text: str) -> None:
    body = posting_dict(title=text[:200] or "x", description=text, company_profile=text,
                        salary={"text": text[:200]}, experience=text[:200],
                        enterprise={"name": text[:300] or "x", "uscc": text[:40]})
    status, ctype = send(server, "/v1/postings/verify", json.dumps(body).encode())
    assert status == 200, (status, ctype)


def test_lone_surrogate_is_refused(server: Server) -> None:
    body = json.dumps(posting_dict(description="\ud800 招聘")).encode()
    status, ctype = send(server, "/v1/postings/verify", body)
    assert status == 400 and ctype == "application/problem+json", (status, ctype)
