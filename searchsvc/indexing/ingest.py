"""What build and update share: reading sources once, the manifest, verification, the switch.

Never imports click or flask.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import query as wquery

from searchsvc import archive
from searchsvc.archive import Article, Rejection, is_duplicate
from searchsvc.errors import IndexBuildError
from searchsvc.indexing.writers import open_index
from searchsvc.store import generations as gens
from searchsvc.store import lexicon, schema, sidecar

BATCH = 200  # articles per progress report (and per batch handed to a worker)


@dataclass(frozen=True)
class Progress:
    """Where a build or update stands."""

    read: int
    indexed: int
    rejected: int
    duplicates: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Articles read per second so far."""
        return self.read / self.elapsed if self.elapsed > 0 else 0.0


ProgressFn = Callable[[Progress], None]


class Reading:
    """Read sources once: skip repeated ids, keep rejections, count, report progress.

    The archive reader counts every rejection and warning in `counts` and passes on only the
    first ones of each file (kept in `rejections`, with a line for the rest); rejections made
    here while indexing are kept and counted apart.
    """

    def __init__(
        self, sources: Sequence[Path], progress: ProgressFn | None, follow_links: bool = False
    ) -> None:
        self.sources = sources
        self.progress = progress
        self.follow_links = follow_links
        self.started = time.perf_counter()
        self.counts = archive.ReadReport()
        self.rejections: list[Rejection] = []
        self.extra: Counter[str] = Counter()
        self.extra_troubled: set[str] = set()
        self.seen: dict[str, str] = {}

    def reject(self, rejection: Rejection) -> None:
        """Keep and count a rejection made while indexing (not by the archive reader)."""
        self.rejections.append(rejection)
        self.extra[archive.reason_kind(rejection)] += 1
        if not rejection.warning and not is_duplicate(rejection):
            self.extra_troubled.add(source_file(rejection.path))

    def articles(self) -> Iterator[Article]:
        """Yield each article whose id was not seen before."""
        found = archive.read_sources(
            self.sources, self.rejections.append, self.counts, self.follow_links
        )
        for article in found:
            first = self.seen.get(article.id)
            if first is not None:  # the reader drops duplicates too; this is a safety net
                self.reject(Rejection(article.source, f"duplicate id {article.id!r}: {first}"))
                continue
            self.seen[article.id] = article.source
            yield article

    @property
    def read(self) -> int:
        """Records read so far, rejected ones included."""
        return self.counts.read

    @property
    def duplicates(self) -> int:
        """Records skipped because their id was read before."""
        return self.counts.duplicates + self.extra["duplicate id"]

    @property
    def rejected(self) -> int:
        """Records rejected for any other reason."""
        extra = sum(
            n
            for k, n in self.extra.items()
            if k != "duplicate id" and not k.startswith("warning: ")
        )
        return self.counts.rejected - self.counts.duplicates + extra

    @property
    def warnings(self) -> int:
        """Records read with a warning."""
        extra = sum(n for k, n in self.extra.items() if k.startswith("warning: "))
        return self.counts.warnings + extra

    def troubled(self) -> set[str]:
        """Return the source files that had a rejection other than a repeated id."""
        return {source_file(p) for p in self.counts.troubled} | self.extra_troubled

    def reasons(self) -> dict[str, int]:
        """Count rejections and warnings by kind of reason, commonest first."""
        counts = Counter(self.counts.reasons) + self.extra
        return dict(counts.most_common())

    def elapsed(self) -> float:
        """Seconds since reading started."""
        return time.perf_counter() - self.started

    def report(self, indexed: int) -> None:
        """Call the progress callback."""
        if self.progress is not None:
            p = Progress(self.read, indexed, self.rejected, self.duplicates, self.elapsed())
            self.progress(p)


def batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """Group articles into lists of at most `size`."""
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def resolve_sources(sources: Sequence[str | Path] | None) -> list[Path]:
    """Return the sources to read (default: the bundled sample), failing on a missing one."""
    paths = [Path(s) for s in sources] if sources else [archive.sample_archive()]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise IndexBuildError(f"source not found: {', '.join(missing)}; nothing was changed")
    return paths


def source_file(source: str) -> str:
    """Return an article's source file as an absolute path, without a `:line` suffix."""
    path, _, line = source.rpartition(":")
    if line.isdigit() and path:
        source = path
    return os.path.abspath(source) if source else ""


def write_manifest(gen_dir: Path, entries: dict[str, tuple[str, str]]) -> None:
    """Write the id -> (content hash, source) table of a generation."""
    sources = sorted({src for _h, src in entries.values()})
    number = {src: n for n, src in enumerate(sources)}
    articles = {i: [h, number[src]] for i, (h, src) in entries.items()}
    data = json.dumps({"sources": sources, "articles": articles}, separators=(",", ":"))
    gens.atomic_write(gen_dir / gens.MANIFEST, data.encode("utf-8"))


def read_manifest(gen_dir: Path) -> dict[str, tuple[str, str]]:
    """Read the id -> (content hash, source) table of a generation."""
    data = gens.read_json(gen_dir / gens.MANIFEST)
    if not isinstance(data, dict):
        raise IndexBuildError(f"{gen_dir} has no readable manifest; rebuild the index")
    sources = data["sources"]
    return {i: (h, sources[n]) for i, (h, n) in data["articles"].items()}


def _probe_query(ix: Any, article: Article) -> wquery.Query | None:
    """Return a query on the terms the article was indexed with (title, else body), or None.

    The terms come from `schema.document()`, exactly what was written, so the probe does
    not depend on query-time analysis agreeing with index-time analysis.
    """
    names = set(ix.schema.names())
    doc = schema.document(article)
    for name in ("title_f", "body_f"):
        value = doc.get(name)
        if name not in names or not value:
            continue
        if isinstance(value, str):
            value = ix.schema[name].process_text(value, mode="index")
        terms = list(dict.fromkeys(t for t in value if isinstance(t, str)))[:12]
        if terms:
            return wquery.And([wquery.Term(name, t) for t in terms])
    return None


def verify(gen_dir: Path, expected: int, sample: Article | None) -> None:
    """Check that a generation opens, holds `expected` documents and finds `sample`."""
    try:
        ix = open_index(gen_dir)
    except Exception as exc:
        raise IndexBuildError(f"the new index does not open ({exc}); nothing was changed") from exc
    found = ix.doc_count()
    if found != expected:
        raise IndexBuildError(
            f"the new index holds {found} documents where {expected} were written; "
            "nothing was changed"
        )
    if sample is None:
        return
    probe = _probe_query(ix, sample)
    q = (
        wquery.Term("id", sample.id)
        if probe is None
        else wquery.And([probe, wquery.Term("id", sample.id)])
    )
    with ix.searcher() as searcher:
        if len(searcher.search(q, limit=1)) != 1:
            raise IndexBuildError(
                f"the new index does not find article {sample.id!r} by its own words; "
                "nothing was changed"
            )


def finish_generation(
    index_dir: Path, partial: Path, meta: dict[str, Any], keep: Path | None
) -> Path:
    """Publish a verified partial generation, make it live, prune, and record the state.

    Segments written by Whoosh's own writer (updates, merges) get their sidecars here, and
    the generation its lexicon (completions and spelling vocabulary, derived from it whole).
    """
    sidecar.write_missing(partial)
    lexicon.write_for(partial)
    gens.write_json(partial / gens.META, meta)
    final = gens.publish(partial)
    gens.switch(index_dir, final)
    gens.prune(index_dir, {final} | ({keep} if keep else set()))
    state = {"operation": meta["kind"], "finished_at": gens.utc_now(), **meta}
    gens.write_json(index_dir / gens.STATE, state)
    return final
