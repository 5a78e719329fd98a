"""A throwaway PostgreSQL cluster for the test session, from Debian's binaries.

`find_bindir()` finds `initdb`/`pg_ctl` (`/usr/lib/postgresql/<version>/bin`, newest
version first; `JOURNEYMAP_PG_BINDIR` overrides it). `Cluster.start()` runs `initdb`
into a fresh temporary folder and starts the server on a free port on 127.0.0.1,
tuned for tests (fsync, synchronous commit and full-page writes off: a crash loses the
cluster, which is thrown away anyway). `new_database()` makes an empty database and
returns its URL (a few milliseconds). `stop()` stops the server and removes the folder.

The server refuses to run as root, so as root it runs as the `postgres` user that
Debian's package creates; the folder is handed to that user.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

NOT_INSTALLED = "PostgreSQL is not installed (apt-get install postgresql)"
BINDIR_VARIABLE = "JOURNEYMAP_PG_BINDIR"
SUPERUSER = "journeymap"
SERVER_USER = "postgres"  # the unprivileged user the server runs as when we are root


def find_bindir() -> Path | None:
    """The folder holding `initdb` and `pg_ctl`, or None when PostgreSQL is not installed."""
    override = os.environ.get(BINDIR_VARIABLE)
    candidates = [override] if override else _by_version(glob.glob("/usr/lib/postgresql/*/bin"))
    for folder in candidates:
        path = Path(folder)
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    return None


def _by_version(folders: list[str]) -> list[str]:
    def version(folder: str) -> tuple[int, ...]:
        name = Path(folder).parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    return sorted(folders, key=version, reverse=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ClusterError(RuntimeError):
    """The cluster could not be created or started (the message says why)."""


class Cluster:
    """One PostgreSQL server in a temporary folder; see the module docstring."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.password = secrets.token_hex(8)
        self.port = 0
        self.root: Path | None = None
        self._counter = itertools.count(1)
        self._admin = None  # a psycopg connection to the `postgres` database

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Cluster:
        self.root = Path(tempfile.mkdtemp(prefix="journeymap-pg-"))
        try:
            self._initdb()
            self._start_server()
            self._admin = self._connect("postgres")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            # immediate: no shutdown checkpoint, the data is about to be deleted
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def _initdb(self) -> None:
        assert self.root is not None
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            try:
                server_user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise ClusterError(
                    f"PostgreSQL refuses to run as root and there is no {SERVER_USER!r} user "
                    "(Debian's postgresql package creates it): reinstall postgresql."
                ) from None
            for path in (self.root, pwfile):
                os.chown(path, server_user.pw_uid, server_user.pw_gid)
        self.root.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",  # the URL's password is really checked
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def _start_server(self) -> None:
        last = ""
        for _attempt in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            options = " ".join(
                f"-c {setting}"
                for setting in (
                    "listen_addresses=127.0.0.1",
                    f"port={self.port}",
                    f"unix_socket_directories={self.root}",
                    "fsync=off",
                    "synchronous_commit=off",
                    "full_page_writes=off",
                    "max_connections=200",
                    "shared_buffers=64MB",
                )
            )
            log = self.root / "server.log"
            result = self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "30",
                "start",
                check=False,
            )
            if result.returncode == 0:
                return
            last = log.read_text(errors="replace")[-2000:] if log.exists() else result.stderr
            time.sleep(0.2)
        raise ClusterError(f"PostgreSQL did not start:\n{last}")

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=self.root, check=False, timeout=120
        )
        if check and result.returncode != 0:
            raise ClusterError(f"{tool} failed ({result.returncode}):\n{result.stderr}")
        return result

    # -- databases ---------------------------------------------------------------

    def url(self, database: str, driver: str = "postgresql") -> str:
        return f"{driver}://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _connect(self, database: str):
        import psycopg  # only needed when PostgreSQL is installed

        return psycopg.connect(self.url(database), autocommit=True)

    def new_database(self) -> str:
        """An empty database of its own; returns its URL (`postgresql://...`)."""
        name = f"t_{next(self._counter)}"
        # template0 is tiny and never connected to; FILE_COPY with fsync off is the
        # fastest way to copy it (WAL_LOG, the default since 15, writes every page to WAL).
        strategy = " STRATEGY FILE_COPY" if self._admin.info.server_version >= 150000 else ""
        self._admin.execute(f"CREATE DATABASE {name} TEMPLATE template0{strategy}")
        return self.url(name)

    def query(self, url: str, sql: str, params: tuple = ()) -> list[tuple]:
        """Run one statement on the database at `url`, outside any store; return its rows."""
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
