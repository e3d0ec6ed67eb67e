"""The web layer through Flask's test client: the JSON API contract, the pages, the headers.

A real index is built in a temporary directory from a small JSON Lines archive written here,
and the app is the real one from `create_app`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus as url_quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from searchsvc.config import Settings
from searchsvc.web import create_app
from searchsvc.web.openapi import document
from searchsvc.web.params import parse_date
from searchsvc.web.security import RateLimiter

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'

ARTICLES = [
    {
        "id": "thi-dua-2023",
        "title": "Quận Tây Hồ phát động phong trào thi đua năm 2023",
        "body": "Sáng 10/01/2023, Ủy ban nhân dân quận Tây Hồ tổ chức hội nghị phát động "
        "phong trào thi đua yêu nước năm 2023.\nCác phường Quảng An, Nhật Tân, Tứ Liên "
        "đăng ký giao ước thi đua.",
        "published": "2023-01-10T09:00:00+07:00",
        "category": "Tin tức",
        "url": "https://tayho.example.vn/tin/thi-dua-2023",
    },
    {
        "id": "cai-cach-2023",
        "title": "Kế hoạch 45/KH-UBND về cải cách hành chính",
        "body": "UBND quận Tây Hồ ban hành Kế hoạch số 45/KH-UBND về cải cách hành chính "
        "và chuyển đổi số năm 2023 trên địa bàn quận.",
        "published": "2023-03-09T08:00:00+07:00",
        "category": "Văn bản",
    },
    {
        "id": "hoa-dao-2022",
        "title": "Làng hoa đào Nhật Tân vào mùa Tết",
        "body": "Những ngày giáp Tết, làng hoa đào Nhật Tân thuộc quận Tây Hồ đón nhiều "
        "người dân đến chọn mua đào. Phường tăng cường bảo đảm an ninh trật tự.",
        "published": "2022-01-20T10:00:00+07:00",
        "category": "Tin tức",
    },
    {
        "id": "hoa-giai-2021",
        "title": "Tổ hòa giải phường Thụy Khuê hoạt động hiệu quả",
        "body": "Công tác hòa giải ở cơ sở tại phường Thụy Khuê, quận Tây Hồ, giúp giải quyết "
        "nhiều mâu thuẫn nhỏ trong khu dân cư.",
        "published": "2021-06-15T14:00:00+07:00",
        "category": "Tin tức",
    },
    {
        "id": "tiep-dan-2021",
        "title": "Lịch tiếp công dân tháng 7",
        "body": "Lãnh đạo UBND quận Tây Hồ tiếp công dân định kỳ vào thứ Năm hằng tuần tại "
        "trụ sở tiếp công dân của quận.",
        "published": "2021-07-01T08:00:00+07:00",
        "category": "Thông báo",
    },
    {
        "id": "xss-1",
        "title": f"Tây Hồ {SCRIPT} {IMG}",
        "body": f"Bài kiểm tra {SCRIPT} và {IMG} ở quận Tây Hồ, phường Bưởi.",
        "published": "2020-05-05T08:00:00+07:00",
        "category": "Tin tức",
        "url": "javascript:alert(1)",
    },
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a real index of the small archive above."""
    from searchsvc.indexing import indexer

    root = tmp_path_factory.mktemp("web")
    source = root / "archive.jsonl"
    lines = (json.dumps(a, ensure_ascii=False) for a in ARTICLES)
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    indexer.build([source], root / "index")
    return root / "index"


def make_app(index_dir: Path, **settings: Any) -> Flask:
    """Return the real app on index_dir, rate limit off unless asked."""
    return create_app({"index": index_dir, "rate_limit": False, **settings})


@pytest.fixture(scope="module")
def client(index_dir: Path) -> FlaskClient:
    """A test client of the app on the small index."""
    return make_app(index_dir).test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    """GET url, check the status and the JSON type, return the body."""
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


# ---------------------------------------------------------------- the API contract


