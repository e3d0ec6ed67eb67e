"""Searching: query understanding, ranking, facets, snippets, completions, spelling.

Fifth stage, beside `indexing` (never imports it): reads the live generation through `store`
and returns plain values. Public: `Searcher` (`search`, `matches`: every match as a stream of
hits for exports, `suggest`, `article` (with related articles), `stats`,
`documents`: the register of cited documents as `RegisterEntry`/`CitingArticle`), `export`
(export rows and Excel-safe CSV), the
values `SearchRequest`, `SearchResult`, `Hit`, `FacetValue`, `Understood`, the limits
`SORTS`, `MAX_PAGE`, `MAX_PER_PAGE`, `MAX_QUERY_CHARS`, `MIN_YEAR`, `MAX_YEAR`, `clip` (a
query as it is searched), the parameter checks both shells share (`parse_date`,
`parse_number`, `validate`, raising `BadParameter`; `empty_range`: from after to, which finds
nothing with a note), `locate` (the live generation of an index
directory), and `evaluate`/`read_queries` (known-item evaluation). Inside, a query runs
`query` (understand) -> `ranking` (match and score over the snapshot) -> `facets`,
`snippets` -> `search` (the page); `live` keeps the generation open, `suggest` and `spelling`
complete and correct what is typed.
"""

from searchsvc.searching import export
from searchsvc.searching.evaluation import EvalQuery, Metrics, evaluate, read_queries
from searchsvc.searching.live import locate
from searchsvc.searching.query import MAX_QUERY_CHARS, clip
from searchsvc.searching.register import CitingArticle, RegisterEntry
from searchsvc.searching.search import Searcher
from searchsvc.searching.values import (
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_YEAR,
    MIN_YEAR,
    SORTS,
    BadParameter,
    FacetValue,
    Hit,
    Matches,
    SearchRequest,
    SearchResult,
    Understood,
    empty_range,
    parse_date,
    parse_number,
    validate,
)

__all__ = [
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "MAX_YEAR",
    "MIN_YEAR",
    "SORTS",
    "BadParameter",
    "CitingArticle",
    "EvalQuery",
    "FacetValue",
    "Hit",
    "Matches",
    "Metrics",
    "RegisterEntry",
    "SearchRequest",
    "SearchResult",
    "Searcher",
    "Understood",
    "clip",
    "empty_range",
    "evaluate",
    "export",
    "locate",
    "parse_date",
    "parse_number",
    "read_queries",
    "validate",
]
