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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from searchsvc import config
from searchsvc.archive import Article, Rejection
from searchsvc.errors import IndexBuildError, IndexUnavailable
from searchsvc.indexing.ingest import (
    BATCH,
    Progress,
    ProgressFn,
    Reading,
    batches,
    finish_generation,
    resolve_sources,
    source_file,
    verify,
    write_manifest,
)
from searchsvc.indexing.updating import UpdateReport, update
from searchsvc.indexing.writers import (
    InlineWriter,
    PoolWriter,
    WriteResult,
    create_index,
    open_index,
)
from searchsvc.store import generations as gens
from searchsvc.store import schema

__all__ = [
    "BuildReport",
    "GenerationInfo",
    "NothingIndexed",
    "Progress",
    "ProgressFn",
    "RollbackReport",
    "Status",
    "UpdateReport",
    "build",
    "default_workers",
    "rollback",
    "status",
    "update",
]

POOL_THRESHOLD = 2000  # below this many articles, worker start-up costs more than it saves
LIMIT_MB = 192  # postings a writer holds in memory before it writes them as a segment


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


@dataclass(frozen=True)
class GenerationInfo:
    """A kept generation and what made it: a build or an update, when, from what, with counts.

    `built_at` is the time of the build the generation descends from; `made_at` its own.
    """

    name: str
    documents: int | None
    built_at: str | None
    kind: str | None
    made_at: str | None = None
    sources: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    live: bool = False


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
    generations: list[GenerationInfo] = field(default_factory=list)


@dataclass(frozen=True)
class RollbackReport:
    """Which generation was live before and after a rollback."""

    index_dir: str
    from_generation: str
    to_generation: str
    documents: int


class NothingIndexed(IndexBuildError):
    """A build that read no indexable article; it carries the reasons, as a build report does."""

    def __init__(self, message: str, reasons: dict[str, int], rejections: list[Rejection]):
        super().__init__(message)
        self.reasons = reasons
        self.rejections = rejections


# ---------------------------------------------------------------- build


def default_workers() -> int:
    """Return how many indexing processes a large build uses: one per core, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Return the peak resident memory of this process (or its children) in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


def _write_articles(
    reading: Reading, gen_dir: Path, workers: int | None, manifest: dict[str, tuple[str, str]]
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
        for batch in batches(itertools.chain(head, articles), BATCH):
            for a in batch:
                manifest[a.id] = (schema.content_hash(a), source_file(a.source))
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


def _build_into(
    index_dir: Path,
    partial: Path,
    reading: Reading,
    workers: int | None,
) -> BuildReport:
    """Build a complete generation in `partial`, verify it and make it live."""
    paths = list(reading.sources)
    create_index(partial)
    manifest: dict[str, tuple[str, str]] = {}
    result, used, sample = _write_articles(reading, partial, workers, manifest)
    if result.indexed == 0:
        found = (
            f"{reading.rejected} rejected"
            if reading.read
            else "no .txt, .jsonl or .jsonl.gz article found"
        )
        raise NothingIndexed(
            f"no article could be indexed from {', '.join(map(str, paths))} "
            f"({found}); the live index is unchanged",
            reading.reasons(),
            reading.rejections,
        )
    verify(partial, result.indexed, sample)
    write_manifest(partial, manifest)
    live = gens.live_generation(index_dir)
    elapsed = reading.elapsed()
    report = BuildReport(
        index_dir=str(index_dir), generation=partial.name.removesuffix(gens.PARTIAL_SUFFIX),
        previous=live.name if live else None, sources=[str(p) for p in paths],
        read=reading.read, indexed=result.indexed, rejected=reading.rejected,
        duplicates=reading.duplicates, warnings=reading.warnings, reasons=reading.reasons(),
        rejections=reading.rejections, elapsed=elapsed,
        docs_per_second=result.indexed / max(elapsed, 1e-9), size_bytes=0, workers=used,
        segments=result.segments, peak_rss_mb=_peak_rss_mb(),
        workers_peak_rss_mb=result.workers_peak_rss_kb / 1024,
    )  # fmt: skip
    final = finish_generation(index_dir, partial, _build_meta(report), live)
    report.size_bytes = gens.tree_size(final)
    report.elapsed = reading.elapsed()  # with the flush to disk and the switch
    report.docs_per_second = result.indexed / max(report.elapsed, 1e-9)
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
    follow_links: bool = False,
) -> BuildReport:
    """Build a new generation from the sources (default: the sample archive) and make it live.

    `workers` is the number of indexing processes: None uses one per core (at most 4) for
    builds of POOL_THRESHOLD articles or more and this process otherwise; 1 never starts a
    process. Raises IndexLocked at once when another writer runs, and IndexBuildError when
    nothing could be indexed or the new generation fails verification; the live generation
    is then untouched. Symbolic links out of a source directory are read only with
    follow_links.
    """
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    paths = resolve_sources(sources)
    with gens.writer_lock(target, command):
        gens.clean_partials(target)
        partial = gens.new_partial(target)
        try:
            reading = Reading(paths, progress, follow_links)
            return _build_into(target, partial, reading, workers)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise


# ---------------------------------------------------------------- status and rollback


_BUILD_COUNTS = ("read", "indexed", "rejected", "duplicates")
_UPDATE_COUNTS = ("added", "changed", "deleted", "unchanged", "rejected")


def _generation_info(gen: Path, live: Path | None) -> GenerationInfo:
    """Describe a kept generation from its record: an update's own figures, else the build's."""
    meta = gens.read_json(gen / gens.META) or {}
    made: dict[str, Any] = meta
    names: tuple[str, ...] = _BUILD_COUNTS
    if meta.get("kind") == "update" and isinstance(meta.get("last_update"), dict):
        made, names = meta["last_update"], _UPDATE_COUNTS
    return GenerationInfo(
        gen.name,
        meta.get("documents"),
        meta.get("built_at"),
        meta.get("kind"),
        made.get("at", made.get("built_at")),
        [str(s) for s in made.get("sources", [])],
        {n: int(made[n]) for n in names if isinstance(made.get(n), int)},
        gen == live,
    )


def status(index_dir: Path | str | None = None) -> Status:
    """Describe the live generation of an index directory and every kept one, newest first."""
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    live = gens.live_generation(target)
    kept = [_generation_info(g, live) for g in reversed(gens.list_generations(target))]
    older = [g for g in reversed(kept) if not g.live]  # oldest first, as before
    if live is None:
        return Status(str(target), None, 0, 0, None, [], None, 0, 0, older, kept)
    meta = gens.read_json(live / gens.META) or {}
    try:
        documents = open_index(live).doc_count()
    except Exception as exc:  # Whoosh raises its own errors for damaged files
        raise IndexUnavailable(f"the live generation {live} does not open: {exc}") from exc
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
        kept,
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
