"""Writing run results: every file is written to a temporary name, then renamed.

A reader never sees a half-written file; ``summary.json`` is written last and
says whether the run completed.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_metrics_csv(path: Path, frame) -> None:
    """One row per step, first column ``step``; floats written with full precision."""
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_resolved_scenario(path: Path, resolved: dict[str, Any], version: str) -> None:
    header = (
        f"# Resolved scenario written by opinion-ecology {version}: every default, override\n"
        "# and the seed applied. Replay it exactly with: python run.py run THIS_FILE\n"
    )
    body = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True, width=100)
    atomic_write_text(path, header + body)


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def versions() -> dict[str, str]:
    """Versions of the interpreter and the libraries that affect numbers."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("opinion-ecology", "mesa", "numpy", "networkx", "pandas", "pydantic"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out
