"""A throwaway PostgreSQL cluster for the test session, from Debian's binaries.

`find_bindir()` finds `initdb`/`pg_ctl` (`/usr/lib/postgresql/<version>/bin`, newest
version first; `JOURNEYMAP_PG_BINDIR` overrides it). `Cluster.start()` runs `initdb`
into a fresh temporary folder and starts the server on a free port on 127.0.0.1,
tuned for tests (fsync, synchronous commit and full-page writes off: a crash loses the
cluster, which is thrown away anyway). Connections over TCP need the password (in every
URL); text sorts by ICU's en-US rules, like a typical server, not by byte value.
`new_database()` makes an empty database and returns its URL. `stop()` stops the server
and removes the folder.

Tests take databases with `checkout()` and give them back with `checkin()`, which
empties every table (the schema and its recorded migrations stay) so the next test
starts from a clean, migrated database. Creating and migrating a database took about
50 ms on an idle machine (and writes 7 MB); a reused one costs a test about 15 ms in all
(connect, check the migrations, empty it afterwards). A database that cannot be emptied
(a test left a transaction open) is not reused.

The server refuses to run as root, so as root it runs as the `postgres` user that
Debian's package creates; the folder is handed to that user.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import secrets
import shlex
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


EMPTY_ALL_TABLES = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
    LOOP
        EXECUTE format('DELETE FROM %I', name);
    END LOOP;
END
$$"""


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
        self._cleaners: dict[str, object] = {}  # url -> a connection that empties it
        self._free: list[str] = []  # emptied databases, ready for the next test
        self._watchdog: subprocess.Popen | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Cluster:
        self.root = Path(tempfile.mkdtemp(prefix="journeymap-pg-"))
        try:
            self._initdb()
            self._start_server()
            self._watch()
            self._admin = self._connect("postgres")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.terminate()
            self._watchdog.wait(10)
            self._watchdog = None
        for conn in self._cleaners.values():
            conn.close()
        self._cleaners.clear()
        self._free.clear()
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
            *self._collation(),
            "--no-sync",
        )

    def _collation(self) -> list[str]:
        """Sort text like a typical server (en-US, by ICU, since 15), not by byte value.

        Whatever the store orders by text in SQL must then give the same order on both
        backends, or the tests show the difference.
        """
        found = re.search(r"\) (\d+)", self._run("initdb", "--version").stdout)
        if found and int(found.group(1)) >= 15:
            return ["--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US"]
        return ["--locale=C.UTF-8"]

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

    def _watch(self) -> None:
        """Stop the server and delete the folder if this process dies without `stop()`.

        A test run killed by a timeout or `kill -9` would otherwise leave a server running.
        """
        as_server = f"runuser -u {SERVER_USER} -- " if os.geteuid() == 0 else ""
        pg_ctl = shlex.quote(str(self.bindir / "pg_ctl"))
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
            f"{as_server}{pg_ctl} -D {shlex.quote(str(self.data))} -m immediate -w stop; "
            f"rm -rf {shlex.quote(str(self.root))}"
        )
        self._watchdog = subprocess.Popen(
            ["sh", "-c", script],
            start_new_session=True,  # not stopped by the Ctrl-C or signal that ends us
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

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

    def checkout(self) -> str:
        """A database with no rows in it (maybe migrated already): for one test."""
        return self._free.pop() if self._free else self.new_database()

    def checkin(self, url: str) -> None:
        """Empty the database a test used and keep it for the next one."""
        import psycopg

        try:
            conn = self._cleaners.get(url)
            if conn is None:
                conn = self._cleaners[url] = psycopg.connect(url, autocommit=True)
                # a superuser may skip the foreign-key triggers: delete in any order
                conn.execute("SET session_replication_role = replica")
                conn.execute("SET lock_timeout = '2s'")
            conn.execute(EMPTY_ALL_TABLES)
        except psycopg.Error:
            stale = self._cleaners.pop(url, None)
            if stale is not None:
                stale.close()
            return
        self._free.append(url)

    def query(self, url: str, sql: str, params: tuple = ()) -> list[tuple]:
        """Run one statement on the database at `url`, outside any store; return its rows."""
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
