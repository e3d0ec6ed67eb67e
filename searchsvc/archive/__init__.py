"""Archive sources (scraped pages, JSON Lines, their encodings) read into Article values.

Second stage: uses `vietnamese`, knows nothing of the index. Public: `read_sources` (yield
articles, report rejections), `sample_archive`, the values `Article`, `Rejection`,
`ReadReport` (with `reason_kind`, `is_duplicate` and the listing limits), and the helpers
`page_id`, `parse_page`, `record_article`, `parse_date`, `clean`. Modules: `read` (walking
sources, links), `report` (bounded counts), `pages`, `jsonlines`, `lines` (bounded line
reading), `decode`, `article`.
"""

from searchsvc.archive.read import (
    MAX_ARTICLE_BYTES,
    MAX_LISTED_PER_FILE,
    MAX_REJECTIONS_PER_FILE,
    TZ,
    Article,
    ReadReport,
    Rejection,
    Unreadable,
    clean,
    is_duplicate,
    page_id,
    parse_date,
    parse_page,
    read_sources,
    reason_kind,
    record_article,
    sample_archive,
)

__all__ = [
    "MAX_ARTICLE_BYTES",
    "MAX_LISTED_PER_FILE",
    "MAX_REJECTIONS_PER_FILE",
    "TZ",
    "Article",
    "ReadReport",
    "Rejection",
    "Unreadable",
    "clean",
    "is_duplicate",
    "page_id",
    "parse_date",
    "parse_page",
    "read_sources",
    "reason_kind",
    "record_article",
    "sample_archive",
]
