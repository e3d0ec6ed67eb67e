"""Build, update, inspect and roll back the index of an index directory.

Every change writes a new generation beside the live one, verifies it, and only then makes
it live with one atomic rename (see generations.py), so searches never see a half-written
index and a writer killed at any moment leaves the live generation untouched.
Progress is reported through a callback; this module never imports click or flask.
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh import query as wquery
from whoosh.reading import SegmentReader

from searchsvc import archive, config, schema
from searchsvc import generations as gens
from searchsvc.archive import Article, Rejection
from searchsvc.errors import IndexBuildError, IndexUnavailable
from searchsvc.writers import (
    INDEX_NAME,
    FastSegmentWriter,
    InlineWriter,
    PoolWriter,
    WriteResult,
    create_index,
)

BATCH = 200
POOL_THRESHOLD = 2000  # below this many articles, worker start-up costs more than it saves
LIMIT_MB = 128  # Whoosh's in-memory posting buffer per writer before it spills to disk
SMALL_SEGMENT = 5000  # update merges segments below this many documents ...
SMALL_SEGMENTS_MAX = 6  # ... once there are more than this many of them


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


@dataclass
class BuildReport:
    """What a build did; `rejections` lists every rejected record and skipped duplicate."""

    index_dir: str
    generation: str
    previous: str | None
    sources: list[str]
    read: int
    indexed: int
    rejected: int
    duplicates: int
    warnings: int
    reasons: dict[str, int]
    rejections: list[Rejection]
    elapsed: float
    docs_per_second: float
    size_bytes: int
    workers: int
    segments: int
    peak_rss_mb: float
    workers_peak_rss_mb: float


@dataclass
class UpdateReport:
    """What an update changed; `generation` is the live one afterwards."""

    index_dir: str
    generation: str
    previous: str | None
    sources: list[str]
    read: int
    added: int
    changed: int
    deleted: int
    unchanged: int
    rejected: int
    duplicates: int
    warnings: int
    reasons: dict[str, int]
    rejections: list[Rejection]
    documents: int
    elapsed: float


@dataclass(frozen=True)
class GenerationInfo:
    """A kept generation that is not live."""

    name: str
    documents: int | None
    built_at: str | None
    kind: str | None


@dataclass
class Status:
    """The state of an index directory."""

    index_dir: str
    live: str | None
    documents: int
    size_bytes: int
    built_at: str | None
    sources: list[str]
    last_update: dict[str, Any] | None
    rejected: int
    duplicates: int
    older: list[GenerationInfo] = field(default_factory=list)


@dataclass(frozen=True)
class RollbackReport:
    """Which generation was live before and after a rollback."""

    index_dir: str
    from_generation: str
    to_generation: str
    documents: int


class _Reading:
    """Read sources once: skip repeated ids, keep rejections, count, report progress."""

    def __init__(self, sources: Sequence[Path], progress: ProgressFn | None) -> None:
        self.sources = sources
        self.progress = progress
        self.started = time.perf_counter()
        self.counts = archive.ReadReport()
        self.rejections: list[Rejection] = []
        self.seen: dict[str, str] = {}

    def reject(self, rejection: Rejection) -> None:
        """Keep a rejection or warning reported by the archive reader (or by indexing)."""
        self.rejections.append(rejection)

    def articles(self) -> Iterator[Article]:
        """Yield each article whose id was not seen before."""
        for article in archive.read_sources(self.sources, self.reject, self.counts):
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
        return sum(1 for r in self.rejections if _is_duplicate(r))

    @property
    def rejected(self) -> int:
        """Records rejected for any other reason."""
        return sum(1 for r in self.rejections if not r.warning and not _is_duplicate(r))

    @property
    def warnings(self) -> int:
        """Records read with a warning."""
        return sum(1 for r in self.rejections if r.warning)

    def reasons(self) -> dict[str, int]:
        """Count rejections and warnings by reason, duplicates under one heading."""
        counts = Counter(
            "duplicate id" if _is_duplicate(r) else ("warning: " if r.warning else "") + r.reason
            for r in self.rejections
        )
        return dict(counts.most_common())

    def elapsed(self) -> float:
        """Seconds since reading started."""
        return time.perf_counter() - self.started

    def report(self, indexed: int) -> None:
        """Call the progress callback."""
        if self.progress is not None:
            p = Progress(self.read, indexed, self.rejected, self.duplicates, self.elapsed())
            self.progress(p)


def _is_duplicate(rejection: Rejection) -> bool:
    """Tell whether a rejection is a repeated id."""
    return not rejection.warning and rejection.reason.startswith("duplicate id")


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """Group articles into lists of at most `size`."""
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _resolve_sources(sources: Sequence[str | Path] | None) -> list[Path]:
    """Return the sources to read (default: the bundled sample), failing on a missing one."""
    paths = [Path(s) for s in sources] if sources else [archive.sample_archive()]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise IndexBuildError(f"source not found: {', '.join(missing)}; nothing was changed")
    return paths


def _abs_source(source: str) -> str:
    """Return an article's source file as an absolute path, without a `:line` suffix."""
    path, _, line = source.rpartition(":")
    if line.isdigit() and path:
        source = path
    return os.path.abspath(source) if source else ""


