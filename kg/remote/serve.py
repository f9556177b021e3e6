"""`yibao serve`: the embedded store as a read-only SPARQL endpoint, through the ``oxigraph`` package's
server (``oxigraph serve-read-only``), bound to 127.0.0.1 unless told otherwise.

Endpoints: ``http://HOST:PORT/query`` (SPARQL 1.1 Protocol) and ``/store`` (Graph Store Protocol,
read). Read-only mode takes no lock, so ``yibao ask`` keeps working next to it; a build while it
serves is not safe (Oxigraph: "undefined behavior"), so stop it, build, and start it again.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from yibao.remote.errors import RemoteError


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server of the PyPI ``oxigraph`` package: next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def server_command(store: Path, port: int, bind: str = "127.0.0.1", read_only: bool = True) -> list[str]:
    binary = oxigraph_binary()
    if binary is None:
        raise RemoteError("the Oxigraph server is not installed: pip install oxigraph (or pip install 'yibao-kg[serve]')")
    mode = "serve-read-only" if read_only else "serve"
    return [binary, mode, "--location", str(store), "--bind", f"{bind}:{port}"]


def serve(store: Path, port: int = 7878, bind: str = "127.0.0.1",
          announce: Callable[[str], None] = print) -> int:
    """Run the server in the foreground until it stops or Ctrl-C; returns its exit code."""
    if not (Path(store) / "CURRENT").is_file():
        raise RemoteError(f"no store at {store}: run `yibao build` first, or pass --store / set YIBAO_STORE")
    command = server_command(Path(store), port, bind)

    def stop_on_term(*_: object) -> None:  # a SIGTERM stops the server too, never leaving it orphaned
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on_term)  # before the child exists
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        if process.poll() is not None:  # it could not start: port in use, bad address …
            message = (process.stderr.read() if process.stderr else "").strip().splitlines()
            raise RemoteError(f"the Oxigraph server did not start on {bind}:{port}: "
                              f"{message[-1] if message else f'exit code {process.returncode}'}")
        host = f"[{bind}]" if ":" in bind else bind
        announce(f"serving {store} read-only at http://{host}:{port}/query (pid {process.pid}; Ctrl-C to stop)")
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
