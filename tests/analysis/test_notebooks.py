"""The notebooks under analysis/notebooks execute headless: on a finished tree written by the
C++ fixture program, and on a sweep in the middle of its run (issue 13, item 10). They import
hitnet_analysis as installed, and their kernel is this (the venv's) Python."""
import os
import subprocess
import sys

import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = sorted((REPO / "analysis" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"run_overview.ipynb", "results_tree.ipynb"}


def test_notebooks_do_not_edit_sys_path():
    for notebook in NOTEBOOKS:
        assert "sys.path" not in notebook.read_text(), notebook.name


def execute(notebook, results, workdir, out, figures):
    """nbconvert from `workdir` as a shell there would run it (PWD set), HITNET_RESULTS as
    given (relative paths resolve from the notebook, the shell's directory or the repository)."""
    # The kernel inherits the environment: CTest's MPLBACKEND=Agg would keep figures out of the
    # notebook's outputs, so the kernel gets Jupyter's inline backend back.
    env = dict(os.environ, HITNET_RESULTS=str(results), HITNET_FIGURES=str(figures),
               PWD=str(workdir), PYDEVD_DISABLE_FILE_VALIDATION="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    done = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=300", "--output-dir", str(out), str(notebook)],
        capture_output=True, text=True, env=env, timeout=600, cwd=workdir)
    assert done.returncode == 0, done.stderr[-3000:]
    executed = nbformat.read(out / notebook.name, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    images = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "the notebook drew no figure"
    return executed


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_on_a_finished_tree(notebook, results_tree, tmp_path):
    execute(notebook, results_tree, REPO, tmp_path, tmp_path / "png")
    assert list((tmp_path / "png").glob("*.png")), "HITNET_FIGURES got no PNG"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_on_a_partial_sweep(notebook, partial_sweep, tmp_path):
    # Relative paths, from the folder holding the sweep, as a user would type them there.
    workdir = partial_sweep.parent
    executed = execute(notebook, partial_sweep.name, workdir, tmp_path, "png")
    assert list((workdir / "png").glob("*.png")), "HITNET_FIGURES (relative) got no PNG"
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                   for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    if notebook.stem == "results_tree":
        assert "'running': 2" in text and "'pending': 1" in text and "'diverged': 1" in text
