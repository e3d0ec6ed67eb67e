"""Query understanding, ranking, facets and snippets, returning plain values.

The web layer and the CLI only present these values. Never imports flask or click.
Facet convention: a facet's counts apply every filter except its own (the category facet
ignores the chosen category, the year facet the chosen year), so each value's count is what
clicking it would give; months are counted under all filters. With no category (year)
filter the category (year) counts add up to the total of articles that have one.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from searchsvc import config
from searchsvc.errors import IndexUnavailable, NotFound
from searchsvc.searching import facets, spelling
from searchsvc.searching.live import LiveIndex, built_at, made_at
from searchsvc.searching.query import Mark, ParsedQuery, understand
from searchsvc.searching.ranking import (
    WEIGHTS,
    Scored,
    Scorer,
    day_minutes,
    published_between,
    refine_adjacency,
    score_query,
)
from searchsvc.searching.register import RegisterEntry, register
from searchsvc.searching.related import related
from searchsvc.searching.snippets import MAX_BODY_CHARS, make_snippet, prepare
from searchsvc.searching.values import (
    MAX_YEAR,
    MIN_YEAR,
    NO_DAYS,
    FacetValue,
    Hit,
    Matches,
    Period,
    SearchRequest,
    SearchResult,
    Understood,
    empty_range,
    parse_number,
    validate,
)
from searchsvc.store.schema import NO_DATE, VN_TZ
from searchsvc.store.snapshot import BoolArray, MultiValues, Snapshot
from searchsvc.vietnamese import docnumbers, text

RESULT_CACHE_SIZE = 1024
REFINE_POOL = 10  # best matches checked for query pairs adjacent beyond the indexed lead


def _iso(value: Any) -> str | None:
    """Return the ISO 8601 form (with +07:00) of a stored naive local datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=VN_TZ).isoformat()
    return None


def _filters(snap: Snapshot, request: SearchRequest) -> dict[str, BoolArray]:
    """Return one mask per active filter."""
    out: dict[str, BoolArray] = {}
    if request.category:
        wanted = text.fold(text.normalize(request.category)).strip()
        codes = [i for i, c in enumerate(snap.categories) if text.fold(c).strip() == wanted]
        out["category"] = np.isin(snap.category, codes)
    if request.year is not None:
        out["year"] = snap.year == request.year
    if request.doc_type:
        kinds = _cited_codes(snap.doc_type, docnumbers.kinds(), request.doc_type)
        out["doc_type"] = snap.doc_type.mask(snap.n, kinds)
    if request.issuer:
        issuers = _cited_codes(snap.issuer, docnumbers.issuers(), request.issuer)
        out["issuer"] = snap.issuer.mask(snap.n, issuers)
    if request.date_from or request.date_to:
        lo = day_minutes(request.date_from) if request.date_from else -(2**31) + 1
        hi = day_minutes(request.date_to, end=True) if request.date_to else 2**31 - 1
        out["date"] = (snap.minutes >= lo) & (snap.minutes <= hi)
    return out


def _cited_codes(values: MultiValues, table: docnumbers.Table, wanted: str) -> list[str]:
    """Return the codes a filter value means: a code or name from the table, or as indexed."""
    folded = text.fold(text.normalize(wanted)).strip()
    return table.find(wanted) + [v for v in values.values if text.fold(v) == folded]


def _combine(snap: Snapshot, masks: dict[str, BoolArray], skip: str = "") -> BoolArray:
    """Return the AND of the filter masks except one."""
    out = np.ones(snap.n, dtype=np.bool_)
    for name, mask in masks.items():
        if name != skip:
            out &= mask
    return out


def _facets(
    snap: Snapshot, scored: Scored, masks: dict[str, BoolArray], request: SearchRequest
) -> dict[str, list[FacetValue]]:
    """Count the facets (each without its own filter) and months in a chosen year."""
    out: dict[str, list[FacetValue]] = {}
    for facet, own in ((facets.CATEGORY, "category"), (facets.YEAR, "year")):
        mask = scored.qmatch & _combine(snap, masks, own)
        out[facet.name] = [FacetValue(v, c) for v, c in facet.counts(snap, mask)]
    for cited, table in (
        (facets.DOC_TYPE, docnumbers.kinds()),
        (facets.ISSUER, docnumbers.issuers()),
    ):
        mask = scored.qmatch & _combine(snap, masks, cited.name)
        counts = cited.counts(snap, mask)
        out[cited.name] = [FacetValue(v, c, table.names.get(v)) for v, c in counts]
    if request.year is not None:
        counts = facets.MONTH.counts(snap, scored.match)
        out["month"] = [FacetValue(v, c) for v, c in counts]
    return out


