"""Clients that never authenticate must not exhaust the server.

Each test attacks the real binary as an attacker would, over raw sockets
and threads, with small limits set by flags so that the file runs in well
under a minute: slowloris connections, a flood of idle connections, hundreds
of unauthenticated 1 MiB bodies, and bodies trickled forever. Throughout, an
honest boto3 client must still be answered, and the server's memory
(VmRSS from /proc) must not grow by more than a few tens of MiB. The
figures are printed (`pytest -s` shows them). HTTP/2 (h2c) is attacked from
Rust: crates/strongroom-server/tests/abuse_h2.rs.
"""

from __future__ import annotations

import datetime as dt
import select
import selectors
import socket
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from support import Server, make_client

MIB = 1024 * 1024
# "A few tens of MiB": what the attacks below may add to the server's RSS.
MAX_GROWTH_KIB = 48 * 1024
BOGUS_KEY = "AKIAABUSEDKEY0000000"
# The buffered-bodies budget of the bodies tests' server.
BUDGET = 8 * MIB


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RssPeak:
    """Samples a process's VmRSS every few milliseconds while in a `with`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = rss_kib(pid)
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except FileNotFoundError:
                return
            time.sleep(0.01)

    def __enter__(self) -> "RssPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.after = rss_kib(self.pid)

    def report(self, what: str) -> str:
        return (
            f"{what}: RSS before {self.before / 1024:.1f} MiB, peak {self.peak / 1024:.1f} MiB "
            f"(+{(self.peak - self.before) / 1024:.1f}), after {self.after / 1024:.1f} MiB"
        )


def amz_date() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def request_head(port: int, *, key: str = BOGUS_KEY, length: int | None = None, chunked: bool = False) -> bytes:
    """A JSON 1.1 request head signed (badly) with `key`: the key and the
    date are what the server can check before the body."""
    date = amz_date()
    lines = [
        "POST / HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-amz-json-1.1",
        "X-Amz-Target: secretsmanager.ListSecrets",
        f"X-Amz-Date: {date}",
        f"Authorization: AWS4-HMAC-SHA256 Credential={key}/{date[:8]}/us-east-1/secretsmanager/aws4_request, "
        f"SignedHeaders=host;x-amz-date;x-amz-target, Signature={'0' * 64}",
    ]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_status(sock: socket.socket, timeout: float) -> tuple[int | None, bytes]:
    """The status code of the response on `sock` (None if the server closed
    without one), and the bytes read."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    if not data.startswith(b"HTTP/1.1 "):
        return None, data
    return int(data[9:12]), data


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (without waiting)."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        sock.setblocking(True)


def wait_until_closed(socks: list[socket.socket], timeout: float, tick: Callable[[], None] | None = None) -> dict[int, float]:
    """Waits for the server to close each socket; returns {index: seconds
    after the start} for those it closed within `timeout`."""
    start = time.monotonic()
    closed: dict[int, float] = {}
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    while len(closed) < len(socks) and time.monotonic() - start < timeout:
        if tick is not None:
            tick()
        for key, _ in sel.select(timeout=0.2):
            i = key.data
            if closed_by_server(socks[i]):
                closed[i] = time.monotonic() - start
                sel.unregister(socks[i])
    sel.close()
    return closed


def honest_call(srv: Server) -> float:
    """One boto3 call on a fresh client; its duration in seconds."""
    client = make_client(
        srv.endpoint or "",
        region="us-east-1",
        access_key=srv.access_key or "",
        secret_key=srv.secret_key or "",
    )
    start = time.monotonic()
    client.list_secrets()
    return time.monotonic() - start


def connect(srv: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port or 0), timeout=10)


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        s.close()


def test_slowloris_and_silent_connections_are_closed_by_the_header_timeout(make_server):
    srv = make_server(name="slowloris", extra_args=["--header-timeout-secs", "2"])
    assert srv.proc is not None and srv.port is not None
    silent = [connect(srv) for _ in range(150)]
    slow = [connect(srv) for _ in range(350)]
    head = request_head(srv.port, length=2)
    for s in slow:
        s.sendall(head[:20])
    sent = {id(s): 20 for s in slow}

    def trickle() -> None:
        # A byte of the head every tick, as slowloris does.
        for s in slow:
            n = sent[id(s)]
            if n < len(head) - 4:
                try:
                    s.send(head[n : n + 1])
                    sent[id(s)] = n + 1
                except OSError:
                    pass

    with RssPeak(srv.proc.pid) as rss:
        took = honest_call(srv)
        closed = wait_until_closed(silent + slow, timeout=12, tick=trickle)
        after = honest_call(srv)
    close_all(silent + slow)
    print(f"\nslowloris: {len(closed)}/500 closed, the last after {max(closed.values(), default=0):.1f} s; "
          f"honest calls took {took:.2f} s and {after:.2f} s; {rss.report('500 slowloris connections')}")
    assert len(closed) == 500, f"{500 - len(closed)} connections still open after 12 s"
    assert rss.peak - rss.before < MAX_GROWTH_KIB, rss.report("slowloris")


