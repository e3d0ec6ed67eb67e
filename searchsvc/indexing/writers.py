"""Turn articles into the segments of a new Whoosh index, in this process or in workers.

Analysis dominates indexing time, so large builds hand batches of articles to worker
processes, each writing its own segment into the same directory; the parent only reads
the sources and finally writes the table of contents naming every segment. There is no
final merge: a build has one segment per worker (more when a worker's postings outgrow its
memory budget), which costs little at query time. Segments are written by
segments.SegmentBuilder, not by Whoosh's SegmentWriter (see segments.py for why).

Workers are started with the `spawn` method, so they inherit no file descriptor (in
particular not the writer lock), and each exits on its own when its parent dies. As with
any `spawn` use, a script that calls a build must guard its top level with
`if __name__ == "__main__":` (the `searchsvc` command does).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import resource
import shutil
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from searchsvc.archive import Article
from searchsvc.errors import IndexBuildError
from searchsvc.indexing.segments import SegmentBuilder
from searchsvc.store import schema
from searchsvc.store.segfiles import preloaded_lengths

INDEX_NAME = "MAIN"
_POLL_S = 0.5
_PR_SET_PDEATHSIG = 1


@dataclass
class WriteResult:
    """What the writers did: documents written, articles that could not be indexed."""

    indexed: int = 0
    failures: list[tuple[Article, str]] = field(default_factory=list)
    segments: int = 0
    workers_peak_rss_kb: int = 0


class FastSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A SegmentWriter whose segment flush reads each field's lengths once, not per posting.

    Whoosh 2.7 asks the new segment for the field length of every posting it writes: a
    chain of Python calls per posting, plus a file-exists check per posting for fields
    without lengths (`scorable=False`), which it never caches. Loading each field's
    lengths into a list once cut a third of build CPU time on our schema.
    """

    def per_document_reader(self) -> Any:
        """Return the new segment's per-document reader with lengths served from lists."""
        reader = super().per_document_reader()
        reader.doc_field_length = preloaded_lengths(reader)
        return reader


def _add_batch(builder: SegmentBuilder, batch: Sequence[Article], result: WriteResult) -> None:
    """Add a batch of articles to a segment builder, recording the ones that fail analysis."""
    for article in batch:
        try:
            doc = schema.document(article)
        except Exception as exc:  # an analyzer or field bug must not sink the whole build
            result.failures.append((article, f"could not be indexed: {exc}"))
            continue
        builder.add_document(doc)
        result.indexed += 1


class InlineWriter:
    """Write every article into segments in this process (small builds)."""

    def __init__(self, gen_dir: Path, limitmb: int) -> None:
        self.gen_dir = gen_dir
        self.builder = SegmentBuilder(open_index(gen_dir), limitmb)
        self.result = WriteResult()

    def add(self, batch: Sequence[Article]) -> None:
        """Index a batch of articles."""
        _add_batch(self.builder, batch, self.result)

    def finish(self) -> WriteResult:
        """Write the last segment and the table of contents; return what was written."""
        segments = self.builder.finish()
        _write_toc(self.gen_dir, segments)
        self.result.segments = len(segments)
        return self.result

    def abort(self) -> None:
        """Drop what was written."""
        self.builder.cancel()


def _next_batch(jobs: Any, parent_pid: int) -> list[Article] | None:
    """Wait for the next batch; exit the process if the parent died meanwhile."""
    while True:
        try:
            batch: list[Article] | None = jobs.get(timeout=_POLL_S)
            return batch
        except queue.Empty:
            if os.getppid() != parent_pid:
                os._exit(1)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit now if it already has.

    Polling alone is not enough: a parent killed while writing a batch leaves a worker
    blocked for ever reading the rest of it.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker_main(gen_dir: str, limitmb: int, jobs: Any, results: Any, parent_pid: int) -> None:
    """Index the batches a parent sends, then report the finished segments."""
    _die_with_parent(parent_pid)
    try:
        builder = SegmentBuilder(open_index(gen_dir), limitmb)
        result = WriteResult()
        while (batch := _next_batch(jobs, parent_pid)) is not None:
            _add_batch(builder, batch, result)
        segments = builder.finish()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        results.put(("ok", segments, result.indexed, result.failures, rss))
    except BaseException as exc:
        results.put(("error", _plain(exc), 0, [], 0))


