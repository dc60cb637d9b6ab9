#!/usr/bin/env bash
# Stops the private cluster started by start.sh DIR: cancels its jobs, then stops its slurmd,
# slurmctld and munged (and the --owner watchdog) by the PIDs start.sh recorded (SIGTERM, then
# SIGKILL after 10 s). Safe to call twice or after a failed start. `--clean` also removes DIR.
set -uo pipefail

dir=${1:?usage: stop.sh DIR [--clean]}
[ -d "$dir" ] || exit 0
export PATH="$PATH:/usr/sbin"

stop_pid() {  # pid, name
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "stop.sh: $2 ($pid) ignored SIGTERM; killing it" >&2
  kill -KILL "$pid" 2>/dev/null
}

# The watchdog, unless this is the watchdog (it execs this script when its owner is gone).
if [ -f "$dir/watchdog.daemon-pid" ] && [ "$(cat "$dir/watchdog.daemon-pid")" != $$ ]; then
  stop_pid "$(cat "$dir/watchdog.daemon-pid")" watchdog
fi
rm -f "$dir/watchdog.daemon-pid"
# Jobs of this cluster only (SLURM_CONF points at it): their steps would outlive slurmd.
if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.daemon-pid" ] &&
   kill -0 "$(cat "$dir/slurmctld.daemon-pid")" 2>/dev/null; then
  export SLURM_CONF="$dir/slurm.conf"
  if timeout 10 scancel --user="$(id -un)" 2>/dev/null; then
    for _ in $(seq 1 100); do
      [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
fi
for daemon in slurmd slurmctld; do
  f="$dir/$daemon.daemon-pid"
  [ -f "$f" ] && stop_pid "$(cat "$f")" "$daemon" && rm -f "$f"
done
if [ -f "$dir/munge/munged.pid" ]; then
  stop_pid "$(cat "$dir/munge/munged.pid")" munged
fi
[ "${2:-}" = --clean ] && rm -rf "$dir"
exit 0