def _top(snap: Snapshot, scored: Scored, sort: str, k: int) -> Any:
    """Return the docnums of the k best matches in the requested order."""
    idx = np.flatnonzero(scored.match)
    # Keys are computed for the matches only (the same values, element by element).
    raw_minutes = snap.minutes[idx]
    minutes = raw_minutes.astype(np.float64)
    dated = raw_minutes != NO_DATE
    score = scored.score[idx].astype(np.float64)
    if sort == "newest":
        primary, secondary = np.where(dated, minutes, -np.inf), score
    elif sort == "oldest":
        primary, secondary = np.where(dated, -minutes, -np.inf), score
    else:  # exact accents first (a tier), then score
        primary = scored.tier[idx].astype(np.float64) * 1e6 + score
        secondary = np.where(dated, minutes, -np.inf)
    if len(idx) > k:
        keep = primary >= primary[np.argpartition(-primary, k - 1)[k - 1]]
        idx, primary, secondary = idx[keep], primary[keep], secondary[keep]
    order = np.lexsort((idx, -secondary, -primary))
    return idx[order][:k]


class ResultCache:
    """An LRU of recent results keyed by (generation token, request); cleared on a switch.

    Results are kept pickled: about 5 KB each instead of about 16 KB as objects, so a cache
    that holds a site's daily head of queries costs a few MB per worker.
    """

    def __init__(self, size: int = RESULT_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, SearchRequest], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, SearchRequest]) -> SearchResult | None:
        """Return a cached result, marking it recently used."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
        result: SearchResult = pickle.loads(found)
        return result

    def put(self, key: tuple[str, SearchRequest], result: SearchResult) -> None:
        """Remember a result, forgetting the least recently used beyond the size."""
        packed = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._items[key] = packed
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._items.clear()


class Searcher:
    """Answers searches against the live generation of an index directory; reloads on switch.

    The generation token is checked at most every `reload_interval_s`; a new generation is
    opened beside the old one, which keeps serving requests already running.
    """

    def __init__(
        self, index_dir: Path, settings: config.Settings | None = None, warm: bool = True
    ) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings or config.Settings(index=self.index_dir)
        self._results = ResultCache()
        self.weights = WEIGHTS
        self._live = LiveIndex(
            self.index_dir, self.settings.reload_interval_s, warm, self._results.clear
        )

    def ready(self) -> bool:
        """Return whether a generation is open and warm, opening the first one if need be."""
        return self._live.ready()

    def close(self) -> None:
        """Release the open index files (a later call reopens them)."""
        self._live.close()
        self._results.clear()

    def search(self, request: SearchRequest) -> SearchResult:
        """Run one search."""
        started = time.perf_counter()
        validate(request)
        if empty_range(request):
            return _no_days(request, started)
        loaded = self._live.current()
        key = (loaded.snap.token, request)
        cached = self._results.get(key)
        if cached is not None:
            return _retimed(cached, started)
        result = self._run(loaded.snap, request, started)
        if not result.partial:
            self._results.put(key, result)
        return result

    def _run(self, snap: Snapshot, request: SearchRequest, started: float) -> SearchResult:
        """Search one snapshot without the result cache."""
        budget = self.settings.query_budget_ms / 1000
        scorer = Scorer(snap, self.weights, deadline=started + budget)
        parsed, masks, scored = _score(snap, scorer, request)
        total = int(np.count_nonzero(scored.match))
        sort = request.sort if parsed.clauses else _browse_sort(request.sort)
        k = request.page * request.per_page
        top = _top(snap, scored, sort, k)
        if sort == "relevance" and scored.pairs and len(top):
            pool = [int(d) for d in _top(snap, scored, sort, REFINE_POOL)]
            if refine_adjacency(scorer, scored, pool):
                top = _top(snap, scored, sort, k)
        top = top[(request.page - 1) * request.per_page :]
        hits = [_hit(scorer, int(d), float(scored.score[d]), parsed) for d in top]
        did_you_mean = None
        if (total < 3 or scored.fallback) and parsed.clauses and not scored.partial:
            strict_total = 0 if scored.fallback else total
            did_you_mean = spelling.correct(snap, parsed, request, strict_total, scorer)
        return SearchResult(
            query=request.query,
            total=total,
            page=request.page,
            per_page=request.per_page,
            hits=hits,
            facets=_facets(snap, scored, masks, request),
            understood=_understood(parsed, scored.fallback, "period" in masks),
            did_you_mean=did_you_mean,
            took_ms=(time.perf_counter() - started) * 1000,
            partial=scored.partial,
        )

    def matches(self, request: SearchRequest, limit: int | None = None) -> Matches:
        """Return every match (at most `limit`) in the request's sort, its hits as a stream.

        The order is computed at once (one int32 per match, as for a page); each hit and its
        snippet are read from the stored fields only when the stream reaches it and are kept
        nowhere, so an export of any size holds one hit at a time. `page` and `per_page` are
        ignored; a limit below 1 means no limit.
        """
        started = time.perf_counter()
        validate(request)
        if empty_range(request):
            return Matches(0, False, _no_days(request, started).understood, iter(()))
        snap = self._live.current().snap
        scorer = Scorer(snap, self.weights, started + self.settings.query_budget_ms / 1000)
        parsed, masks, scored = _score(snap, scorer, request)
        total = int(np.count_nonzero(scored.match))
        sort = request.sort if parsed.clauses else _browse_sort(request.sort)
        if sort == "relevance" and scored.pairs and total:
            refine_adjacency(
                scorer, scored, [int(d) for d in _top(snap, scored, sort, REFINE_POOL)]
            )
        k = min(total, limit) if limit and limit > 0 else total
        order = _top(snap, scored, sort, k) if k else np.zeros(0, dtype=np.int64)
        return Matches(
            total=total,
            partial=scored.partial,
            understood=_understood(parsed, scored.fallback, "period" in masks),
            hits=_stream(snap, order, scored.score, parsed.marks()),
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Return completions for what a visitor is typing."""
        if not isinstance(prefix, str) or not prefix.strip():
            return []
        limit = max(0, min(int(limit), 50))
        return self._live.current().get_suggester().suggest(prefix, limit)

    def article(self, article_id: str) -> dict[str, object]:
        """Return the full stored article; raise NotFound for an unknown id."""
        snap = self._live.current().snap
        docnum = _docnum_of(snap, str(article_id))
        if docnum is None:
            raise NotFound(f"Không có bài viết với mã {str(article_id)[:80]!r}.")
        stored = snap.stored(docnum)
        return {
            "id": stored.get("id"),
            "title": stored.get("title") or "",
            "body": stored.get("body") or "",
            "url": stored.get("url"),
            "published": _iso(stored.get("published")),
            "category": stored.get("category") or None,
            "views": stored.get("views"),
            "source": stored.get("source") or "",
            "documents": [cited_document(c) for c in snap.citations(docnum)],
            "related": [_brief(snap, d) for d in related(snap, docnum).docnums],
        }

    def documents(
        self,
        doc_type: str | None = None,
        issuer: str | None = None,
        year: int | str | None = None,
        articles: bool = False,
    ) -> list[RegisterEntry]:
        """Return the register of cited documents; raise BadParameter for a year out of range.

        An index built before cited documents were recorded raises IndexUnavailable.
        """
        wanted = None if year is None else parse_number("year", year, MIN_YEAR, MAX_YEAR)
        snap = self._live.current().snap
        if not snap.has_citations:
            raise IndexUnavailable(
                "this index was built before cited documents were recorded: "
                "rebuild it with `searchsvc index build`"
            )
        return register(snap, doc_type, issuer, wanted, articles)

    def stats(self) -> dict[str, object]:
        """Return documents, generation and built-at of the loaded index."""
        snap = self._live.current().snap
        return {
            "documents": int(np.count_nonzero(snap.live)),
            "generation": snap.path.name,
            "built_at": built_at(snap.path),
            "updated_at": made_at(snap.path),
            "categories": list(snap.categories),
        }


