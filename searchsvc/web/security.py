"""Security headers, the CORS allowlist and a per-client token-bucket rate limiter."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from searchsvc.config import Settings

# Paths whose JSON may be read by the main site's pages from another origin.
CORS_PATHS = ("/api/suggest", "/api/search")


def content_security_policy(frame_ancestors: str) -> str:
    """Return a policy that allows only this service's own scripts, styles and images."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def security_headers(settings: Settings) -> dict[str, str]:
    """Return the headers every response carries."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings.frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    legacy = {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(settings.frame_ancestors.strip())
    if legacy:
        headers["X-Frame-Options"] = legacy
    return headers


def cors_headers(settings: Settings, path: str, origin: str | None) -> dict[str, str]:
    """Return CORS headers for an allowlisted origin on a CORS path; nothing otherwise."""
    if path not in CORS_PATHS:
        return {}
    headers = {"Vary": "Origin"}
    if origin and origin in settings.cors_origins:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Methods"] = "GET"
        headers["Access-Control-Max-Age"] = "600"
    return headers


def preflight_headers(
    settings: Settings, path: str, origin: str | None, asked: str | None
) -> dict[str, str] | None:
    """Return the answer headers of a CORS preflight an allowlisted origin may make, else None."""
    if asked != "GET" or not origin:
        return None
    headers = cors_headers(settings, path, origin)
    return headers if "Access-Control-Allow-Origin" in headers else None


@dataclass
class _Bucket:
    """Tokens left for one client and when they were last counted."""

    tokens: float
    stamp: float


class RateLimiter:
    """An in-process token bucket per client key: `per_minute` requests, refilled steadily."""

    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(max(1, per_minute))
        self.rate = self.capacity / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> int:
        """Spend one token for key; return 0 when allowed, else seconds to wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._prune(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def _prune(self, now: float) -> None:
        """Forget clients whose buckets are full again, so memory stays bounded."""
        if len(self._buckets) < self.MAX_CLIENTS:
            return
        full_after = self.capacity / self.rate
        stale = [k for k, b in self._buckets.items() if now - b.stamp >= full_after]
        for key in stale or list(self._buckets)[: self.MAX_CLIENTS // 2]:
            del self._buckets[key]
