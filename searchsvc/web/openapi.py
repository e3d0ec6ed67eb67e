"""The OpenAPI 3.1 document of the JSON API, built from the same limits the web layer enforces."""

from __future__ import annotations

from typing import Any

from searchsvc import __version__
from searchsvc.searching import MAX_PAGE, MAX_PER_PAGE, SORTS
from searchsvc.web.params import ID_PATTERN, MAX_SUGGEST, MAX_YEAR, MIN_YEAR

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    """Return a reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> Schema:
    """Return a schema for a value of kind or null."""
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Schema], description: str) -> Schema:
    """Return a closed object schema whose properties are all required."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _schemas() -> dict[str, Schema]:
    """Return the component schemas."""
    return {**_search_schemas(), **_other_schemas()}


TEXT_LIST: Schema = {"type": "array", "items": {"type": "string"}}


def _other_schemas() -> dict[str, Schema]:
    """Return the schemas of errors, suggestions, articles, stats and health."""
    return {
        "Error": _object(
            {
                "error": {"type": "string", "minLength": 1, "description": "Plain words."},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
            },
            "The one shape of every 4xx and 5xx answer.",
        ),
        "Suggestions": _object(
            {
                "query": {"type": "string"},
                "suggestions": {
                    "type": "array",
                    "items": {"type": "string"},
                    "maxItems": MAX_SUGGEST,
                },
            },
            "Completions for what a visitor is typing.",
        ),
        "Article": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "body": {"type": "string", "description": "Plain text, not HTML."},
                "paragraphs": TEXT_LIST,
                "url": _nullable("string"),
                "published": _nullable("string"),
                "category": _nullable("string"),
                "views": _nullable("integer"),
                "permalink": {"type": "string"},
                "documents": {"type": "array", "items": _ref("CitedDocument")},
                "related": {"type": "array", "items": _ref("RelatedArticle"), "maxItems": 5},
            },
            "A full article.",
        ),
        "RelatedArticle": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "published": _nullable("string"),
                "category": _nullable("string"),
                "permalink": {"type": "string"},
            },
            "An article sharing distinctive words or cited numbers with this one.",
        ),
        "CitedDocument": _object(
            {
                "number": {"type": "string", "description": "As written: 45/KH-UBND."},
                "doc_type": _nullable("string", description="Kind code (KH), if known."),
                "doc_type_name": _nullable("string"),
                "issuer": _nullable("string", description="Issuer code (UBND)."),
                "issuer_name": _nullable("string"),
                "year": _nullable("integer"),
                "issued": _nullable("string", description="Issue date written after the number."),
                "search": {"type": "string", "description": "Path of a search for the number."},
            },
            "A document the article cites.",
        ),
        "Stats": _object(_stats_properties(), "The loaded index."),
        "Health": _object(
            {"status": {"type": "string", "enum": ["ok"]}, **_stats_properties()},
            "The service answers from a loaded index.",
        ),
    }