def _plain(exc: BaseException) -> str:
    """Return an error in plain words (no traceback) for the parent to show."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {exc}"


class PoolWriter:
    """Write articles through worker processes (one or more segments each), with bounded queues."""

    def __init__(self, gen_dir: Path, workers: int, limitmb: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.gen_dir = gen_dir
        self.jobs = ctx.Queue(maxsize=2 * workers)
        self.results = ctx.Queue()
        self.procs: list[SpawnProcess] = [
            ctx.Process(
                target=_worker_main,
                args=(str(gen_dir), limitmb, self.jobs, self.results, os.getpid()),
                daemon=True,
                name=f"searchsvc-index-{n}",
            )
            for n in range(workers)
        ]
        for p in self.procs:
            p.start()

    def _check_alive(self) -> None:
        """Fail as soon as a worker has ended before being told to finish."""
        for p in self.procs:
            if p.exitcode is not None:
                raise IndexBuildError(self._failure(p.exitcode))

    def _failure(self, exitcode: int) -> str:
        """Return why a worker ended early: its own error report, else its exit status."""
        with contextlib.suppress(queue.Empty):
            status, message, *_ = self.results.get(timeout=_POLL_S)
            if status == "error":
                return f"an indexing worker failed ({message}); the live index is unchanged"
        how = f"was killed by signal {-exitcode}" if exitcode < 0 else f"exited ({exitcode})"
        return f"an indexing worker {how}; the live index is unchanged"

    def _put(self, item: list[Article] | None) -> None:
        """Queue a batch (or the end marker), waiting while the workers are busy."""
        while True:
            try:
                self.jobs.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                self._check_alive()

    def add(self, batch: Sequence[Article]) -> None:
        """Hand a batch of articles to the workers."""
        self._check_alive()
        self._put(list(batch))

    def _collect(self) -> list[tuple[Any, ...]]:
        """Receive one report per worker."""
        reports: list[tuple[Any, ...]] = []
        while len(reports) < len(self.procs):
            try:
                reports.append(self.results.get(timeout=_POLL_S))
            except queue.Empty:
                for p in self.procs:
                    if p.exitcode not in (None, 0):
                        raise IndexBuildError(self._failure(p.exitcode)) from None
                if all(p.exitcode is not None for p in self.procs):
                    raise IndexBuildError("an indexing worker ended without a report") from None
        return reports

    def finish(self) -> WriteResult:
        """Wait for the workers, then write the table of contents naming their segments."""
        for _ in self.procs:
            self._put(None)
        reports = self._collect()
        for p in self.procs:
            p.join()
        errors = [r[1] for r in reports if r[0] == "error"]
        if errors:
            raise IndexBuildError(
                f"an indexing worker failed ({errors[0]}); the live index is unchanged"
            )
        result = WriteResult()
        segments = [segment for r in reports for segment in r[1]]
        for _status, _segment, indexed, failures, rss in reports:
            result.indexed += indexed
            result.failures.extend(failures)
            result.workers_peak_rss_kb = max(result.workers_peak_rss_kb, rss)
        _write_toc(self.gen_dir, segments)
        result.segments = len(segments)
        return result

    def abort(self) -> None:
        """Stop the workers at once, dropping queued batches (so exit does not wait on them)."""
        self.jobs.cancel_join_thread()
        for p in self.procs:
            if p.is_alive():
                p.kill()
            p.join()
        self.jobs.close()
        self.results.close()


def _write_toc(gen_dir: Path, segments: list[Any]) -> None:
    """Commit the index in gen_dir as exactly these segments, removing temporary files."""
    ix = open_index(gen_dir)
    generation = ix.latest_generation() + 1
    windex.TOC(ix.schema, segments, generation).write(ix.storage, INDEX_NAME)
    windex.clean_files(ix.storage, INDEX_NAME, generation, segments)
    for child in gen_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


def open_index(gen_dir: Path | str) -> Any:
    """Open the index of a generation without mmap.

    Whoosh reads a compound segment through mmap by copying every sub-file into memory: an
    84,132-article index took 800 MB of RSS just to be verified.
    """
    return FileStorage(str(gen_dir), supports_mmap=False).open_index(INDEX_NAME)


def create_index(gen_dir: Path) -> None:
    """Create an empty index with the current schema in gen_dir."""
    windex.create_in(str(gen_dir), schema.build_schema(), indexname=INDEX_NAME)
