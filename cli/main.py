"""`yibao`: the command-line interface, a thin layer over the ``yibao`` Python API.

Each module registers its commands on the shared app (``yibao.cli.app``); this one gathers them.
"""

from __future__ import annotations

from yibao.cli import admin, build, facts, policies, qa, remote, viz  # noqa: F401  — registers the commands
from yibao.cli.app import app

if __name__ == "__main__":
    app()
