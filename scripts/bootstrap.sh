#!/usr/bin/env bash
# Installs whatever this project needs from Debian 12 that the machine lacks (as root, via
# apt-get). Idempotent and quick when everything is there: it asks dpkg first and only calls
# apt-get for missing packages.
set -euo pipefail

packages=(
  # build
  build-essential cmake git pkg-config
  # C++ libraries
  libeigen3-dev libyaml-cpp-dev nlohmann-json3-dev libhdf5-dev libcli11-dev catch2
  libssl-dev liblzma-dev xz-utils
  # CI's hardening pass (scripts/sanitize-and-fuzz.sh): clang, its sanitizer and libFuzzer
  # runtimes, and its OpenMP
  clang libclang-rt-14-dev libomp-14-dev
  # GEMM backends: OpenBLAS is the default (HITNET_BLAS), linked in its OpenMP build (one thread
  # pool with our loops; CMakeLists.txt says why); BLIS is compared with it by hitnet-gemm-blis
  # and scripts/bench-gemm-backends.sh
  libopenblas-dev libopenblas-openmp-dev libblis-dev
  # analysis (Debian's Python: /usr/bin/python3)
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-yaml
  python3-nbconvert python3-nbformat python3-ipykernel python3-pytest
  python3-venv python3-pip python3-setuptools
  # a private single-node Slurm for the sweep tests
  slurmctld slurmd slurm-client munge
)
case "${1:-}" in
  "") ;;
  bench) packages+=(python3-torch) ;;  # never on the test path: only the comparison uses it
  *) echo "usage: $0 [bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi
echo "bootstrap: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: need root to install packages (run as root or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# policy-rc.d: Debian's slurm and munge packages would start their daemons on install; the
# project starts its own private ones (scripts/slurm/) and needs none running system-wide.
# Removed again however this script ends -- a failed apt-get, Ctrl-C, SIGTERM: left behind, it
# would refuse every later service start on the machine. (HITNET_POLICY_RC_D: for the test.)
policy=${HITNET_POLICY_RC_D:-/usr/sbin/policy-rc.d}
if [ ! -e "$policy" ]; then
  trap 'rm -f "$policy"' EXIT
  trap 'exit 130' INT TERM HUP  # through the EXIT trap, which a signal's default action skips
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