def test_search_answers_every_documented_field(client: FlaskClient) -> None:
    """/api/search returns the documented fields with the right types."""
    body = get_json(client, "/api/search?q=tay+ho&per_page=3")
    assert {"query", "total", "page", "per_page", "hits", "facets"} <= set(body)
    assert {"did_you_mean", "understood", "took_ms", "pages", "partial"} <= set(body)
    assert body["query"] == "tay ho" and body["page"] == 1 and body["per_page"] == 3
    assert body["total"] == 6 and body["pages"] == 2 and len(body["hits"]) == 3
    for hit in body["hits"]:
        assert set(hit) == {
            *("id", "title", "url", "published", "category", "score", "snippet", "permalink"),
            "documents",
        }
        assert hit["permalink"] == f"/articles/{hit['id']}"
    years = {f["value"]: f["count"] for f in body["facets"]["year"]}
    assert years == {"2023": 2, "2022": 1, "2021": 2, "2020": 1}
    categories = {f["value"]: f["count"] for f in body["facets"]["category"]}
    assert categories == {"Tin tức": 4, "Văn bản": 1, "Thông báo": 1}


@pytest.mark.parametrize("query", ["tay ho", "Tây Hồ", "TÂY HỒ", "tây hồ"])
def test_accent_and_case_variants_find_the_same_articles(client: FlaskClient, query: str) -> None:
    """Unaccented, accented, upper-case and NFD queries find the same articles."""
    ids = set()
    for form in (query, unicodedata.normalize("NFD", query)):
        body = get_json(client, "/api/search?per_page=100&q=" + form.replace(" ", "+"))
        ids.add(frozenset(h["id"] for h in body["hits"]))
    assert len(ids) == 1 and len(next(iter(ids))) == 6


def test_hoa_and_hoa_tone_placements_match(client: FlaskClient) -> None:
    """'hoà' and 'hòa' (two tone placements) find the same article."""
    for query in ("hoà giải", "hòa giải", "hoa giai"):
        body = get_json(client, "/api/search?q=" + query)
        assert body["hits"] and body["hits"][0]["id"] == "hoa-giai-2021", query


def test_filters_and_sort(client: FlaskClient) -> None:
    """Category, year, month, date range and sort narrow and order the hits."""
    body = get_json(client, "/api/search?q=tay+ho&category=Tin+t%E1%BB%A9c")
    assert body["total"] == 4
    assert get_json(client, "/api/search?q=tay+ho&year=2021")["total"] == 2
    assert get_json(client, "/api/search?q=tay+ho&year=2021&month=7")["total"] == 1
    ranged = get_json(client, "/api/search?q=tay+ho&from=01/01/2022&to=2023-01-31")
    assert {h["id"] for h in ranged["hits"]} == {"hoa-dao-2022", "thi-dua-2023"}
    newest = get_json(client, "/api/search?q=tay+ho&sort=newest&per_page=100")
    dates = [h["published"] for h in newest["hits"]]
    assert dates == sorted(dates, reverse=True)
    oldest = get_json(client, "/api/search?q=tay+ho&sort=oldest&per_page=100")
    assert [h["published"] for h in oldest["hits"]] == sorted(dates)


def test_reversed_range_and_lone_month_are_not_errors(client: FlaskClient) -> None:
    """`from` after `to` is an empty range (200, no hits); `month` without `year` is ignored."""
    empty = get_json(client, "/api/search?q=tay+ho&from=2023-05-01&to=2023-01-01")
    assert empty["total"] == 0 and empty["hits"] == []
    assert get_json(client, "/api/search?q=tay+ho&month=5")["total"] == 6
    page = client.get("/?q=tay+ho&from=2023-05-01&to=2023-01-01").get_data(as_text=True)
    assert "“Từ ngày” đang ở sau “Đến ngày”" in page
    assert "Khoảng thời gian trống" not in page  # the core's note for it, said once only


def test_pagination_past_the_end_is_empty_not_an_error(client: FlaskClient) -> None:
    """A page past the last one answers 200 with no hits."""
    body = get_json(client, "/api/search?q=tay+ho&page=50")
    assert body["hits"] == [] and body["total"] == 6