def _search_schemas() -> dict[str, Schema]:
    """Return the schemas of a search result."""
    facet_list: Schema = {"type": "array", "items": _ref("FacetValue")}
    return {
        "Hit": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "url": _nullable("string", description="The article on the main site."),
                "published": _nullable("string", description="ISO 8601, Hà Nội local time."),
                "category": _nullable("string"),
                "score": {"type": "number"},
                "snippet": {
                    "type": "string",
                    "description": "HTML-escaped passage with matched words in <mark>.",
                },
                "permalink": {"type": "string", "description": "Path of the article page."},
                "documents": {
                    **TEXT_LIST,
                    "description": "Numbers of the documents it cites (45/KH-UBND).",
                },
            },
            "One search result.",
        ),
        "FacetValue": {
            **_object(
                {
                    "value": {"type": "string"},
                    "count": {"type": "integer", "minimum": 0},
                    "label": {"type": "string", "description": "The name of a code (KH)."},
                },
                "A facet value and how many matching articles carry it.",
            ),
            "required": ["value", "count"],
        },
        "Facets": {
            "type": "object",
            "description": "Counts over all matching articles; month only when a year is chosen. "
            "doc_type and issuer count articles citing a document of that kind or issuer.",
            "properties": {
                "category": facet_list,
                "year": facet_list,
                "month": facet_list,
                "doc_type": facet_list,
                "issuer": facet_list,
            },
            "additionalProperties": facet_list,
        },
        "Understood": _object(
            {
                "searched": {"type": "string", "description": "What was actually searched."},
                "telex": _nullable("string", description="The Vietnamese a Telex query meant."),
                "expansions": TEXT_LIST,
                "fallback": {"type": "boolean", "description": "Partial matches, not all terms."},
                "excluded": TEXT_LIST,
                "notes": TEXT_LIST,
                "period": {"oneOf": [_ref("Period"), {"type": "null"}]},
            },
            "How the query was read.",
        ),
        "Period": _object(
            {
                "label": {"type": "string", "description": "As shown: `tháng 3/2023`."},
                "start": {"type": "string", "description": "First day, ISO 8601."},
                "end": {"type": "string", "description": "Last day, ISO 8601."},
                "applied": {
                    "type": "boolean",
                    "description": "Results narrowed to articles published then; false when "
                    "none was, and the words were searched as text.",
                },
                "without": {"type": "string", "description": "The query without the period."},
            },
            "A month or year typed in the query, read as a publication-time filter.",
        ),
        "SearchResult": _object(
            {
                "query": {"type": "string"},
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "pages": {"type": "integer", "minimum": 1},
                "hits": {"type": "array", "items": _ref("Hit"), "maxItems": MAX_PER_PAGE},
                "facets": _ref("Facets"),
                "did_you_mean": _nullable("string"),
                "understood": _ref("Understood"),
                "took_ms": {"type": "number", "minimum": 0},
                "partial": {
                    "type": "boolean",
                    "description": "The time budget ran out before every word was checked: "
                    "the hits match the first words (always at least the first), so total "
                    "can be higher than the full count, never a false 0.",
                },
            },
            "One page of results with facets.",
        ),
    }


def _stats_properties() -> dict[str, Schema]:
    """Return the properties shared by stats and health."""
    return {
        "documents": {"type": "integer", "minimum": 0},
        "generation": _nullable("string"),
        "built_at": _nullable("string", description="ISO 8601: when its build ran."),
        "updated_at": _nullable(
            "string", description="ISO 8601: when the loaded generation was made (its update)."
        ),
    }


