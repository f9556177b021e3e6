"""A per-user cache of values that are slow to make and depend only on files (the question lexicon,
the extractor version): ``$YIBAO_CACHE``, else ``$XDG_CACHE_HOME/yibao``, else ``~/.cache/yibao``."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """The cache folder (it may not exist yet)."""
    root = os.environ.get("YIBAO_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "yibao")
    return Path(root)


def cache_enabled() -> bool:
    """False when ``$YIBAO_CACHE`` is "off"."""
    return os.environ.get("YIBAO_CACHE", "").lower() != "off"


def cached(path: Path | None, make: Callable[[], Any]) -> Any:
    """``make()``'s value, pickled at ``path`` (None: not cached); a broken cache file is rebuilt;
    older versions of the same kind of file (same name up to its last "-") are removed when a new one
    is written."""
    if path is not None:
        try:
            if path.is_file():
                with open(path, "rb") as fh:
                    return pickle.load(fh)
        except Exception:  # noqa: BLE001 — a broken cache only costs the rebuild
            pass
    value = make()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            prefix = path.name.rsplit("-", 1)[0]
            for stale in path.parent.glob(f"{prefix}-*.pickle"):
                if stale != path:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass
    return value


def files_key(paths: list[Path], salt: str = "") -> str:
    """A short key that changes when any of ``paths`` changes path, size or modification time."""
    import hashlib

    digest = hashlib.sha256(salt.encode())
    for path in paths:
        try:
            st = path.stat()
            digest.update(f"{Path(path).resolve()}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{path}:missing\n".encode())
    return digest.hexdigest()[:20]
