"""The app as a real Streamlit server on a free port and its own database file.

Shared by the browser tests (`tests/e2e/conftest.py`) and the live load benchmark.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEALTH_TIMEOUT_S = 30


class AppServerError(RuntimeError):
    """The server exited early or did not answer its health check in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`streamlit run app.py` on a free port and a given SQLite file; restartable.

    `preexec` runs in the child before exec (the benchmark ties the server's life
    to its own); with it the server also gets a session of its own, so a Ctrl-C
    reaches only the caller, which stops the server itself.
    """

    def __init__(
        self,
        db_path: Path,
        log_path: Path,
        *,
        sample: bool = True,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.sample = sample
        self.preexec = preexec
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> None:
        env = {
            **os.environ,
            "JOURNEYMAP_DATABASE_URL": str(self.db_path),
            "JOURNEYMAP_SAMPLE": "on" if self.sample else "off",
        }
        self._log = self.log_path.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", "app.py"),
                *("--server.headless", "true", "--server.address", "127.0.0.1"),
                *("--server.port", str(self.port), "--browser.gatherUsageStats", "false"),
                *("--server.fileWatcherType", "none"),
            ],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=self.preexec is not None,
            preexec_fn=self.preexec,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise AppServerError(
                    f"The app server exited early ({self.process.returncode}):\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(self.url("/_stcore/health"), timeout=2) as reply:
                    if reply.read().decode().strip() == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling the health URL, not waiting on the page
        self.stop()
        raise AppServerError(
            f"The app server did not answer ok within {HEALTH_TIMEOUT_S} s:\n{self.tail()}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        """Stop and start again on the same port and the same database file."""
        self.stop()
        self.start()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:]) or "(no server log)"
