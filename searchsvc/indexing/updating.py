"""Update the live generation: add new articles, replace changed ones, delete vanished ones.

The update works on a copy of the live generation made of hard links (Whoosh never rewrites
a segment file; deletions live in the new table of contents), commits there without merging
the big segments, verifies, and switches like a build. Never imports click or flask.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from whoosh.reading import SegmentReader

from searchsvc import config
from searchsvc.archive import Article, Rejection
from searchsvc.errors import IndexBuildError, IndexUnavailable
from searchsvc.indexing.ingest import (
    BATCH,
    ProgressFn,
    Reading,
    finish_generation,
    read_manifest,
    resolve_sources,
    source_file,
    verify,
    write_manifest,
)
from searchsvc.indexing.writers import FastSegmentWriter, open_index
from searchsvc.store import generations as gens
from searchsvc.store import lexicon, schema

SMALL_SEGMENT = 5000  # an update merges segments below this many documents ...
SMALL_SEGMENTS_MAX = 6  # ... once there are more than this many of them


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


def _link_generation(live: Path, partial: Path) -> None:
    """Fill `partial` with the live generation's index files (hard links; they never change).

    Its metadata, manifest and lexicon describe the whole generation: the new one gets its own.
    """
    for f in live.iterdir():
        own = (gens.META, gens.MANIFEST, lexicon.FILE)
        if not f.is_file() or f.name in own or "LOCK" in f.name.upper():
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


def _missing(
    known: dict[str, tuple[str, str]], reading: Reading, paths: Sequence[Path]
) -> list[str]:
    """Return indexed ids whose source was read this time without them.

    A source that had any rejection is left alone: a record that became unreadable is
    not proof that its article is gone.
    """
    roots = [os.path.abspath(p) for p in paths]
    troubled = reading.troubled()
    return [
        i
        for i, (_h, src) in known.items()
        if i not in reading.seen and src not in troubled and _under(src, roots)
    ]


def _apply_changes(
    writer: Any, reading: Reading, known: dict[str, tuple[str, str]], counts: Counter[str]
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
        known[article.id] = (digest, source_file(article.source))
        if reading.read % BATCH == 0:
            reading.report(counts["added"] + counts["changed"])
    return last


def _write_changes(
    partial: Path, reading: Reading, known: dict[str, tuple[str, str]], delete_missing: bool
) -> tuple[Counter[str], Article | None]:
    """Write additions, replacements and deletions into `partial`; commit only if any."""
    writer = FastSegmentWriter(open_index(partial), limitmb=64)
    counts: Counter[str] = Counter()
    try:
        sample = _apply_changes(writer, reading, known, counts)
        gone = _missing(known, reading, reading.sources) if delete_missing else []
        for article_id in gone:
            writer.delete_by_term("id", article_id)
            del known[article_id]
        counts["deleted"] = len(gone)
        if counts["added"] + counts["changed"] + counts["deleted"] == 0:
            writer.cancel()
        else:
            writer.commit(mergetype=_merge_small_segments)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return counts, sample


def _check_schema(live: Path) -> None:
    """Refuse to update an index whose fields differ from this version's schema."""
    fields = set(open_index(live).schema.names())
    if fields != set(schema.build_schema().names()):
        raise IndexBuildError(
            f"{live} was built by another version of searchsvc (its fields differ); "
            "run `searchsvc index build` to rebuild it"
        )


def _update_into(
    index_dir: Path,
    live: Path,
    partial: Path,
    reading: Reading,
    delete_missing: bool,
) -> UpdateReport:
    """Apply the sources' changes to a copy of the live generation and make it live."""
    _check_schema(live)
    known = read_manifest(live)
    _link_generation(live, partial)
    counts, sample = _write_changes(partial, reading, known, delete_missing)
    report = UpdateReport(
        str(index_dir), live.name, None, [str(p) for p in reading.sources], reading.read,
        counts["added"], counts["changed"], counts["deleted"], counts["unchanged"],
        reading.rejected, reading.duplicates, reading.warnings, reading.reasons(),
        reading.rejections, len(known), 0.0,
    )  # fmt: skip
    if counts["added"] + counts["changed"] + counts["deleted"] == 0:
        shutil.rmtree(partial, ignore_errors=True)
        report.elapsed = reading.elapsed()
        return report
    verify(partial, len(known), sample)
    write_manifest(partial, known)
    report.elapsed = reading.elapsed()
    meta = _update_meta(live, partial.name.removesuffix(gens.PARTIAL_SUFFIX), report)
    report.generation, report.previous = meta["generation"], live.name
    finish_generation(index_dir, partial, meta, live)
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
    follow_links: bool = False,
) -> UpdateReport:
    """Add new articles, replace changed ones (by content hash), optionally delete vanished ones.

    With delete_missing, an indexed article is deleted when its source lies within one of
    the given sources, that source was read without rejections, and the article was not in it.
    """
    if not sources:
        raise IndexBuildError("name at least one source to update the index from")
    target = Path(index_dir) if index_dir is not None else config.default_index_dir()
    paths = resolve_sources(sources)
    with gens.writer_lock(target, command):
        gens.clean_partials(target)
        live = gens.live_generation(target)
        if live is None:
            raise IndexUnavailable(f"{target} holds no index yet; run `searchsvc index build`")
        partial = gens.new_partial(target)
        try:
            reading = Reading(paths, progress, follow_links)
            return _update_into(target, live, partial, reading, delete_missing)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