# ---------------------------------------------------------------- manifest


def write_manifest(gen_dir: Path, entries: dict[str, tuple[str, str]]) -> None:
    """Write the id -> (content hash, source) table of a generation."""
    sources = sorted({src for _h, src in entries.values()})
    number = {src: n for n, src in enumerate(sources)}
    articles = {i: [h, number[src]] for i, (h, src) in entries.items()}
    gens.write_json(gen_dir / gens.MANIFEST, {"sources": sources, "articles": articles})


def read_manifest(gen_dir: Path) -> dict[str, tuple[str, str]]:
    """Read the id -> (content hash, source) table of a generation."""
    data = gens.read_json(gen_dir / gens.MANIFEST)
    if not isinstance(data, dict):
        raise IndexBuildError(f"{gen_dir} has no readable manifest; rebuild the index")
    sources = data["sources"]
    return {i: (h, sources[n]) for i, (h, n) in data["articles"].items()}


# ---------------------------------------------------------------- verification


def _probe_query(ix: Any, article: Article) -> wquery.Query | None:
    """Return a query on the article's own words that must find it, or None."""
    names = set(ix.schema.names())
    for name, text in (("title_f", article.title), ("body_f", article.body[:300])):
        if name in names and text.strip():
            terms = list(ix.schema[name].process_text(text, mode="query"))[:12]
            if terms:
                return wquery.And([wquery.Term(name, t) for t in terms])
    return None


def verify(gen_dir: Path, expected: int, sample: Article | None) -> None:
    """Check that a generation opens, holds `expected` documents and finds `sample`."""
    try:
        ix = windex.open_dir(str(gen_dir), indexname=INDEX_NAME)
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


# ---------------------------------------------------------------- build


def default_workers() -> int:
    """Return how many indexing processes a large build uses: one per core, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Return the peak resident memory of this process (or its children) in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


def _write_articles(
    reading: _Reading, gen_dir: Path, workers: int | None, manifest: dict[str, tuple[str, str]]
) -> tuple[WriteResult, int, Article | None]:
    """Index every new article into gen_dir; return the result, workers used and a probe.

    With `workers` None, worker processes are used only for POOL_THRESHOLD articles or more.
    """
    articles = reading.articles()
    head = list(itertools.islice(articles, POOL_THRESHOLD))
    if workers is None:
        workers = default_workers() if len(head) >= POOL_THRESHOLD else 1
    pooled = workers > 1 and len(head) > 0
    sink: InlineWriter | PoolWriter
    sink = PoolWriter(gen_dir, workers, LIMIT_MB) if pooled else InlineWriter(gen_dir, LIMIT_MB)
    sample: Article | None = None
    sent = 0
    try:
        for batch in _batches(itertools.chain(head, articles), BATCH):
            for a in batch:
                manifest[a.id] = (schema.content_hash(a), _abs_source(a.source))
                if sample is None or (a.title.strip() and not sample.title.strip()):
                    sample = a
            sink.add(batch)
            sent += len(batch)
            reading.report(sent)
        result = sink.finish()
    except BaseException:
        sink.abort()
        raise
    for article, reason in result.failures:
        manifest.pop(article.id, None)
        reading.reject(Rejection(article.source, f"article {article.id!r} {reason}"))
        sample = None if sample is not None and sample.id == article.id else sample
    return result, (workers if pooled else 1), sample


def _finish_generation(
    index_dir: Path, partial: Path, meta: dict[str, Any], keep: Path | None
) -> Path:
    """Publish a verified partial generation, make it live, prune, and record the state."""
    gens.write_json(partial / gens.META, meta)
    final = gens.publish(partial)
    gens.switch(index_dir, final)
    gens.prune(index_dir, {final} | ({keep} if keep else set()))
    state = {"operation": meta["kind"], "finished_at": gens.utc_now(), **meta}
    gens.write_json(index_dir / gens.STATE, state)
    return final


def _build_into(
    index_dir: Path,
    partial: Path,
    paths: list[Path],
    progress: ProgressFn | None,
    workers: int | None,
) -> BuildReport:
    """Build a complete generation in `partial`, verify it and make it live."""
    reading = _Reading(paths, progress)
    create_index(partial)
    manifest: dict[str, tuple[str, str]] = {}
    result, used, sample = _write_articles(reading, partial, workers, manifest)
    if result.indexed == 0:
        raise IndexBuildError(
            f"no article could be indexed from {', '.join(map(str, paths))} "
            f"({reading.rejected} rejected); the live index is unchanged"
        )
    verify(partial, result.indexed, sample)
    write_manifest(partial, manifest)
    live = gens.live_generation(index_dir)
    name = partial.name.removesuffix(gens.PARTIAL_SUFFIX)
    elapsed = reading.elapsed()
    report = BuildReport(
        str(index_dir),
        name,
        live.name if live else None,
        [str(p) for p in paths],
        reading.read,
        result.indexed,
        reading.rejected,
        reading.duplicates,
        reading.warnings,
        reading.reasons(),
        reading.rejections,
        elapsed,
        result.indexed / max(elapsed, 1e-9),
        0,
        used,
        result.segments,
        _peak_rss_mb(),
        result.workers_peak_rss_kb / 1024,
    )
    final = _finish_generation(index_dir, partial, _build_meta(report), live)
    report.size_bytes = gens.tree_size(final)
    reading.report(result.indexed)
    return report


def _build_meta(report: BuildReport) -> dict[str, Any]:
    """Return what a generation records about the build that made it."""
    meta = asdict(report)
    del meta["rejections"], meta["index_dir"], meta["size_bytes"]
    meta.update(kind="build", built_at=gens.utc_now(), documents=report.indexed, last_update=None)
    return meta


def build(
    sources: Sequence[str | Path] | None = None,
    index_dir: Path | str | None = None,
    *,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    command: str | None = None,
) -> BuildReport:
    """Build a new generation from the sources (default: the sample archive) and make it live.

    `workers` is the number of indexing processes: None uses one per core (at most 4) for
    builds of POOL_THRESHOLD articles or more and this process otherwise; 1 never starts a
    process. Raises IndexLocked at once when another writer runs, and IndexBuildError when
    nothing could be indexed or the new generation fails verification; the live generation
    is then untouched.
    """
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    paths = _resolve_sources(sources)
    with gens.writer_lock(target, command):
        gens.clean_partials(target)
        partial = gens.new_partial(target)
        try:
            return _build_into(target, partial, paths, progress, workers)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise


# ---------------------------------------------------------------- update


def _link_generation(live: Path, partial: Path) -> None:
    """Fill `partial` with the live generation's index files (hard links; they never change)."""
    for f in live.iterdir():
        if not f.is_file() or f.name in (gens.META, gens.MANIFEST) or "LOCK" in f.name.upper():
            continue
        if f.suffix == ".toc":
            shutil.copy2(f, partial / f.name)
        else:
            os.link(f, partial / f.name)


