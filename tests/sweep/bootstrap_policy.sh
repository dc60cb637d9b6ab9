#!/usr/bin/env bash
# scripts/bootstrap.sh removes the policy-rc.d it creates (which keeps Debian's slurm and munge
# packages from starting system daemons) however it ends: after a failed apt-get and after
# SIGTERM -- left behind, it would refuse every later service start on the machine. Runs the
# real script against stand-ins for dpkg-query, apt-get and id, and a policy path of its own.
source "$(dirname "$0")/lib.sh"

mkdir -p fake
cat > fake/dpkg-query <<'SH'
#!/bin/sh
exit 1
SH
cat > fake/id <<'SH'
#!/bin/sh
echo 0
SH
cat > fake/apt-get <<SH
#!/bin/sh
[ "\$1" = update ] && exit 0
[ -e "$work/policy-rc.d" ] || { echo "apt-get stand-in: policy-rc.d missing during install" >&2; exit 3; }
[ -n "\${APT_HANG:-}" ] && { echo \$\$ > "$work/apt.pid"; exec sleep 600; }
echo "E: Unable to locate package" >&2
exit 100
SH
chmod +x fake/*
run_bootstrap() { HITNET_POLICY_RC_D="$work/policy-rc.d" PATH="$work/fake:$PATH" bash "$src/scripts/bootstrap.sh"; }

echo "== apt-get fails"
rc=0; run_bootstrap > fail.out 2>&1 || rc=$?
cat fail.out
expect_status 100 "$rc" "bootstrap with a failing apt-get"
[ ! -e policy-rc.d ] || fail "policy-rc.d left behind after a failed apt-get"

echo "== SIGTERM during apt-get (to its process group, as a terminal or service manager sends it)"
APT_HANG=1 HITNET_POLICY_RC_D="$work/policy-rc.d" PATH="$work/fake:$PATH" \
  setsid bash "$src/scripts/bootstrap.sh" > term.out 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s apt.pid ] && break; sleep 0.1; done
[ -s apt.pid ] || fail "the apt-get stand-in did not start: $(cat term.out)"
[ -e policy-rc.d ] || fail "policy-rc.d was not in place during apt-get"
kill -TERM -- "-$pid"
rc=0; wait "$pid" || rc=$?
cat term.out
[ "$rc" != 0 ] || fail "bootstrap stopped by SIGTERM exited 0"
[ ! -e policy-rc.d ] || fail "policy-rc.d left behind after SIGTERM"
echo "PASS"
