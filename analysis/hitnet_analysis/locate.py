"""Where a notebook's inputs and outputs are, from environment variables.

A notebook executed by nbconvert (or opened in Jupyter) runs in its own folder, not where the
command was typed, so a relative HITNET_RESULTS=results/runs would not resolve there. A
relative path is therefore tried from the notebook's folder, from the shell's working
directory ($PWD, which the kernel inherits) and from the repository root, in that order.
"""
from __future__ import annotations

import os
from pathlib import Path

# analysis/hitnet_analysis/locate.py -> the repository (an editable install or a checkout).
REPOSITORY = Path(__file__).resolve().parents[2]


def _bases():
    bases = [Path.cwd()]
    if os.environ.get("PWD"):
        bases.append(Path(os.environ["PWD"]))
    if (REPOSITORY / "analysis" / "hitnet_analysis").is_dir():
        bases.append(REPOSITORY)
    return bases


def locate_results(variable: str = "HITNET_RESULTS", default: str = "results/runs") -> Path:
    """The results tree named by $variable (default `default`), found as described above;
    FileNotFoundError listing every place tried when it is nowhere."""
    given = Path(os.environ.get(variable) or default)
    candidates = [given] if given.is_absolute() else [base / given for base in _bases()]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    raise FileNotFoundError(
        f"set {variable} to a results tree (a sweep directory or a folder of runs); "
        f"{given} is not at " + ", ".join(str(c) for c in candidates))


def output_dir(variable: str = "HITNET_FIGURES"):
    """The folder named by $variable (a relative one from the shell's working directory),
    or None when unset: where notebooks also save their figures as PNG."""
    value = os.environ.get(variable)
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute():
        path = Path(os.environ.get("PWD") or Path.cwd()) / path
    return path