def _merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: leave big segments alone, merge small ones once they pile up."""
    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT]
    if len(small) <= SMALL_SEGMENTS_MAX:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in small]


def _under(source: str, roots: list[str]) -> bool:
    """Tell whether a source path is one of the roots or lies beneath one."""
    return any(source == r or source.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _missing(known: dict[str, tuple[str, str]], reading: _Reading, paths: list[Path]) -> list[str]:
    """Return indexed ids whose source was read this time without them.

    A source that had any rejection is left alone: a record that became unreadable is
    not proof that its article is gone.
    """
    roots = [os.path.abspath(p) for p in paths]
    troubled = {
        _abs_source(r.path) for r in reading.rejections if not r.warning and not _is_duplicate(r)
    }
    return [
        i
        for i, (_h, src) in known.items()
        if i not in reading.seen and src not in troubled and _under(src, roots)
    ]


def _apply_changes(
    writer: Any, reading: _Reading, known: dict[str, tuple[str, str]], counts: Counter[str]
) -> Article | None:
    """Add new and replace changed articles through the writer; return the last one written."""
    last: Article | None = None
    for article in reading.articles():
        digest = schema.content_hash(article)
        old = known.get(article.id)
        if old is not None and old[0] == digest:
            counts["unchanged"] += 1
        else:
            try:
                doc = schema.document(article)
            except Exception as exc:
                reading.reject(Rejection(article.source, f"article {article.id!r}: {exc}"))
                continue
            (writer.add_document if old is None else writer.update_document)(**doc)
            counts["added" if old is None else "changed"] += 1
            last = article
        known[article.id] = (digest, _abs_source(article.source))
        if reading.read % BATCH == 0:
            reading.report(counts["added"] + counts["changed"])
    return last


def _update_into(
    index_dir: Path,
    live: Path,
    partial: Path,
    paths: list[Path],
    delete_missing: bool,
    progress: ProgressFn | None,
) -> UpdateReport:
    """Apply the sources' changes to a copy of the live generation and make it live."""
    known = read_manifest(live)
    reading = _Reading(paths, progress)
    _link_generation(live, partial)
    writer = FastSegmentWriter(windex.open_dir(str(partial), indexname=INDEX_NAME), limitmb=64)
    counts: Counter[str] = Counter()
    try:
        sample = _apply_changes(writer, reading, known, counts)
        gone = _missing(known, reading, paths) if delete_missing else []
        for article_id in gone:
            writer.delete_by_term("id", article_id)
            del known[article_id]
    except BaseException:
        writer.cancel()
        raise
    counts["deleted"] = len(gone)
    changed = counts["added"] + counts["changed"] + counts["deleted"] > 0
    if changed:
        writer.commit(mergetype=_merge_small_segments)
        verify(partial, len(known), sample)
        write_manifest(partial, known)
    else:
        writer.cancel()
    report = UpdateReport(
        str(index_dir),
        live.name,
        None,
        [str(p) for p in paths],
        reading.read,
        counts["added"],
        counts["changed"],
        counts["deleted"],
        counts["unchanged"],
        reading.rejected,
        reading.duplicates,
        reading.warnings,
        reading.reasons(),
        reading.rejections,
        len(known),
        reading.elapsed(),
    )
    if changed:
        meta = _update_meta(live, partial.name.removesuffix(gens.PARTIAL_SUFFIX), report)
        report.generation, report.previous = meta["generation"], live.name
        _finish_generation(index_dir, partial, meta, live)
    else:
        shutil.rmtree(partial, ignore_errors=True)
    return report


