"""The one error a delivery channel raises."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered on one channel.

    The message names the channel, the host, URL or file, and what to change. `retryable`
    says whether trying again could help (a server down or busy) or not (a wrong password,
    a rule without recipients, a receiver that rejects the request); `attempts` counts the
    tries made when the error ends `send_with_retries`.
    """

    def __init__(self, message: str, *, retryable: bool = True, attempts: int = 1) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.attempts = attempts
