"""API fuzzing (issue 7): schemathesis drives every endpoint of /api/openapi.json.

Positive cases (valid by the document) and negative ones (violating it) go to the real app
in-process (WSGI). Every response must be no 5xx and conform to the document: status code,
content type, headers and body schema; invalid input must be refused with a 4xx. The
harness takes its size as an argument so `scripts/soak` runs it larger.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fix_seed
from schemathesis import GenerationMode
from test_reliability import cli, missing_piece

if missing_piece():  # pragma: no cover - during bring-up
    pytest.skip(f"SKIPPED until {missing_piece()} lands", allow_module_level=True)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an index of the bundled sample archive."""
    path = tmp_path_factory.mktemp("fuzzapi") / "index"
    done = cli("index", "build", "--index", path)
    assert done.returncode == 0, done.stderr
    return path


def fuzz_api(index: Path, examples: int, mode: str, seed: int | None = None) -> dict[str, Any]:
    """Send `examples` generated requests over all operations; return what was sent and seen."""
    from searchsvc.web import create_app

    app = create_app({"index": index, "rate_limit": False})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy(generation_mode=GenerationMode(mode)))
    def one(case: Any) -> None:
        response = case.call_and_validate()
        sent[f"{case.method} {case.path}"] += 1
        statuses[response.status_code] += 1
        assert response.status_code < 500

    (fix_seed(seed)(one) if seed is not None else one)()
    return {
        "mode": mode,
        "requests": sum(sent.values()),
        "by_operation": sent,
        "statuses": statuses,
    }


def test_api_conforms_to_its_document_on_valid_requests(index: Path) -> None:
    """Valid generated requests to every operation: no 5xx, responses match the document."""
    got = fuzz_api(index, examples=700, mode="positive")
    assert got["requests"] >= 700
    assert len(got["by_operation"]) == 6, got["by_operation"]


def test_api_refuses_invalid_requests_with_4xx(index: Path) -> None:
    """Requests that break the document: a documented 4xx in the error shape, never a 5xx."""
    got = fuzz_api(index, examples=400, mode="negative")
    assert got["requests"] >= 300, got
