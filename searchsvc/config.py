"""Settings with their defaults in one place, read from SEARCHSVC_* environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path


def _flag(value: str) -> bool:
    """Read a boolean environment value."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Service settings; every field maps to SEARCHSVC_<NAME>."""

    index: Path = Path("index")
    rate_limit: bool = True
    rate_limit_per_minute: int = 120
    rate_limit_cpu_s_per_minute: float = 10.0
    cors_origins: tuple[str, ...] = ()
    frame_ancestors: str = "'self'"
    # Four times what the slowest honest query needs (RELIABILITY.md, Abuse: 214 ms at 100 a page).
    query_budget_ms: int = 900
    max_request_bytes: int = 16_384
    reload_interval_s: float = 2.0
    # Reverse proxies in front of the service whose X-Forwarded-For is trusted (web, rate limit).
    proxy_count: int = 0
    # The site's canonical address (scheme, host, optional path) for absolute links; never Host.
    public_url: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from SEARCHSVC_* variables, defaults elsewhere."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"SEARCHSVC_{f.name.upper()}")
            if raw is None or f.name == "extra":
                continue
            values[f.name] = _convert(f.name, raw)
        return cls(**values)  # type: ignore[arg-type]


def _convert(name: str, raw: str) -> object:
    """Convert one raw environment value to the type of the named field."""
    if name == "index":
        return Path(raw)
    if name == "rate_limit":
        return _flag(raw)
    if name == "cors_origins":
        return tuple(o.strip() for o in raw.split(",") if o.strip())
    if name in {"rate_limit_per_minute", "query_budget_ms", "max_request_bytes", "proxy_count"}:
        return int(raw)
    if name in {"reload_interval_s", "rate_limit_cpu_s_per_minute"}:
        return float(raw)
    if name == "public_url":
        return public_url(raw)
    return raw


_PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?")


def public_url(raw: str) -> str:
    """Return a canonical site address without its trailing slash; raise ValueError if unfit."""
    value = raw.strip().rstrip("/")
    if value and not _PUBLIC_URL.fullmatch(value):
        raise ValueError(
            f"SEARCHSVC_PUBLIC_URL must look like https://host[:port][/path] "
            f"(no query, no fragment), not {raw[:100]!r}"
        )
    return value


def public_link(settings: Settings, path: str) -> str:
    """Return a path of the site (`/articles/x`) under the public URL, or as it is without one.

    The one rule for absolute links, shared by the web layer (`web/urls.site_url`) and the CLI
    (exports and the register); never an address built from the request's Host header.
    """
    return settings.public_url + path if settings.public_url else path


def default_index_dir() -> Path:
    """Return the index directory: SEARCHSVC_INDEX or ./index."""
    return Path(os.environ.get("SEARCHSVC_INDEX", "index"))
