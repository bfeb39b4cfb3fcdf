"""A throw-away PostgreSQL server for tests: Debian's binaries (`make install` installs the
`postgresql` package), a fresh cluster in a temporary directory, trust authentication, listening
on 127.0.0.1 at a free port and on a Unix socket in that directory, and nothing left behind.

PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user the
Debian package creates, and `initdb` and `postgres` run as that user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVICE_USER = "postgres"
MISSING = (
    "PostgreSQL's server binaries (initdb, postgres) are not in {where}: "
    "run `make install` (it installs the Debian package `postgresql`)"
)


class PostgresMissingError(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_bin_dir() -> Path:
    """The bin directory of the newest PostgreSQL installed."""
    found = [Path(path) for path in Path("/").glob(BIN_GLOB.lstrip("/"))]
    usable = [path for path in found if (path / "initdb").exists() and (path / "postgres").exists()]
    if not usable:
        raise PostgresMissingError(MISSING.format(where=BIN_GLOB))
    return max(
        usable, key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)]
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """`start()` it, `create_database()` as often as needed, `stop()` it (or use `with`)."""

    def __init__(self, startup_timeout: float = 60) -> None:
        self.bin_dir = server_bin_dir()
        self.startup_timeout = startup_timeout
        self._as_user = _service_user() if os.geteuid() == 0 else {}
        # as root, in /tmp: the `postgres` user may not reach root's TMPDIR
        tmp = "/tmp" if self._as_user else None
        self.base = Path(tempfile.mkdtemp(prefix="armswatch-pg-", dir=tmp))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        if self._as_user:
            os.chown(self.base, self._as_user["user"], self._as_user["group"])

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """A new cluster, its server running (`stop()` it even if this fails)."""
        cluster = ["-D", str(self.data), "-U", "postgres", "-A", "trust"]
        self._run("initdb", *cluster, "-E", "UTF8", "--locale=C", "--no-sync")
        self._run_server()

    def _run_server(self, attempts: int = 3) -> None:
        for _ in range(attempts):  # the free port may be taken before the server binds it
            self.port = free_port()
            self.process = self._spawn()
            if self._wait_ready():
                return
        raise RuntimeError(f"PostgreSQL did not start:\n{self.log_text()}")

    def _spawn(self) -> subprocess.Popen[bytes]:
        options = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        command = [str(self.bin_dir / "postgres"), "-D", str(self.data), "-h", "127.0.0.1"]
        command += ["-p", str(self.port), "-k", str(self.base), *options]
        with self.log.open("ab") as log:
            return subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self.base, **self._as_user
            )

    def _wait_ready(self) -> bool:
        """True once it accepts connections; False if it ended first (port taken)."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                time.sleep(0.2)
        raise RuntimeError(
            f"PostgreSQL not ready in {self.startup_timeout:.0f} s:\n{self.log_text()}"
        )

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database` (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Fast shutdown (SIGINT), SIGKILL if it hangs; then the cluster is deleted."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.base, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin_dir / program), *args],
            cwd=self.base,
            capture_output=True,
            text=True,
            check=False,
            **self._as_user,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _service_user() -> dict[str, Any]:
    """subprocess arguments that run a program as the `postgres` user (we are root)."""
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresMissingError(
            f"running as root, and there is no `{SERVICE_USER}` user to run PostgreSQL as: "
            "run `make install` (the Debian package `postgresql` creates it)"
        ) from None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
