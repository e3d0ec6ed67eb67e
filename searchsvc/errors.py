"""Errors of searchsvc; each carries the HTTP status the web layer answers with."""


class SearchError(Exception):
    """Base error: a message in plain words and an HTTP status."""

    status = 500

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(SearchError):
    """A parameter or query the caller can fix."""

    status = 400


class NotFound(SearchError):
    """An article or resource that does not exist."""

    status = 404


class IndexUnavailable(SearchError):
    """No usable index is loaded."""

    status = 503


class IndexLocked(SearchError):
    """Another writer holds the index lock."""

    status = 409


class IndexBuildError(SearchError):
    """A build or update failed; the live generation is untouched."""

    status = 500