def _brief(snap: Snapshot, docnum: int) -> dict[str, object]:
    """Return the id, title, date and category of an article (a related one)."""
    stored = snap.fields(docnum)
    return {
        "id": stored.get("id"),
        "title": stored.get("title") or "",
        "published": _iso(stored.get("published")),
        "category": stored.get("category") or None,
    }


def cited_document(cited: docnumbers.Citation) -> dict[str, object]:
    """Return a cited document as plain values: number, kind and issuer with names, year."""
    return {
        "number": cited.number,
        "doc_type": cited.kind,
        "doc_type_name": docnumbers.kinds().names.get(cited.kind or ""),
        "issuer": cited.issuer,
        "issuer_name": docnumbers.issuers().names.get(cited.issuer or ""),
        "year": cited.year,
        "issued": cited.issued.isoformat() if cited.issued else None,
    }


def _score(
    snap: Snapshot, scorer: Scorer, request: SearchRequest
) -> tuple[ParsedQuery, dict[str, BoolArray], Scored]:
    """Understand and score a request, narrowing to the month or year typed in the query.

    When no matching article was published in that period, the period's words are searched
    as text instead (the result says the period was not applied).
    """
    parsed = understand(request.query)
    masks = _filters(snap, request)
    if parsed.period is not None:
        masks["period"] = published_between(snap, parsed.period.first, parsed.period.last)
    scored = score_query(scorer, parsed, snap.live, _combine(snap, masks))
    if parsed.period is not None and parsed.clauses and not scored.match.any():
        period, without = parsed.period, parsed.without_period
        parsed, _ = understand(request.query, periods=False), masks.pop("period")
        parsed.period, parsed.without_period = period, without
        scored = score_query(scorer, parsed, snap.live, _combine(snap, masks))
    return parsed, masks, scored


