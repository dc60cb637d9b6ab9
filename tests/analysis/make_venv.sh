#!/bin/sh
# make_venv.sh PYTHON VENV ANALYSIS_DIR: the virtual environment the analysis tests run in.
# A venv on Debian's Python that sees its packages (h5py, pandas, matplotlib, nbconvert,
# pytest: --system-site-packages) with hitnet_analysis installed in editable mode from
# ANALYSIS_DIR, offline (--no-index: setuptools from Debian builds it, --no-build-isolation),
# and a Jupyter kernel of its own so that notebooks executed from it import the package.
# Exactly the steps analysis/README.md gives users. Quick when the venv is already current.
set -eu
python=$1 venv=$2 src=$3
stamp="$venv/.hitnet-analysis-installed"
export PYDEVD_DISABLE_FILE_VALIDATION=1 PIP_DISABLE_PIP_VERSION_CHECK=1

if [ -f "$stamp" ] && [ "$stamp" -nt "$src/pyproject.toml" ] &&
   [ "$(cat "$stamp")" = "$src" ] && [ -x "$venv/bin/python" ]; then
  echo "make_venv: $venv is current (hitnet_analysis from $src)"
  exit 0
fi
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --quiet --no-index --no-build-isolation --no-deps -e "$src"
"$venv/bin/python" -Xfrozen_modules=off -m ipykernel install --sys-prefix >/dev/null
# The package must now come from the source tree, through the installation.
"$venv/bin/python" - "$src" <<'PY'
import sys
from pathlib import Path
import hitnet_analysis
where = Path(hitnet_analysis.__file__).resolve().parent
expected = (Path(sys.argv[1]) / "hitnet_analysis").resolve()
if where != expected:
    sys.exit(f"make_venv: hitnet_analysis imported from {where}, expected {expected}")
PY
printf '%s\n' "$src" > "$stamp"
echo "make_venv: created $venv with hitnet_analysis from $src"