def _query(name: str, schema: Schema, description: str) -> Schema:
    """Return an optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _search_parameters() -> list[Schema]:
    """Return the parameters of /api/search."""
    date_text = "ISO date (YYYY-MM-DD); DD/MM/YYYY is accepted too. Inclusive."
    return [
        _query("q", {"type": "string"}, "What to search (the query string: 8000 bytes at most)."),
        _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Default 1."),
        _query(
            "per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Default 10."
        ),
        _query("category", {"type": "string"}, "Exact category, as in the category facet."),
        _query(
            "year", {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}, "Year published."
        ),
        _query("month", {"type": "integer", "minimum": 1, "maximum": 12}, "Month; needs `year`."),
        _query("from", {"type": "string", "format": "date"}, date_text),
        _query("to", {"type": "string", "format": "date"}, date_text + " Before `from`: no hits."),
        _query(
            "sort",
            {"type": "string", "enum": list(SORTS)},
            "Default relevance.",
        ),
        _query(
            "doc_type",
            {"type": "string"},
            "Articles citing a document of this kind: a code of the doc_type facet (KH) or its "
            "name (Kế hoạch), with or without accents.",
        ),
        _query(
            "issuer",
            {"type": "string"},
            "Articles citing a document of this issuer: a code of the issuer facet (UBND) or "
            "its name (Ủy ban nhân dân).",
        ),
    ]


def _json_content(schema: Schema) -> Schema:
    """Return a JSON content map for schema."""
    return {"application/json": {"schema": schema}}


def _error(description: str, headers: Schema | None = None) -> Schema:
    """Return an error response."""
    response: Schema = {"description": description, "content": _json_content(_ref("Error"))}
    if headers:
        response["headers"] = headers
    return response


def _responses(ok: str, schema: str, *codes: int) -> Schema:
    """Return the responses of an API operation: its success and the listed errors."""
    texts = {
        400: "An invalid parameter, named in the message.",
        404: "No article with this id.",
        414: "The query string is too long.",
        429: "Rate limit reached; retry after `Retry-After` seconds.",
        500: "Unexpected failure (logged; no details returned).",
        503: "No index is loaded.",
    }
    responses: Schema = {"200": {"description": ok, "content": _json_content(_ref(schema))}}
    retry = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    for code in codes:
        responses[str(code)] = _error(texts[code], retry if code == 429 else None)
    return responses


def _opensearch_responses(codes: tuple[int, ...]) -> Schema:
    """Return the responses of the OpenSearch suggestions: a JSON array, errors as usual."""
    shape: Schema = {
        "type": "array",
        "description": "The query, then the list of completions (at most 10).",
        "items": {"anyOf": [{"type": "string"}, {**TEXT_LIST, "maxItems": MAX_SUGGEST}]},
        "minItems": 2,
        "maxItems": 2,
    }
    ok = {"description": "[query, [completions]]", "content": {_SUGGESTIONS: {"schema": shape}}}
    return {**_responses("", "Suggestions", *codes), "200": ok}


_SUGGESTIONS = "application/x-suggestions+json"


def _paths() -> dict[str, Schema]:
    """Return the operations."""
    common = (414, 429, 500, 503)
    free = (414, 500, 503)  # web/limits.FREE: never rate-limited, so never 429
    article_id = {
        "name": "article_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": ID_PATTERN},
    }
    suggest_params = [
        _query("q", {"type": "string"}, "What is typed so far."),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_SUGGEST}, "Default 10."),
    ]
    return {
        "/api/search": _get(
            "search", "Search the archive.", _search_parameters(),
            _responses("Results.", "SearchResult", 400, *common),
        ),
        "/api/suggest": _get(
            "suggest", "Complete what a visitor types (accent-insensitive).", suggest_params,
            _responses("Completions.", "Suggestions", 400, *common),
        ),
        "/api/suggest/opensearch": _get(
            "suggest_opensearch",
            "Completions as browsers read them (OpenSearch): [query, [completions]].",
            suggest_params[:1], _opensearch_responses(common),
        ),
        "/api/articles/{article_id}": _get(
            "article", "Return one full article.", [article_id],
            _responses("The article.", "Article", 404, *common),
        ),
        "/api/stats": _get("stats", "Describe the loaded index.", [],
                           _responses("Index figures.", "Stats", *free)),
        "/healthz": _get("health", "200 when an index is loaded, else 503.", [],
                         _responses("Healthy.", "Health", *free)),
        "/api/openapi.json": _get(
            "openapi", "This document.", [],
            {"200": {"description": "OpenAPI 3.1.", "content": _json_content({"type": "object"})},
             **{k: v for k, v in _responses("", "Stats", 414, 500).items() if k != "200"}},
        ),
    }  # fmt: skip


def _get(operation_id: str, summary: str, parameters: list[Schema], responses: Schema) -> Schema:
    """Return a path item with one GET operation."""
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": responses,
        }
    }


def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "searchsvc: tìm kiếm tin tức quận Tây Hồ",
            "version": __version__,
            "description": "Full-text search of the district's news archive. Errors always have "
            'the shape {"error": "...", "status": N}.',
        },
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {"schemas": _schemas()},
    }
