"""What a read found, in bounded memory: counts of everything, a list of the first few per file.

A hostile or broken file can hold millions of bad records. Each one is counted (by kind of
reason too), but only the first MAX_LISTED_PER_FILE rejections and warnings of a file are
listed and passed on; the rest of that file is summed up in one line. A file with
MAX_REJECTIONS_PER_FILE rejections is not read further.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from searchsvc.archive.article import Rejection

MAX_LISTED_PER_FILE = 100
MAX_REJECTIONS_PER_FILE = 10_000
MAX_REASONS = 1_000  # distinct reasons counted by name; any further ones count as "other"
OTHER_REASONS = "other reasons"


@dataclass
class ReadReport:
    """Counters of one read; `read == accepted + rejected` always holds.

    `rejections` lists the first MAX_LISTED_PER_FILE rejections and warnings of each file
    and, for a file with more, one warning saying how many more were counted (`unlisted`).
    `reasons` counts every rejection and warning by kind ("warning: " before warnings).
    `troubled` names every file with a rejection other than a repeated id.
    """

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0
    duplicates: int = 0
    unlisted: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    troubled: set[str] = field(default_factory=set)


def reason_kind(rejection: Rejection) -> str:
    """Return the general part of a reason, without details that differ from record to record."""
    reason = rejection.reason
    if reason.startswith("duplicate id"):
        kind = "duplicate id"
    elif reason.startswith("not valid JSON"):
        kind = "not valid JSON"
    else:
        kind = reason
    return ("warning: " if rejection.warning else "") + kind


def is_duplicate(rejection: Rejection) -> bool:
    """Tell whether a rejection is a repeated id."""
    return not rejection.warning and rejection.reason.startswith("duplicate id")


class Tally:
    """Count each rejection into a report; list and pass on only the first ones of each file."""

    def __init__(self, report: ReadReport, on_reject: Callable[[Rejection], None] | None) -> None:
        self.report = report
        self.on_reject = on_reject
        self.path: str | None = None
        self.listed = self.rejected = self.unlisted = 0

    def add(self, rejection: Rejection) -> bool:
        """Count a rejection; return True when its file has had too many and must stop."""
        if rejection.path != self.path:
            self.finish()
            self.path = rejection.path
        self._count(rejection)
        if self.listed < MAX_LISTED_PER_FILE:
            self.listed += 1
            self._list(rejection)
        else:
            self.unlisted += 1
            self.report.unlisted += 1
        if rejection.warning:
            return False
        self.rejected += 1
        return self.rejected >= MAX_REJECTIONS_PER_FILE

    def stop(self, line: int | None) -> None:
        """Record that the current file is not read past line: a rejection, always listed."""
        assert self.path is not None
        reason = (
            f"stopped after {MAX_REJECTIONS_PER_FILE:,} rejections: the rest of the file is "
            "skipped; repair the file and read it again"
        )
        rejection = Rejection(self.path, reason, line)
        self._count(rejection)
        self._list(rejection)

    def finish(self) -> None:
        """Sum up what the current file had beyond its listed rejections and warnings."""
        if self.path is not None and self.unlisted:
            reason = (
                f"{self.unlisted:,} more rejections and warnings in this file were counted "
                f"but are not listed (only the first {MAX_LISTED_PER_FILE} are)"
            )
            self._list(Rejection(self.path, reason, warning=True))
        self.path = None
        self.listed = self.rejected = self.unlisted = 0

    def _count(self, rejection: Rejection) -> None:
        """Add one rejection or warning to the report's counters."""
        report = self.report
        if rejection.warning:
            report.warnings += 1
        else:
            report.read += 1
            report.rejected += 1
            if not is_duplicate(rejection):
                report.troubled.add(rejection.path)
        kind = reason_kind(rejection)
        if kind not in report.reasons and len(report.reasons) >= MAX_REASONS:
            kind = OTHER_REASONS
        report.reasons[kind] = report.reasons.get(kind, 0) + 1

    def _list(self, rejection: Rejection) -> None:
        """Keep a rejection in the report's list and pass it on."""
        self.report.rejections.append(rejection)
        if self.on_reject is not None:
            self.on_reject(rejection)
