"""Files shipped inside the package: the ontology, the canned queries and the sample reports.

Read through :mod:`importlib.resources`, so they are found in a wheel, an editable install
or the source tree alike (never through paths relative to this file).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _directory(package: str) -> Path:
    location = files(package)
    if not isinstance(location, Path):  # e.g. a zipped install: not supported by the store loaders
        raise RuntimeError(f"package data {package} is not on the file system ({location!r})")
    return location


def ontology_dir() -> Path:
    """``ontology/``: yibao.ttl, codes.ttl, regions.ttl, shapes.ttl."""
    return _directory("yibao.ontology")


def queries_dir() -> Path:
    """``queries/``: the canned SPARQL files."""
    return _directory("yibao.queries")


def sample_reports_dir() -> Path:
    """``data/reports/``: the five sample reports."""
    return _directory("yibao.data") / "reports"
