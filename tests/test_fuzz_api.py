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

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fix_seed
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Schemathesis' acceptance rule is replaced by ours: a valid-looking request may still break
# a rule JSON Schema cannot state across parameters (`month` needs `year`, `from` not after
# `to`): then 400 naming the parameter. Invalid input is refused with 400, 404 (an article
# id) or 414 (an overlong query string).
OWN_RULES = [positive_data_acceptance]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": ["400", "404", "414"]}}}
)


def names_a_parameter(message: str, query: dict[str, Any]) -> bool:
    """Say whether an error message names one of the request's parameters in quotes."""
    return any(f"'{name}'" in message for name in query)


def fuzz_api(index: Path, examples: int, mode: str, seed: int | None = None) -> dict[str, Any]:
    """Send about `examples` generated requests per operation; return what was sent and seen."""
    from searchsvc.web import create_app

    app = create_app({"index": index, "rate_limit": False})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for found in schema.get_all_operations():
        operation = found.ok()
        if mode == "negative" and not operation.query and not operation.path_parameters:
            continue  # nothing to break in an operation without parameters
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
        run = _one_operation(strategy, mode, examples, sent, statuses)
        (fix_seed(seed)(run) if seed is not None else run)()
    total = sum(sent.values())
    return {"mode": mode, "requests": total, "by_operation": sent, "statuses": statuses}


def _one_operation(
    strategy: Any, mode: str, examples: int, sent: Counter[str], statuses: Counter[int]
) -> Any:
    """Return a hypothesis test that sends generated cases of one operation and checks them."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def one(case: Any) -> None:
        response = case.call_and_validate(excluded_checks=OWN_RULES)
        sent[f"{case.method} {case.path}"] += 1
        statuses[response.status_code] += 1
        assert response.status_code < 500
        if mode == "positive" and response.status_code == 400:
            assert names_a_parameter(response.json()["error"], case.query or {}), response.text

    return one


def test_api_conforms_to_its_document_on_valid_requests(sample_index: Path) -> None:
    """Valid generated requests to every operation: no 5xx, responses match the document."""
    got = fuzz_api(sample_index, examples=220, mode="positive")
    # Every operation but the document itself, which schemathesis fetched to start with.
    assert len(got["by_operation"]) == 6, got["by_operation"]
    assert got["requests"] >= 660, got  # with the negative run: over 1,000


def test_api_refuses_invalid_requests_with_4xx(sample_index: Path) -> None:
    """Requests that break the document: a documented 4xx in the error shape, never a 5xx."""
    got = fuzz_api(sample_index, examples=115, mode="negative")
    assert len(got["by_operation"]) == 4, got["by_operation"]
    assert got["requests"] >= 340, got