def test_an_idle_flood_is_bounded_by_the_connection_limit(make_server):
    # Timeouts far off: only the connection limit can keep the flood out.
    srv = make_server(
        name="idle-flood",
        extra_args=["--max-connections", "50", "--header-timeout-secs", "120", "--idle-timeout-secs", "120"],
    )
    assert srv.proc is not None
    with RssPeak(srv.proc.pid) as rss:
        flood = [connect(srv) for _ in range(600)]
        took = honest_call(srv)
        # The connections accepted before the limit was reached have been
        # closed to make room; what stays open is within the limit.
        deadline = time.monotonic() + 10
        still_open = len(flood)
        while time.monotonic() < deadline:
            still_open = sum(1 for s in flood if not closed_by_server(s))
            if still_open <= 50:
                break
            time.sleep(0.2)
        again = honest_call(srv)
    close_all(flood)
    print(f"\nidle flood: 600 connections, {still_open} left open by the server (limit 50); "
          f"honest calls took {took:.2f} s and {again:.2f} s; {rss.report('idle flood')}")
    assert still_open <= 50, f"{still_open} idle connections held with a limit of 50"
    assert rss.peak - rss.before < MAX_GROWTH_KIB, rss.report("idle flood")


@pytest.fixture(scope="module")
def bodies_server(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("bodies")
    srv = Server(
        base / "data",
        log_path=base / "stderr.log",
        extra_args=["--body-timeout-secs", "3", "--max-buffered-body-bytes", str(BUDGET)],
    )
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def send_bodies(srv: Server, n: int, key: str) -> list[int | None]:
    """`n` concurrent 1 MiB requests signed badly with `key`; their statuses."""
    assert srv.port is not None
    port = srv.port
    body = b"{" + b" " * (MIB - 2) + b"}"
    statuses: list[int | None] = [None] * n
    start = threading.Barrier(n)

    def one(i: int) -> None:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
        except OSError:
            return
        try:
            start.wait(timeout=20)
            s.sendall(request_head(port, key=key, length=len(body)))
            try:
                s.sendall(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered and closed before the body was read
            statuses[i] = read_status(s, timeout=20)[0]
        finally:
            s.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_unauthenticated_bodies_are_not_read(bodies_server):
    srv = bodies_server
    assert srv.proc is not None
    honest_call(srv)  # warm up
    with RssPeak(srv.proc.pid) as rss:
        statuses = send_bodies(srv, 300, BOGUS_KEY)
        took = honest_call(srv)
    print(f"\n300 unauthenticated 1 MiB bodies (HTTP/1.1): statuses {sorted(set(statuses), key=str)}; "
          f"honest call after {took:.2f} s; {rss.report('unauthenticated bodies')}")
    # Refused at once from the headers (UnrecognizedClientException).
    assert statuses.count(400) >= 290, statuses
    assert rss.peak - rss.before < MAX_GROWTH_KIB, rss.report("unauthenticated bodies")


def test_bodies_with_a_real_key_but_no_valid_signature_stay_within_the_budget(bodies_server):
    # A key that exists passes the header checks: its body is read and
    # hashed before the signature can be checked. The budget (8 MiB) bounds
    # what all of them hold at once.
    srv = bodies_server
    assert srv.proc is not None and srv.access_key
    honest_call(srv)
    with RssPeak(srv.proc.pid) as rss:
        statuses = send_bodies(srv, 200, srv.access_key)
        took = honest_call(srv)
    print(f"\n200 1 MiB bodies with a real key, bad signature: statuses {sorted(set(statuses), key=str)}; "
          f"honest call after {took:.2f} s; {rss.report('signed-by-a-real-key bodies')}")
    # Each refused: InvalidSignatureException (400); ThrottlingException
    # (400) or RequestTimeoutException (408) for those that could not get a
    # share of the budget, or be read, within the body timeout.
    assert all(s in (400, 408) for s in statuses), statuses
    assert rss.peak - rss.before < MAX_GROWTH_KIB, rss.report("signed-by-a-real-key bodies")


def test_a_huge_content_length_is_refused_without_reading(bodies_server):
    srv = bodies_server
    assert srv.port is not None
    for key in (BOGUS_KEY, srv.access_key or ""):
        s = connect(srv)
        try:
            s.sendall(request_head(srv.port, key=key, length=10 * 1024**3))
            try:
                s.sendall(b"x" * 65536)  # a start, as a trickle would
            except (BrokenPipeError, ConnectionResetError):
                pass
            status, data = read_status(s, timeout=5)
            # 413 before anything else: no such body is ever accepted.
            assert status == 413 and b"RequestEntityTooLargeException" in data, (key, data[:300])
            assert closed_by_server_within(s, 5), "connection left open after the refusal"
        finally:
            s.close()


def closed_by_server_within(sock: socket.socket, timeout: float) -> bool:
    return bool(wait_until_closed([sock], timeout))


def test_a_trickled_chunked_body_with_a_bogus_key_is_answered_at_once(bodies_server):
    srv = bodies_server
    assert srv.port is not None
    s = connect(srv)
    try:
        s.sendall(request_head(srv.port, chunked=True))
        s.sendall(b"1\r\n{\r\n")
        status, data = read_status(s, timeout=5)
        assert status == 400 and b"UnrecognizedClientException" in data, data[:300]
        assert closed_by_server_within(s, 5), "connection left open after the refusal"
    finally:
        s.close()


def test_a_trickled_body_with_a_real_key_is_cut_off_by_the_body_timeout(bodies_server):
    srv = bodies_server
    assert srv.port is not None
    s = connect(srv)
    start = time.monotonic()
    try:
        s.sendall(request_head(srv.port, key=srv.access_key or "", chunked=True))
        # A byte a second, for ever (the server allows 3 s for a body),
        # until the server answers.
        for _ in range(20):
            try:
                s.sendall(b"1\r\n \r\n")
            except OSError:
                break
            readable, _, _ = select.select([s], [], [], 1.0)
            if readable:
                break
        status, data = read_status(s, timeout=5)
        print(f"\ntrickled body with a real key: answered {status} after {time.monotonic() - start:.1f} s")
        assert status == 408 and b"RequestTimeoutException" in data, data[:300]
    finally:
        s.close()
