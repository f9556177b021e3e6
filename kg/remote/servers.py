"""Throwaway SPARQL servers on 127.0.0.1 for tests and benchmarks: Oxigraph server (PyPI ``oxigraph``)
and Virtuoso open source (Debian ``virtuoso-opensource``), each with its own data directory, started
as a child process and stopped by its process id.

    with OxigraphServer(tmp_dir) as server:      # server.query_url, server.update_url, server.graph_store_url
        ...
    with VirtuosoServer(tmp_dir) as server:      # SPARQL_UPDATE granted to the anonymous SPARQL user
        ...

`missing()` says why a server cannot run here (binary not installed), for a test's skip message.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from yibao.remote.serve import oxigraph_binary

VIRTUOSO_BINARY = "virtuoso-t"
ISQL_BINARY = "isql-vt"
VIRTUOSO_VAD = "/usr/share/virtuoso-opensource-7/vad"
VIRTUOSO_VSP = "/var/lib/virtuoso-opensource-7/vsp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    name = "server"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.process: subprocess.Popen | None = None
        self.port = free_port()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _ready_url(self) -> str:
        raise NotImplementedError

    def start(self, timeout: float = 60.0) -> _Server:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / f"{self.name}.out").open("ab")
        self.process = subprocess.Popen(self._command(), stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.directory, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(self._ready_url(), timeout=2) as response:
                    if response.status == 200:
                        self._after_start()
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on port {self.port} within {timeout:g} s")

    def _after_start(self) -> None:
        pass

    def stop(self) -> None:
        """Stop the server by its process id (SIGTERM, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> _Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class OxigraphServer(_Server):
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT`` (read-write)."""

    name = "oxigraph"

    @staticmethod
    def missing() -> str | None:
        return None if oxigraph_binary() else "the Oxigraph server is not installed (pip install oxigraph)"

    def _command(self) -> list[str]:
        return [str(oxigraph_binary()), "serve", "--location", str(self.directory / "db"),
                "--bind", f"127.0.0.1:{self.port}"]

    def _ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query?query=ASK%7B%7D"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/update"

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/store"


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {vad}
VADInstallDir = {vad}/
NumberOfBuffers = 40000
MaxDirtyBuffers = 30000
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


class VirtuosoServer(_Server):
    """``virtuoso-t +foreground +configfile INI`` with its own database directory, HTTP and SQL ports on
    127.0.0.1; SPARQL_UPDATE is granted to the anonymous ``SPARQL`` user on start (isql-vt, dba/dba
    of the fresh database). ResultSetMaxRows and MaxQueryExecutionTime are lifted: with Debian's
    defaults (10000 rows, 60 s) Virtuoso silently truncates large results."""

    name = "virtuoso"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.sql_port = free_port()

    @staticmethod
    def missing() -> str | None:
        absent = [b for b in (VIRTUOSO_BINARY, ISQL_BINARY) if shutil.which(b) is None]
        if absent:
            return (f"Virtuoso is not installed ({', '.join(absent)} not found): "
                    "apt-get install virtuoso-opensource")
        return None

    def _command(self) -> list[str]:
        ini = self.directory / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(dir=self.directory, sql_port=self.sql_port, http_port=self.port,
                                           vad=VIRTUOSO_VAD, vsp=VIRTUOSO_VSP), encoding="utf-8")
        return [VIRTUOSO_BINARY, "+foreground", "+configfile", str(ini)]

    def _ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql?query=ASK%7B%7D"

    def _after_start(self) -> None:
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')

    def isql(self, statement: str) -> str:
        done = subprocess.run([ISQL_BINARY, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"isql-vt failed: {done.stdout}{done.stderr}")
        return done.stdout

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    @property
    def update_url(self) -> str:
        return self.query_url

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql-graph-crud"
