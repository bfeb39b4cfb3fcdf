"""Hostile Bazaar's traps and network behaviour, seen from a standard-library client.

The traps always offer one more new URL; the slow pages are slow, the reset is a TCP RST, the
429 and 503 pages give in only after waiting, the redirects never end; and the site stops at
once even with a stalled request open.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urljoin, urlsplit

import pytest

from armswatch.demo.hostile import NORMAL_LISTINGS, PATIENT_LISTINGS, HostileSite
from tests.armswatch.demo.hostile_client import get, page, raw_request

# --- traps --------------------------------------------------------------------------------------


def follow(site: HostileSite, start: str, css: str, hops: int) -> list[str]:
    """The targets (path and query) reached by following the `css` link `hops` times."""
    targets = [start]
    for _ in range(hops):
        href = page(site, targets[-1]).css(f"{css}::attr(href)").get()
        assert href, f"{targets[-1]}: no {css} link"
        parts = urlsplit(urljoin(site.url(targets[-1]), href))
        targets.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return targets


def test_pagination_never_ends_and_repeats_the_same_listings(site: HostileSite) -> None:
    targets = follow(site, "/trap/pages?page=1", "a.next", 25)
    assert len(set(targets)) == 26
    assert targets[-1] == "/trap/pages?page=26"
    same = {item.path for item in NORMAL_LISTINGS[:3]}
    for target in (targets[0], targets[-1]):
        links = page(site, target).css("ul.listings a.listing-link::attr(href)").getall()
        assert set(links) == same


def test_the_calendar_runs_both_ways_forever(site: HostileSite) -> None:
    ahead = follow(site, "/trap/calendar/2024/01", "a.more.next-month", 24)
    back = follow(site, "/trap/calendar/2024/01", "a.more.prev-month", 24)
    assert ahead[12] == "/trap/calendar/2025/01" and ahead[-1] == "/trap/calendar/2026/01"
    assert back[1] == "/trap/calendar/2023/12" and back[-1] == "/trap/calendar/2022/01"
    assert len(set(ahead) | set(back)) == 49


def test_the_loop_repeats_a_path_segment_forever(site: HostileSite) -> None:
    targets = follow(site, "/trap/loop/", "nav.more a.more", 20)
    assert targets == ["/trap/loop/" + "x/" * depth for depth in range(21)]


def test_the_growing_url_passes_two_kilobytes_within_fifteen_hops(site: HostileSite) -> None:
    targets = follow(site, "/trap/grow?q=a", "nav.more a.more", 12)
    lengths = [len(site.url(target)) for target in targets]
    assert lengths == sorted(set(lengths))  # longer every hop
    assert lengths[-1] > 2083  # the classic URL-length cap, after 12 hops


# --- slow, stalled, reset -----------------------------------------------------------------------


def test_drip_sends_a_byte_a_second(site: HostileSite) -> None:
    sock, head = raw_request(site, "/slow/drip")
    try:
        assert head.startswith(b"HTTP/1.1 200")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        assert 1500 <= length <= 3000
        started, received = time.monotonic(), b""
        while len(received) < 3:
            received += sock.recv(3 - len(received))
        assert time.monotonic() - started >= 1.9
        assert received == b"<!D"
    finally:
        sock.close()


def test_stall_sends_headers_then_nothing_and_the_site_still_stops_at_once() -> None:
    before = set(threading.enumerate())
    site = HostileSite().start()
    sock, head = raw_request(site, "/slow/stall")
    try:
        assert head.startswith(b"HTTP/1.1 200") and b"Content-Length:" in head
        sock.settimeout(1.5)
        with pytest.raises(TimeoutError):
            sock.recv(1)
        started = time.monotonic()
        site.__exit__(None, None, None)
        assert time.monotonic() - started < 3
        sock.settimeout(3)
        assert sock.recv(1) == b""  # the server closed the stalled connection
        deadline = time.monotonic() + 2
        while set(threading.enumerate()) - before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not set(threading.enumerate()) - before  # the stalled handler's thread ended
    finally:
        sock.close()
        site.stop()


def test_reset_answers_with_a_tcp_rst(site: HostileSite) -> None:
    sock = socket.create_connection((site.host, site.port), timeout=10)
    try:
        sock.sendall(b"GET /net/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        with pytest.raises(ConnectionResetError):  # a FIN would give b"" instead
            sock.recv(1024)
    finally:
        sock.close()


# --- 429, 503, redirects ------------------------------------------------------------------------


def test_ratelimited_answers_429_until_retry_after_has_passed(fresh_site: HostileSite) -> None:
    first_at = time.monotonic()
    status, headers, _ = get(fresh_site, "/net/ratelimited")
    assert (status, headers["Retry-After"]) == (429, "2")
    assert get(fresh_site, "/net/ratelimited")[0] == 429  # too early
    time.sleep(max(0.0, first_at + 2.1 - time.monotonic()))
    shown = page(fresh_site, "/net/ratelimited")
    patient = PATIENT_LISTINGS[0]
    assert shown.css("span.listing-id::text").get() == patient.id == "hb-ratelimited"
    assert shown.css("h1.title::text").get() == patient.title


def test_flaky_fails_three_times_then_serves_the_listing(fresh_site: HostileSite) -> None:
    for _ in range(3):
        status, headers, _ = get(fresh_site, "/net/flaky")
        assert (status, headers["Retry-After"]) == (503, "1")
    for _ in range(2):
        shown = page(fresh_site, "/net/flaky")
        assert shown.css("span.listing-id::text").get() == PATIENT_LISTINGS[1].id == "hb-flaky"


def test_the_redirect_loop_and_chain_never_arrive(site: HostileSite) -> None:
    for here, there in (("a", "b"), ("b", "a")):
        status, headers, _ = get(site, f"/net/redirect-loop/{here}")
        assert (status, headers["Location"]) == (302, f"/net/redirect-loop/{there}")
    target = "/net/redirect-chain/1"
    for hop in range(2, 12):
        status, headers, _ = get(site, target)
        assert status == 302
        target = headers["Location"]
        assert target == f"/net/redirect-chain/{hop}"
