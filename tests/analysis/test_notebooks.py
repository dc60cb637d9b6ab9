"""The notebooks under analysis/notebooks execute headless against a fixture results tree."""
import os
import subprocess
import sys

import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = sorted((REPO / "analysis" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"run_overview.ipynb", "results_tree.ipynb"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(notebook, results_tree, tmp_path):
    # The kernel inherits the environment: CTest's MPLBACKEND=Agg would keep figures out of the
    # notebook's outputs, so the kernel gets Jupyter's inline backend back.
    env = dict(os.environ, HITNET_RESULTS=str(results_tree), HITNET_FIGURES=str(tmp_path / "png"),
               PYDEVD_DISABLE_FILE_VALIDATION="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    done = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(tmp_path), str(notebook)],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    executed = nbformat.read(tmp_path / notebook.name, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    images = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "the notebook drew no figure"
    assert list((tmp_path / "png").glob("*.png")), "HITNET_FIGURES got no PNG"
