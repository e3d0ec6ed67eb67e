"""Archive sources (scraped pages, JSON Lines, their encodings) read into Article values.

Second stage: uses `vietnamese`, knows nothing of the index. Public: `read_sources` (yield
articles, report rejections), `sample_archive`, the values `Article`, `Rejection`,
`ReadReport`, and the helpers `page_id`, `parse_page`, `record_article`, `parse_date`,
`clean`. Modules: `read` (walking sources), `pages`, `jsonlines`, `decode`, `article`.
"""

from searchsvc.archive.read import (
    MAX_ARTICLE_BYTES,
    TZ,
    Article,
    ReadReport,
    Rejection,
    Unreadable,
    clean,
    page_id,
    parse_date,
    parse_page,
    read_sources,
    record_article,
    sample_archive,
)

__all__ = [
    "MAX_ARTICLE_BYTES",
    "TZ",
    "Article",
    "ReadReport",
    "Rejection",
    "Unreadable",
    "clean",
    "page_id",
    "parse_date",
    "parse_page",
    "read_sources",
    "record_article",
    "sample_archive",
]