def _update_meta(live: Path, name: str, report: UpdateReport) -> dict[str, Any]:
    """Return the new generation's record: the build's figures plus this update's."""
    meta = dict(gens.read_json(live / gens.META) or {})
    figures = asdict(report)
    del figures["rejections"], figures["index_dir"], figures["generation"], figures["previous"]
    figures["at"] = gens.utc_now()
    meta.update(
        kind="update",
        documents=report.documents,
        previous=live.name,
        last_update=figures,
        generation=name,
    )
    return meta


def update(
    sources: Sequence[str | Path],
    index_dir: Path | str | None = None,
    *,
    delete_missing: bool = False,
    progress: ProgressFn | None = None,
    command: str | None = None,
) -> UpdateReport:
    """Add new articles, replace changed ones (by content hash), optionally delete vanished ones.

    With delete_missing, an indexed article is deleted when its source lies within one of
    the given sources, that source was read without rejections, and the article was not in it.
    """
    if not sources:
        raise IndexBuildError("name at least one source to update the index from")
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    paths = _resolve_sources(sources)
    with gens.writer_lock(target, command):
        gens.clean_partials(target)
        live = gens.live_generation(target)
        if live is None:
            raise IndexUnavailable(f"{target} holds no index yet; run `searchsvc index build`")
        partial = gens.new_partial(target)
        try:
            return _update_into(target, live, partial, paths, delete_missing, progress)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise


# ---------------------------------------------------------------- status and rollback


def _generation_info(gen: Path) -> GenerationInfo:
    """Describe a kept generation from its record."""
    meta = gens.read_json(gen / gens.META) or {}
    return GenerationInfo(gen.name, meta.get("documents"), meta.get("built_at"), meta.get("kind"))


def status(index_dir: Path | str | None = None) -> Status:
    """Describe the live generation of an index directory and the older ones kept."""
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    live = gens.live_generation(target)
    older = [_generation_info(g) for g in gens.list_generations(target) if g != live]
    if live is None:
        return Status(str(target), None, 0, 0, None, [], None, 0, 0, older)
    meta = gens.read_json(live / gens.META) or {}
    documents = windex.open_dir(str(live), indexname=INDEX_NAME).doc_count()
    return Status(
        str(target),
        live.name,
        documents,
        gens.tree_size(live),
        meta.get("built_at"),
        list(meta.get("sources", [])),
        meta.get("last_update"),
        int(meta.get("rejected", 0)),
        int(meta.get("duplicates", 0)),
        older,
    )


def rollback(index_dir: Path | str | None = None, *, command: str | None = None) -> RollbackReport:
    """Make the generation that was live before the current one live again."""
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    with gens.writer_lock(target, command):
        gens.clean_partials(target)
        live = gens.live_generation(target)
        if live is None:
            raise IndexUnavailable(f"{target} holds no index; nothing to roll back")
        previous = (gens.read_json(live / gens.META) or {}).get("previous")
        back = target / previous if previous else None
        if back is None or not back.is_dir():
            raise IndexBuildError(f"{target} keeps no generation older than {live.name}")
        meta = gens.read_json(back / gens.META) or {}
        verify(back, int(meta.get("documents", -1)), None)
        gens.switch(target, back)
        state = {
            "operation": "rollback",
            "finished_at": gens.utc_now(),
            "from": live.name,
            "generation": back.name,
        }
        gens.write_json(target / gens.STATE, state)
        return RollbackReport(str(target), live.name, back.name, int(meta.get("documents", 0)))
