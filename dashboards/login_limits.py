"""Login rate limiting: too many failed logins from one address or for one account within a
window lock further attempts out until the oldest failure leaves the window."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    def __init__(self, failures_allowed: int, window_seconds: float) -> None:
        self.failures_allowed = failures_allowed
        self.window_seconds = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str, now: float | None = None) -> int:
        """Seconds until any of `keys` may try again; 0 when all may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [self._wait(key, now) for key in keys]
        return max(waits, default=0)

    def failed(self, *keys: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _wait(self, key: str, now: float) -> int:
        failures = self._failures.get(key)
        if not failures:
            return 0
        while failures and now - failures[0] >= self.window_seconds:
            failures.popleft()
        if len(failures) < self.failures_allowed:
            return 0
        return max(1, int(failures[0] + self.window_seconds - now + 0.999))
