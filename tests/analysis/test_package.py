"""hitnet_analysis is an installed package: the tests (and notebooks) import it through the
installation (an editable install of analysis/ in CTest's venv), not through sys.path."""
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import hitnet_analysis

from conftest import REPO, hitnet_report


def test_imported_from_the_source_tree_through_the_installation():
    assert Path(hitnet_analysis.__file__).resolve().parent == REPO / "analysis" / "hitnet_analysis"
    assert str(REPO / "analysis") not in sys.path  # found by the installed package's finder
    distribution = importlib.metadata.distribution("hitnet-analysis")
    assert distribution.version == "0.1.0"
    scripts = {e.name: e.value for e in distribution.entry_points if e.group == "console_scripts"}
    assert scripts == {"hitnet-report": "hitnet_analysis.report:main"}


def test_the_console_script_and_the_uninstalled_launcher_agree():
    installed = subprocess.run([*hitnet_report(), "--help"], capture_output=True, text=True)
    assert installed.returncode == 0 and "--study" in installed.stdout
    # analysis/hitnet-report runs from a checkout with Debian's Python, nothing installed.
    launcher = subprocess.run(["/usr/bin/python3", str(REPO / "analysis" / "hitnet-report"),
                               "--help"], capture_output=True, text=True)
    assert launcher.returncode == 0 and launcher.stdout == installed.stdout
