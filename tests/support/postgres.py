"""A private PostgreSQL cluster for the tests: Debian's server, a temporary directory, a socket of its own.

Root may not run ``pg_ctl``, and the packaged cluster's peer authentication keeps root out, so the cluster is
initialised and run as the ``postgres`` user with ``trust`` authentication on a Unix socket in its own
directory (no TCP port to collide with another run). Durability is switched off: a test database lives for
one test, and fsync would be most of its cost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 5432  # on a socket directory of its own, so the usual number collides with nothing
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
ZONE = "-c timezone=Asia/Shanghai"
CHINESE = ("--locale-provider=icu", "--icu-locale=zh", "--locale=C.UTF-8")
"""A Chinese shop's server: its time zone and its collation (ICU's Chinese: names in pinyin order, not by
code point), so that whatever depends on the server's zone or order instead of ctid's own shows in the
tests."""


class ClusterError(RuntimeError):
    """The cluster could not be set up; the message says why and what to install."""


@dataclass
class Cluster:
    """A running private cluster; ``url(name)`` addresses one of its databases."""

    root: Path

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def stop(self) -> None:
        _as_postgres(BIN / "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _as_postgres(*command: str | Path) -> None:
    args = [str(c) for c in command]
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(args)} failed: {(result.stderr or result.stdout).strip()[-500:]}")


def start_cluster() -> Cluster:
    """initdb and start a cluster in a new temporary directory; its owner is ``postgres`` when run as root."""
    if not (BIN / "initdb").exists():
        raise ClusterError(f"no PostgreSQL 15 server in {BIN}: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="ctid-pg-"))
    cluster = Cluster(root)
    cluster.socket_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(cluster.socket_dir, "postgres", "postgres")
    initdb = (BIN / "initdb", "-D", cluster.data_dir, "-A", "trust", "-U", "postgres", "-E", "UTF8", *CHINESE)
    _as_postgres(*initdb)
    options = f"-k {cluster.socket_dir} -p {PORT} -c listen_addresses='' {FAST} {ZONE}"
    log = root / "server.log"
    _as_postgres(BIN / "pg_ctl", "-D", cluster.data_dir, "-l", log, "-o", options, "-w", "start")
    return cluster