def _hit(scorer: Scorer, docnum: int, score: float, parsed: ParsedQuery) -> Hit:
    """Return the Hit of one document with its snippet."""
    snippet = make_snippet("", parsed.marks(), scorer.prepared_body(docnum))
    return _hit_of(scorer.snap, docnum, scorer.stored(docnum), score, snippet)


def _hit_of(snap: Snapshot, docnum: int, stored: dict[str, Any], score: float, snippet: str) -> Hit:
    """Return the Hit of a document from its stored fields and snippet."""
    return Hit(
        id=str(stored.get("id", "")),
        title=str(stored.get("title") or ""),
        url=stored.get("url"),
        published=_iso(stored.get("published")),
        category=stored.get("category") or None,
        score=round(score, 4),
        snippet=snippet,
        documents=[c.number for c in snap.citations(docnum)],
    )


def _stream(snap: Snapshot, order: Any, scores: Any, marks: list[Mark]) -> Iterator[Hit]:
    """Yield the hits of docnums in order, reading each as it is reached (no memo, no cache)."""
    for value in order:
        docnum = int(value)
        snippet = make_snippet("", marks, prepare(snap.body(docnum, MAX_BODY_CHARS)))
        yield _hit_of(snap, docnum, snap.fields(docnum), float(scores[docnum]), snippet)


def _browse_sort(sort: str) -> str:
    """Return the order of a query without words: relevance means newest."""
    return "newest" if sort == "relevance" else sort


def _no_days(request: SearchRequest, started: float) -> SearchResult:
    """Return the empty result of a date range whose start is after its end, saying why."""
    return SearchResult(
        query=request.query,
        total=0,
        page=request.page,
        per_page=request.per_page,
        hits=[],
        facets={},
        understood=Understood(searched=request.query, notes=[NO_DAYS]),
        did_you_mean=None,
        took_ms=(time.perf_counter() - started) * 1000,
    )


def _retimed(result: SearchResult, started: float) -> SearchResult:
    """Return a cached result with this request's time."""
    took = (time.perf_counter() - started) * 1000
    return SearchResult(**{**result.__dict__, "took_ms": took})


def _understood(parsed: ParsedQuery, fallback: bool, narrowed: bool) -> Understood:
    """Return the public form of what the query was read as."""
    period = parsed.period
    return Understood(
        period=None
        if period is None
        else Period(
            period.label,
            period.first.isoformat(),
            period.last.isoformat(),
            narrowed,
            parsed.without_period,
        ),
        searched=parsed.searched,
        telex=parsed.telex,
        expansions=list(dict.fromkeys(parsed.expansions)),
        fallback=fallback,
        excluded=list(parsed.excluded_labels),
        notes=list(parsed.notes),
    )


def _docnum_of(snap: Snapshot, article_id: str) -> int | None:
    """Return the live docnum of an article id, or None."""
    if not article_id or len(article_id) > 500:
        return None
    for docnum in snap.document_numbers(article_id):
        if snap.live[docnum]:
            return int(docnum)
    return None
