#!/usr/bin/env bash
# scripts/slurm/start.sh refuses a PORT_BASE whose port, or the next one (slurmd's), is in use,
# naming it, before it starts anything. A listener of this test's own holds a port the kernel
# chose, so nothing else on the machine is disturbed.
source "$(dirname "$0")/lib.sh"

"$py" - > port.txt <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(60)
PY
listener=$!
trap 'kill "$listener" 2> /dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s port.txt ] && break; sleep 0.05; done
busy=$(cat port.txt)
[ -n "$busy" ] || fail "the listener did not start"

for base in "$busy" $((busy - 1)); do
  rc=0; bash "$src/scripts/slurm/start.sh" "cluster-$base" "$base" > "start-$base.out" 2>&1 || rc=$?
  cat "start-$base.out"
  [ "$rc" = 1 ] || fail "start.sh with PORT_BASE $base (port $busy busy) exited $rc, not 1"
  grep -q "port $busy is in use" "start-$base.out" || fail "start.sh did not name port $busy"
  [ ! -e "cluster-$base/slurm.conf" ] || fail "start.sh wrote a cluster on a busy port"
done
echo "PASS: a busy port is refused by name"
