#!/usr/bin/env bash
# Stops the private cluster started by start.sh DIR: its slurmd, slurmctld and munged, by the
# PIDs start.sh recorded (SIGTERM, then SIGKILL after 10 s). Safe to call twice or after a
# failed start. `--clean` also removes DIR.
set -uo pipefail

dir=${1:?usage: stop.sh DIR [--clean]}
[ -d "$dir" ] || exit 0

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

for daemon in slurmd slurmctld; do
  f="$dir/$daemon.daemon-pid"
  [ -f "$f" ] && stop_pid "$(cat "$f")" "$daemon" && rm -f "$f"
done
if [ -f "$dir/munge/munged.pid" ]; then
  stop_pid "$(cat "$dir/munge/munged.pid")" munged
fi
[ "${2:-}" = --clean ] && rm -rf "$dir"
exit 0
