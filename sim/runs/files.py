"""Writing results: every file is written to a temporary name, then renamed.

A reader never sees a half-written file. One module for every writer of the package:
run folders, comparisons, sweeps' part files, figures.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # typing only: writing CSV or a figure needs neither imported here
    import pandas as pd
    from matplotlib.figure import Figure


def default_out(name: str) -> Path:
    """``results/<name>-<timestamp>``: the default output folder of a command."""
    from datetime import datetime

    return Path("results") / f"{name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give: results readable per the umask


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (with the
    permissions a new file gets from the user's umask, not mkstemp's 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, FILE_MODE)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """A table as CSV, floats written with full precision (round-trip exact)."""
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_parquet(path: Path, frame: pd.DataFrame,
                  metadata: dict[str, str] | None = None) -> None:
    """A table as Parquet (pyarrow), with optional key-value ``metadata`` in its schema."""
    if metadata is None:
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           **{k.encode(): v.encode() for k, v in
                                              metadata.items()}})
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def save_figure(fig: Figure, path: Path, dpi: int = 300) -> None:
    """Write a figure; the format (png, svg, pdf) comes from the file suffix."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


def write_resolved_scenario(path: Path, resolved: dict[str, Any]) -> None:
    """The scenario with every default, override and the seed, replayable as it is."""
    header = (
        f"# Resolved scenario written by opinion-ecology {package_version()}: every default, "
        "override\n"
        "# and the seed applied. Replay it exactly with: python run.py run THIS_FILE\n"
    )
    body = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True, width=100)
    atomic_write_text(path, header + body)


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def package_version() -> str:
    """The installed version of opinion-ecology (pyproject.toml's), or "unknown"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("opinion-ecology")
    except PackageNotFoundError:
        return "unknown"


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
