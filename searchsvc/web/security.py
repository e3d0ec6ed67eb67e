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
    """What one client has left: requests and CPU seconds, and when they were last counted."""

    requests: float
    cpu: float
    stamp: float


class RateLimiter:
    """Two token buckets per client key, in one process: requests and CPU time.

    A request is let in while the client has a request token and its CPU balance is positive;
    afterwards `charge` takes the CPU time it cost, so the balance can go below zero and the
    client waits until it refills. Both refill steadily over a minute up to their capacity.
    A cheap search costs a few milliseconds; a crafted one, up to the query budget.
    """

    MAX_CLIENTS = 10_000

    def __init__(
        self,
        per_minute: int,
        cpu_s_per_minute: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(max(1, per_minute))
        self.cpu_capacity = max(0.001, float(cpu_s_per_minute))
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, key: str) -> int:
        """Spend one request token for key; return 0 when allowed, else seconds to wait."""
        with self._lock:
            bucket = self._refilled(key)
            if bucket.requests >= 1.0 and bucket.cpu > 0.0:
                bucket.requests -= 1.0
                return 0
            wait_requests = (1.0 - bucket.requests) * 60.0 / self.capacity
            wait_cpu = -bucket.cpu * 60.0 / self.cpu_capacity
            return max(1, math.ceil(max(wait_requests, wait_cpu)))

    def charge(self, key: str, cpu_s: float) -> None:
        """Take the CPU seconds a request of key cost from its balance."""
        with self._lock:
            self._refilled(key).cpu -= max(0.0, cpu_s)

    def _refilled(self, key: str) -> _Bucket:
        """Return key's bucket, topped up for the time since it was last counted."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, self.cpu_capacity, now)
            return bucket
        minutes = max(0.0, now - bucket.stamp) / 60.0
        bucket.requests = min(self.capacity, bucket.requests + minutes * self.capacity)
        bucket.cpu = min(self.cpu_capacity, bucket.cpu + minutes * self.cpu_capacity)
        bucket.stamp = now
        return bucket

    def _prune(self, now: float) -> None:
        """Forget clients whose buckets are full again, so memory stays bounded."""
        if len(self._buckets) < self.MAX_CLIENTS:
            return
        full = [k for k, b in self._buckets.items() if now - b.stamp >= self._full_after(b)]
        for key in full or list(self._buckets)[: self.MAX_CLIENTS // 2]:
            del self._buckets[key]

    def _full_after(self, bucket: _Bucket) -> float:
        """Return seconds after its stamp at which a bucket is full again."""
        missing_cpu = (self.cpu_capacity - bucket.cpu) / self.cpu_capacity
        return 60.0 * max(1.0, missing_cpu)