BAD_PARAMETERS = [
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=abc", "page"),
    ("page=", "page"),
    ("page=1.5", "page"),
    ("page=1001", "page"),
    ("per_page=101", "per_page"),
    ("per_page=0", "per_page"),
    ("per_page=ten", "per_page"),
    ("sort=best", "sort"),
    ("sort=", "sort"),
    ("year=abc", "year"),
    ("year=20x3", "year"),
    ("year=99999", "year"),
    ("month=13", "month"),
    ("from=2023-02-30", "from"),
    ("from=31/02/2023", "from"),
    ("from=yesterday", "from"),
    ("to=2023/01/01", "to"),
    ("to=", "to"),
    ("limit=0", "limit"),
]


@pytest.mark.parametrize(("query", "name"), BAD_PARAMETERS)
def test_invalid_parameters_are_400_naming_the_parameter(
    client: FlaskClient, query: str, name: str
) -> None:
    """Every invalid parameter is a 400 in the one error shape, naming the parameter."""
    path = "/api/suggest" if name == "limit" else "/api/search"
    body = get_json(client, f"{path}?q=tay+ho&{query}", 400)
    assert set(body) == {"error", "status"} and body["status"] == 400
    assert f"'{name}'" in body["error"]


def test_hostile_queries_never_fail(client: FlaskClient) -> None:
    """Stray syntax, NUL and long queries answer 200 (or 414 past the URL limit), never 5xx."""
    for query in ['"', "title:", "((", "-", "*", "AND", "a%00b", "%FF%FE", "x" * 3000, "OR OR"]:
        response = client.get("/api/search?q=" + query)
        assert response.status_code == 200, (query, response.status_code)
    long = client.get("/api/search?q=" + "a" * 9000)
    assert long.status_code == 414 and long.get_json()["status"] == 414


