"""A real Elasticsearch 8 node (or a few) for development and tests, run in one JVM.

The node is assembled from Maven Central by the Maven project in `index/es_node/` (Elasticsearch's
server jar, its netty4 transport and a small main class; no security plugin, plain HTTP on
127.0.0.1). `build()` fetches the jars into `.cache/maven` and compiles the main class into
`.cache/es_node/`; `start()` runs it in the background, logging to `<data>/es/node.log`.

Node i (1-based) listens on HTTP port `port + i - 1` and transport port `port + 100 + i - 1`, and
keeps its data in `<data>/es/node-i/`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "index" / "es_node"
CACHE = ROOT / ".cache"
REPO = CACHE / "maven"
OUT = CACHE / "es_node"
CLASSPATH_FILE = OUT / "classpath.txt"
CLASSES = OUT / "classes"
STAMP = OUT / "stamp"
MAIN_CLASS = "armswatch.EsNode"

DEFAULT_PORT = 9200
START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0


class EsNodeError(RuntimeError):
    """The node could not be built, started or stopped."""


def _sources() -> list[Path]:
    return sorted((PROJECT / "src" / "main" / "java").rglob("*.java"))


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in [PROJECT / "pom.xml", *_sources()]:
        digest.update(str(path.relative_to(PROJECT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-30:]
        raise EsNodeError(f"{cmd[0]} failed ({proc.returncode}):\n" + "\n".join(tail))


def build(force: bool = False) -> Path:
    """Fetch the jars and compile the main class, once per change of pom.xml or sources.

    Returns the stamp file. Needs `mvn` and `javac` (Java 17+) on PATH.
    """
    fingerprint = _fingerprint()
    if not force and STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return STAMP
    OUT.mkdir(parents=True, exist_ok=True)
    _run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(PROJECT / "pom.xml"),
            f"-Dmaven.repo.local={REPO}",
            "dependency:build-classpath",
            f"-Dmdep.outputFile={CLASSPATH_FILE}",
        ]
    )
    CLASSES.mkdir(parents=True, exist_ok=True)
    _run(
        [
            "javac",
            "--release",
            "17",
            "-cp",
            CLASSPATH_FILE.read_text().strip(),
            "-d",
            str(CLASSES),
            *map(str, _sources()),
        ]
    )
    STAMP.write_text(fingerprint + "\n")
    return STAMP


def es_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "es"


def pid_file(data_dir: Path) -> Path:
    return es_dir(data_dir) / "node.pid"


def log_file(data_dir: Path) -> Path:
    return es_dir(data_dir) / "node.log"


def _get_json(url: str, timeout: float) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def running(port: int = DEFAULT_PORT) -> bool:
    """True when an Elasticsearch node answers on 127.0.0.1:`port`."""
    try:
        info = _get_json(f"http://127.0.0.1:{port}/", timeout=2.0)
    except (OSError, ValueError):
        return False
    return isinstance(info.get("version"), dict)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def read_pid(data_dir: Path) -> int | None:
    path = pid_file(data_dir)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def heap_mb(nodes: int) -> int:
    """Heap for the JVM: small, but enough for `nodes` test nodes."""
    return 256 + 256 * nodes


def _wait_healthy(
    port: int, nodes: int, proc: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    url = (
        f"http://127.0.0.1:{port}/_cluster/health"
        f"?wait_for_status=yellow&wait_for_nodes={nodes}&timeout=2s"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EsNodeError(f"Elasticsearch exited with code {proc.returncode}; see {log}")
        try:
            health = _get_json(url, timeout=5.0)
        except (OSError, ValueError):
            time.sleep(0.5)
            continue
        if health.get("status") in {"yellow", "green"} and not health.get("timed_out"):
            return
        time.sleep(0.5)
    raise EsNodeError(
        f"Elasticsearch did not answer on port {port} within {timeout:.0f}s; see {log}"
    )


def start(
    nodes: int = 1,
    port: int = DEFAULT_PORT,
    data_dir: Path = Path("data"),
    timeout: float = START_TIMEOUT,
) -> int:
    """Start `nodes` nodes in one background JVM and wait for a yellow cluster; returns its pid."""
    if not 1 <= nodes <= 9:
        raise EsNodeError("nodes must be between 1 and 9")
    if read_pid(data_dir) is not None:
        raise EsNodeError(
            f"Elasticsearch already runs for {data_dir} (pid file {pid_file(data_dir)})"
        )
    if running(port):
        raise EsNodeError(f"something already answers on port {port}")
    build()
    home = es_dir(data_dir).resolve()
    home.mkdir(parents=True, exist_ok=True)
    log = log_file(data_dir)
    heap = heap_mb(nodes)
    cmd = [
        "java",
        f"-Xms{heap}m",
        f"-Xmx{heap}m",
        "-XX:+UseSerialGC",
        "-Djava.awt.headless=true",
        "-cp",
        f"{CLASSES}{os.pathsep}{CLASSPATH_FILE.read_text().strip()}",
        MAIN_CLASS,
        str(home),
        str(nodes),
        str(port),
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(data_dir).write_text(f"{proc.pid}\n")
    try:
        _wait_healthy(port, nodes, proc, log, timeout)
    except BaseException:
        _terminate(proc.pid)
        pid_file(data_dir).unlink(missing_ok=True)
        raise
    return proc.pid


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.2)
    return not _pid_alive(pid)


def _terminate(pid: int, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the JVM's process group, wait, then SIGKILL it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        if _wait_gone(pid, timeout if sig == signal.SIGTERM else 10.0):
            return


def stop(data_dir: Path = Path("data"), timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the nodes started for `data_dir`; False when none was running."""
    pid = read_pid(data_dir)
    pid_file(data_dir).unlink(missing_ok=True)
    if pid is None:
        return False
    _terminate(pid, timeout)
    return True


def stop_node(index: int, port: int = DEFAULT_PORT, data_dir: Path = Path("data")) -> None:
    """Close node `index` (1-based) alone; the others keep running in the same JVM."""
    if read_pid(data_dir) is None:
        raise EsNodeError(f"no Elasticsearch runs for {data_dir}")
    flag = es_dir(data_dir) / f"stop-node-{index}"
    flag.write_text("")
    node_port = port + index - 1
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not flag.exists() and not running(node_port) and not _still_listed(index, port):
            return
        time.sleep(0.3)
    raise EsNodeError(f"node {index} did not stop; see {log_file(data_dir)}")


def _still_listed(index: int, port: int) -> bool:
    """True while a remaining node still lists node `index` in the cluster."""
    for other in range(port, port + 9):
        if other == port + index - 1:
            continue
        url = f"http://127.0.0.1:{other}/_cat/nodes?h=name&format=json"
        try:
            rows = _get_json(url, timeout=2.0)
        except (OSError, ValueError):
            continue
        return any(row.get("name") == f"node-{index}" for row in rows)
    return False


if __name__ == "__main__":  # pragma: no cover - a manual aid: python -m armswatch.es_node build
    if sys.argv[1:] == ["build"]:
        print(build(force=True))