def test_flask_errors_use_the_error_shape(client: FlaskClient) -> None:
    """Flask's own 404, 405 and 413 answer in the JSON error shape on the API."""
    cases = [
        (client.get("/api/nowhere"), 404),
        (client.post("/api/search"), 405),
        (client.delete("/api/articles/thi-dua-2023"), 405),
        (client.post("/api/search", data=b"x" * 50_000), 413),
        (client.get("/healthz/extra"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status
        assert response.get_json() == {"error": response.get_json()["error"], "status": status}
    assert "POST" not in client.post("/api/search").headers["Allow"]


def test_unexpected_exceptions_are_a_plain_500(
    index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug answers 500 with a generic message, logged, without a traceback in the body."""
    app = make_app(index_dir)

    def broken() -> str:
        raise RuntimeError("secret detail /etc/passwd")

    app.add_url_rule("/api/broken", "broken", broken)
    app.add_url_rule("/broken", "broken-page", broken)
    response = app.test_client().get("/api/broken")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert response.get_json()["status"] == 500
    assert "secret" not in body and "Traceback" not in body
    assert "secret detail" in caplog.text
    page = app.test_client().get("/broken")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret" not in page.get_data(as_text=True)


def test_suggest_completes_accent_insensitively(client: FlaskClient) -> None:
    """Suggestions come back for a folded prefix, at most `limit`, cacheable."""
    response = client.get("/api/suggest?q=lang+hoa")
    body = response.get_json()
    assert response.status_code == 200 and body["query"] == "lang hoa"
    assert any("Làng hoa đào" in s for s in body["suggestions"]), body
    assert "max-age" in response.headers["Cache-Control"]
    limited = get_json(client, "/api/suggest?q=t&limit=2")
    assert len(limited["suggestions"]) <= 2
    assert get_json(client, "/api/suggest?q=")["suggestions"] == []


def test_article_by_id(client: FlaskClient) -> None:
    """/api/articles/<id> returns the full article; an unknown id is 404."""
    body = get_json(client, "/api/articles/thi-dua-2023")
    assert body["title"].startswith("Quận Tây Hồ phát động")
    assert body["paragraphs"][1].startswith("Các phường Quảng An")
    assert body["published"].startswith("2023-01-10") and body["category"] == "Tin tức"
    missing = get_json(client, "/api/articles/no-such-article", 404)
    assert missing["status"] == 404


TRICKS = ["..", "../CURRENT", "..%2FCURRENT", "a%2Fb", "%2e%2e%2fetc", "a%00b", "%00", "a\\b"]


@pytest.mark.parametrize("trick", TRICKS)
def test_path_tricks_on_article_routes_are_404(client: FlaskClient, trick: str) -> None:
    """Traversal, encoded slashes and NUL in an article id answer 404 on both routes."""
    api = client.get("/api/articles/" + trick, follow_redirects=True)
    assert api.status_code == 404 and api.get_json()["status"] == 404
    page = client.get("/articles/" + trick, follow_redirects=True)
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_stats_and_health(client: FlaskClient) -> None:
    """Stats describe the index; health is 200 with an index loaded."""
    stats = get_json(client, "/api/stats")
    assert stats["documents"] == len(ARTICLES)
    assert set(stats) == {"documents", "generation", "built_at", "updated_at"}
    health = get_json(client, "/healthz")
    assert health["status"] == "ok" and health["documents"] == len(ARTICLES)


def test_without_an_index_health_is_503(tmp_path: Path) -> None:
    """An empty index directory: /healthz and the API answer 503 in the error shape."""
    client = make_app(tmp_path).test_client()
    for path in ("/healthz", "/api/search?q=a", "/api/stats"):
        body = get_json(client, path, 503)
        assert body["status"] == 503 and str(tmp_path) not in body["error"]
    page = client.get("/?q=a")
    assert page.status_code == 503 and page.mimetype == "text/html"


def test_no_endpoint_writes_to_the_index(client: FlaskClient, index_dir: Path) -> None:
    """Serving many requests leaves every byte of the index as it was."""

    def tree() -> str:
        digest = hashlib.sha256()
        for p in sorted(index_dir.rglob("*")):
            digest.update(str(p).encode())
            if p.is_file():
                digest.update(p.read_bytes())
        return digest.hexdigest()

    before = tree()
    for url in ("/api/search?q=tay+ho", "/api/suggest?q=ta", "/api/stats", "/?q=hoa", "/"):
        client.get(url)
        client.post(url, data=b"x")
    assert tree() == before


# ---------------------------------------------------------------- OpenAPI


def validator(name: str) -> Any:
    """Return a JSON Schema validator for a component of the OpenAPI document."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schema = {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}
    return jsonschema_rs.validator_for(schema)


def test_openapi_document_describes_every_route(client: FlaskClient) -> None:
    """The served document is OpenAPI 3.1 and lists every API route and parameter."""
    doc = get_json(client, "/api/openapi.json")
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        *("/api/search", "/api/suggest", "/api/suggest/opensearch", "/api/articles/{article_id}"),
        *("/api/stats", "/healthz", "/api/openapi.json"),
    }
    names = {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {
        *("q", "page", "per_page", "category", "year", "month", "from", "to", "sort"),
        *("doc_type", "issuer"),
    }
    for path in doc["paths"].values():
        for code, response in path["get"]["responses"].items():
            if code != "200":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error")


@pytest.mark.parametrize(
    ("url", "schema", "status"),
    [
        ("/api/search?q=tay+ho&year=2021", "SearchResult", 200),
        ("/api/search?q=" + SCRIPT, "SearchResult", 200),
        ("/api/search?q=zzzzqqq", "SearchResult", 200),
        ("/api/suggest?q=ho", "Suggestions", 200),
        ("/api/articles/xss-1", "Article", 200),
        ("/api/stats", "Stats", 200),
        ("/healthz", "Health", 200),
        ("/api/search?page=0", "Error", 400),
        ("/api/articles/nope", "Error", 404),
        ("/api/search?q=" + "a" * 9000, "Error", 414),
    ],
)
def test_responses_match_the_documented_schemas(
    client: FlaskClient, url: str, schema: str, status: int
) -> None:
    """Each answer validates against the schema the document gives for it."""
    body = get_json(client, url, status)
    errors = [e.message for e in validator(schema).iter_errors(body)]
    assert errors == [], errors


# ---------------------------------------------------------------- headers, CORS, rate limit


def test_security_headers(index_dir: Path) -> None:
    """Every answer carries a self-only CSP, nosniff, a referrer policy and frame-ancestors."""
    default = make_app(index_dir).test_client()
    framed = make_app(index_dir, frame_ancestors="https://tayho.example.vn").test_client()
    for path in ("/", "/?q=tay+ho", "/articles/thi-dua-2023", "/api/stats", "/nowhere"):
        headers = default.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Server" not in headers
    csp = framed.get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors https://tayho.example.vn" in csp
    assert "X-Frame-Options" not in framed.get("/").headers


ALLOWED = "https://tayho.example.vn"


def test_cors_allows_only_listed_origins(index_dir: Path) -> None:
    """Only allowlisted origins get Access-Control-Allow-Origin, on suggest and search only."""
    allowing = make_app(index_dir, cors_origins=f"{ALLOWED}, https://other.example").test_client()
    default = make_app(index_dir).test_client()
    for path in ("/api/suggest?q=ta", "/api/search?q=ta"):
        ok = allowing.get(path, headers={"Origin": ALLOWED})
        assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "Origin" in ok.headers["Vary"]
        for origin in ("https://evil.example", "null", ALLOWED + ".evil.example"):
            denied = allowing.get(path, headers={"Origin": origin})
            assert "Access-Control-Allow-Origin" not in denied.headers, origin
        plain = default.get(path, headers={"Origin": ALLOWED})
        assert "Access-Control-Allow-Origin" not in plain.headers
    other = allowing.get("/api/articles/thi-dua-2023", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_rate_limit_answers_429_with_retry_after(index_dir: Path) -> None:
    """Past the per-client budget the API answers 429 + Retry-After; pages and others go on."""
    client = make_app(index_dir, rate_limit=True, rate_limit_per_minute=4).test_client()
    statuses = [client.get("/api/search?q=ho").status_code for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    limited = client.get("/api/suggest?q=ho")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json() == {"error": limited.get_json()["error"], "status": 429}
    page = client.get("/?q=ho")  # the pages share the budget and answer a friendly page
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert page.mimetype == "text/html" and "Quá nhiều yêu cầu" in page.get_data(as_text=True)
    other = client.get("/api/search?q=ho", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_openapi_lists_429_exactly_on_the_rate_limited_routes(index_dir: Path) -> None:
    """Each documented route answers 429 past a small budget if and only if it lists 429."""
    client = make_app(index_dir, rate_limit=True, rate_limit_per_minute=3).test_client()
    paths = document()["paths"]
    for n, (path, item) in enumerate(paths.items()):
        url = path.replace("{article_id}", "thi-dua-2023") + "?q=ho"
        address = {"REMOTE_ADDR": f"10.8.0.{n}"}
        statuses = [client.get(url, environ_base=address).status_code for _ in range(5)]
        assert statuses[0] == 200, (url, statuses)
        documented = "429" in item["get"]["responses"]
        assert (429 in statuses) == documented, (path, statuses, documented)
    limited = [p for p, item in paths.items() if "429" in item["get"]["responses"]]
    assert "/api/search" in limited and "/api/stats" not in limited  # the test can fail both ways


def test_rate_limit_setting_switches_it_off(index_dir: Path) -> None:
    """SEARCHSVC_RATE_LIMIT=0 in the environment turns the limiter off."""
    settings = Settings.from_env({"SEARCHSVC_RATE_LIMIT": "0", "SEARCHSVC_INDEX": str(index_dir)})
    client = create_app(settings).test_client()
    assert settings.rate_limit is False
    assert {client.get("/api/suggest?q=ho").status_code for _ in range(130)} == {200}
    assert {client.get("/?q=ho").status_code for _ in range(130)} == {200}


def test_token_bucket_refills_over_time() -> None:
    """The bucket allows its capacity at once, then one request per refill interval."""
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert [limiter.admit("a") for _ in range(60)] == [0] * 60
    assert limiter.admit("a") == 1
    now[0] += 1.0
    assert limiter.admit("a") == 0 and limiter.admit("a") >= 1
    assert limiter.admit("b") == 0


def test_cpu_budget_holds_a_client_until_it_refills() -> None:
    """CPU time charged past the budget makes the client wait until its balance is positive."""
    now = [0.0]
    limiter = RateLimiter(1000, cpu_s_per_minute=2.0, clock=lambda: now[0])
    assert limiter.admit("a") == 0
    limiter.charge("a", 1.5)
    assert limiter.admit("a") == 0  # 0.5 s left: still in
    limiter.charge("a", 1.5)  # 1.0 s overdrawn: 30 s of refill at 2 s a minute
    assert limiter.admit("a") == 30
    now[0] += 29.0
    assert limiter.admit("a") == 1
    now[0] += 1.5
    assert limiter.admit("a") == 0
    assert limiter.admit("b") == 0


# ---------------------------------------------------------------- XSS


def test_xss_payloads_render_as_text_on_the_pages(client: FlaskClient) -> None:
    """Script and attribute payloads in title and body appear escaped on every page."""
    for url in ("/?q=bai+kiem+tra", "/?q=" + SCRIPT, "/articles/xss-1", "/?q=phuong+buoi"):
        html = client.get(url).get_data(as_text=True)
        assert SCRIPT not in html and "<img src=x" not in html, url
        assert "javascript:" not in html, url
    page = client.get("/?q=bai+kiem+tra").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    article = client.get("/articles/xss-1").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in article


def test_xss_payloads_are_escaped_in_every_json_snippet(client: FlaskClient) -> None:
    """JSON snippets carry no markup but <mark>; a javascript: url is dropped."""
    for query in ("bai kiem tra", "alert", "script", "img onerror", "tay ho"):
        body = get_json(client, "/api/search?per_page=100&q=" + query)
        for hit in body["hits"]:
            assert not re.search(r"<(?!/?mark>)", hit["snippet"]), hit["snippet"]
            if hit["id"] == "xss-1":
                assert hit["url"] is None
    article = get_json(client, "/api/articles/xss-1")
    assert article["url"] is None and SCRIPT in article["title"]


# ---------------------------------------------------------------- the page


def test_search_page_shows_results_facets_and_chart(client: FlaskClient) -> None:
    """The page lists highlighted results with dates, facets with counts, a chart, a pager."""
    response = client.get("/?q=tay+ho&per_page=5")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<label class="search-label" for="q">' in html and 'role="search"' in html
    assert "<mark>" in html and re.search(r">\d{2}/\d{2}/\d{4}<", html)
    assert "Tìm thấy <strong>6</strong> kết quả" in html
    assert "<svg" in html and "Số kết quả theo năm" in html
    assert 'aria-label="Phân trang"' in html and "page=2" in html
    facet = re.search(r'href="(/\?[^"]*category=Th%C3%B4ng\+b%C3%A1o[^"]*)"', html)
    assert facet, "the Thông báo facet links to a filtered search"
    filtered = client.get(facet.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Tìm thấy <strong>1</strong> kết quả" in filtered and "q=tay+ho" in facet.group(1)


def test_month_facet_appears_when_a_year_is_chosen(client: FlaskClient) -> None:
    """With a year selected, the sidebar offers the months of that year."""
    html = client.get("/?q=tay+ho&year=2021").get_data(as_text=True)
    assert "Tháng 7" in html and "month=7" in html
    assert "month=" not in client.get("/?q=tay+ho").get_data(as_text=True)


def test_page_says_what_was_searched_and_suggests_corrections(client: FlaskClient) -> None:
    """Telex is shown as what was searched; partial matches and "did you mean" are announced."""
    telex = client.get("/?q=hoaf+giair").get_data(as_text=True)
    assert "Đang hiển thị kết quả cho: <strong>hòa giải</strong>" in telex
    body = get_json(client, "/api/search?q=tiep+cong+danh")
    assert body["understood"]["fallback"] and body["did_you_mean"]
    html = client.get("/?q=tiep+cong+danh").get_data(as_text=True)
    assert "Không có bài viết nào chứa đủ mọi từ" in html
    link = url_quote(body["did_you_mean"])
    assert f'href="/?q={link}"' in html and "Có phải bạn muốn tìm" in html


def test_empty_and_error_states_are_friendly_pages(client: FlaskClient) -> None:
    """No results shows advice; a bad parameter shows a 400 page, not JSON."""
    empty = client.get("/?q=zzzzqqqxx").get_data(as_text=True)
    assert "Không tìm thấy bài viết nào" in empty
    bad = client.get("/?q=tay+ho&page=0")
    assert bad.status_code == 400 and bad.mimetype == "text/html"
    assert "“Trang” phải là số nguyên từ 1 đến 1000" in bad.get_data(as_text=True)
    landing = client.get("/").get_data(as_text=True)
    assert "Tra cứu tin bài" in landing and f"<strong>{len(ARTICLES)}</strong>" in landing
    assert 'href="/?category=Th%C3%B4ng+b%C3%A1o"' in landing, "categories to browse"


def test_empty_form_fields_are_ignored_by_the_page(client: FlaskClient) -> None:
    """The form submits empty from/to/sort; the page treats them as absent."""
    response = client.get("/?q=tay+ho&sort=&from=&to=")
    assert response.status_code == 200
    assert "Tìm thấy <strong>6</strong>" in response.get_data(as_text=True)


def test_date_fields_show_vietnamese_dates(client: FlaskClient) -> None:
    """ISO dates in the URL come back as DD/MM/YYYY in the form and the filter chips."""
    html = client.get("/?q=tay+ho&from=2022-01-01&to=2023-01-31").get_data(as_text=True)
    assert 'value="01/01/2022"' in html and 'value="31/01/2023"' in html
    assert "Từ 01/01/2022" in html and "Tìm thấy <strong>2</strong>" in html


def test_article_page(client: FlaskClient) -> None:
    """The article page shows title, date, category, paragraphs, permalink and a way back."""
    html = client.get("/articles/thi-dua-2023?q=thi+dua").get_data(as_text=True)
    assert "<h1" in html and "phong trào thi đua năm 2023" in html
    assert "10/01/2023" in html and "Tin tức" in html
    assert html.count("<p>") >= 2
    assert '<a href="/articles/thi-dua-2023">/articles/thi-dua-2023</a>' in html  # no Host
    assert 'href="/?q=thi+dua"' in html
    assert client.get("/articles/nope").status_code == 404


def test_static_files_are_served_locally(client: FlaskClient) -> None:
    """CSS and JS come from /static; the page references no other host."""
    html = client.get("/?q=tay+ho").get_data(as_text=True)
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not ref.startswith(("http:", "https:", "//")), ref
    for name in ("style.css", "search.js", "favicon.svg"):
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200


# ---------------------------------------------------------------- parameter parsing


@pytest.mark.parametrize(
    ("raw", "iso"),
    [("2023-03-09", "2023-03-09"), ("09/03/2023", "2023-03-09"), ("9/3/2023", "2023-03-09")],
)
def test_dates_read_iso_and_vietnamese_forms(raw: str, iso: str) -> None:
    """ISO and DD/MM/YYYY dates read the same."""
    assert parse_date(raw).isoformat() == iso


def test_create_app_takes_settings(index_dir: Path) -> None:
    """create_app accepts a Settings value as well as a dict."""
    app = create_app(Settings(index=index_dir, rate_limit=False))
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("query", "label", "problem"),
    [
        ("from=31/02/2023", "Từ ngày", ": ngày &#39;31/02/2023&#39; không tồn tại."),
        ("to=hôm+qua", "Đến ngày", " phải là ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY"),
        ("year=1800", "Năm", " phải là số nguyên từ 1900 đến 2100"),
        ("year=2014&month=13", "Tháng", " phải là số nguyên từ 1 đến 12"),
        ("sort=random", "Sắp xếp theo", " phải là một trong"),
        ("per_page=500", "Số kết quả mỗi trang", " phải là số nguyên từ 1 đến 100"),
    ],
)
def test_error_page_names_parameters_by_the_forms_labels(
    client: FlaskClient, query: str, label: str, problem: str
) -> None:
    """The page says “Từ ngày”, as its form does; the API keeps the parameter's name."""
    page = client.get(f"/?q=tay+ho&{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and f"“{label}”{problem}" in html
    assert "Tham số" not in html
    api = client.get(f"/api/search?q=tay+ho&{query}").get_json()
    name = query.rsplit("&", 1)[-1].split("=")[0]
    assert api["error"].startswith(f"Tham số '{name}'")


def test_a_repeated_search_shows_its_real_time_never_0_ms(client: FlaskClient) -> None:
    """The second answer comes from the cache in far under a millisecond: say so, not (0 ms)."""
    for _ in range(2):
        html = client.get("/?q=phuong+nhat+tan&sort=oldest").get_data(as_text=True)
    [took] = re.findall(r'<span class="took">\(([^)]*)\)</span>', html)
    assert re.fullmatch(r"dưới 0,1 ms|\d+,\d ms|\d[\d.]* ms", took), took
    assert took != "0 ms" and not took.startswith("0 ")


def test_times_are_written_the_vietnamese_way() -> None:
    from searchsvc.web.present import format_ms

    assert [format_ms(ms) for ms in (0.0, 0.04, 0.2, 3.45, 12.4, 1234.0)] == [
        "dưới 0,1 ms",
        "dưới 0,1 ms",
        "0,2 ms",
        "3,5 ms",
        "12 ms",
        "1.234 ms",
    ]


# Requests that fail, each in its own way: method, path, headers, body.
FAILING: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/api/articles/nope", {}, None),
    ("GET", "/api/articles/...", {}, None),
    ("GET", "/articles/nope", {}, None),
    ("GET", "/no/such/page", {}, None),
    ("GET", "/static/no-such.css", {}, None),
    ("GET", "/static/style.css", {"Range": "bytes=99999999-"}, None),
    ("POST", "/api/search", {}, b"q=x"),
    ("DELETE", "/", {}, None),
    ("PUT", "/api/stats", {}, None),
    ("POST", "/", {}, b"x" * 20_000),
    ("GET", "/api/search?q=" + "a" * 9_000, {}, None),
    ("GET", "/api/search?page=abc", {}, None),
    ("GET", "/api/search?from=hôm+qua", {}, None),
    ("GET", "/api/search?to=31/02/2023", {}, None),
    ("GET", "/api/search?sort=random", {}, None),
    ("GET", "/api/search?year=1800", {}, None),
    ("GET", "/api/suggest?limit=99", {}, None),
    ("GET", "/?q=x&page=5000", {}, None),
    ("GET", "/?q=x&from=31/02/2023", {}, None),
]
_ENGLISH = re.compile(
    r"\b(?:no|not|with|must|found|error|the|is|are|invalid|allowed|method|range|requested|"
    r"unknown|bad|request|article|page|id)\b",
    re.IGNORECASE,
)


def _shown_message(response: Any) -> str:
    """Return the message an error answer gives: the JSON error, or the page's alert text."""
    if response.mimetype == "application/json":
        message: str = response.get_json()["error"]
        return message
    html = response.get_data(as_text=True)
    section = re.search(r'<section class="state state-error".*?</section>', html, re.S)
    assert section is not None, html[:300]
    return re.sub(r"<[^>]+>", " ", section.group(0))


@pytest.mark.parametrize(("method", "path", "headers", "body"), FAILING)
def test_every_error_message_is_in_vietnamese(
    client: FlaskClient, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> None:
    """API answers and error pages speak Vietnamese like the rest of the service."""
    for accept in ("application/json", "text/html"):
        response = client.open(
            path, method=method, headers={**headers, "Accept": accept}, data=body
        )
        assert 400 <= response.status_code < 500, (path, response.status_code)
        message = _shown_message(response)
        unquoted = re.sub(r"'[^']*'|&#39;.*?&#39;|“[^”]*”", "", message)
        assert not _ENGLISH.search(unquoted), (path, message)
        assert re.search("[ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ]", unquoted.lower()), message


def test_the_empty_search_page_lists_the_newest_articles(client: FlaskClient) -> None:
    """Below the categories and examples: the newest articles, title, date and category."""
    html = client.get("/").get_data(as_text=True)
    newest = html[html.index('<section class="newest"') :]
    assert html.index("Thử tìm") < html.index('<section class="newest"')
    items = re.findall(r"<li>(.*?)</li>", newest, re.S)
    expected = sorted(ARTICLES, key=lambda a: str(a.get("published", "")), reverse=True)
    assert len(items) == min(10, len(ARTICLES))
    for item, article in zip(items, expected, strict=False):
        assert f'href="/articles/{article["id"]}"' in item
        day = str(article["published"])[:10].split("-")
        assert f">{day[2]}/{day[1]}/{day[0]}</time>" in item
        assert 'class="tag" href="/?category=' in item and f">{article['category']}</a>" in item
    assert "&lt;script&gt;" in newest and "<script>alert" not in newest  # titles escaped
