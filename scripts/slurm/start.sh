#!/usr/bin/env bash
# Starts a private single-node Slurm cluster (munged, slurmctld, slurmd) in DIR, without
# systemd and without touching the system's Slurm or munge: its own key, socket, ports, state
# and logs, all under DIR. For the sweep tests and for trying --executor slurm on a workstation.
#
#   scripts/slurm/start.sh DIR [PORT_BASE] [--owner PID]     (as root)
#   source DIR/env                             (sets SLURM_CONF for sbatch, squeue, ...)
#   scripts/slurm/stop.sh DIR
#
# PORT_BASE: slurmctld listens on it, slurmd on the next port. Given, both must be free (else
# an error names the one in use); left out, the first free pair from 7817 up is taken.
# --owner PID: a watchdog stops the cluster when process PID ends -- also when it is killed
# with SIGKILL and cannot run a trap of its own (a test under a CTest timeout).
#
# Exits non-zero, with the daemons' log tails, when the node does not become idle in 30 s.
# Settings that matter here: the munge socket's directories must be world-traversable,
# SchedulerParameters=batch_sched_delay=0 (else array tasks wait ~3 s for a free CPU) and
# sched_interval=1 with AuthInfo cred_expire=10 (a requeued task is held until its revoked
# credential expires, 120 s by default, and then waits for the main scheduling loop, 60 s by
# default; releasing it early with `scontrol update starttime=now` gets it killed as
# "non-startable: Job credential revoked"), and
# MinJobAge is left at its default (a lower one purges a failed task's record before the
# array ends).
set -euo pipefail

usage="usage: start.sh DIR [PORT_BASE] [--owner PID]"
dir="" port="" owner=""
while [ $# -gt 0 ]; do
  case "$1" in
    --owner) owner=${2:?$usage}; shift 2 ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) if [ -z "$dir" ]; then dir=$1; elif [ -z "$port" ]; then port=$1; else echo "$usage" >&2; exit 2; fi
       shift ;;
  esac
done
[ -n "$dir" ] || { echo "$usage" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then echo "start.sh: needs root (slurmd runs jobs as any user)" >&2; exit 1; fi
for prog in munged slurmctld slurmd sinfo; do
  command -v "$prog" >/dev/null || [ -x "/usr/sbin/$prog" ] ||
    { echo "start.sh: $prog not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 1; }
done
export PATH="$PATH:/usr/sbin"

# A port is taken when something accepts connections on it.
port_in_use() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
if [ -n "$port" ]; then
  for p in "$port" $((port + 1)); do
    ! port_in_use "$p" || { echo "start.sh: port $p is in use; pick another PORT_BASE" >&2; exit 1; }
  done
else
  for port in $(seq 7817 2 8017) ""; do
    [ -n "$port" ] && ! port_in_use "$port" && ! port_in_use $((port + 1)) && break
  done
  [ -n "$port" ] || { echo "start.sh: no free pair of ports in 7817-8018" >&2; exit 1; }
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Every directory on the munge socket's path must be traversable by others.
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 755 "$dir/munge"
host=$(hostname -s)
cpus=$(nproc)
free_mb=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
mem_mb=$(( free_mb * 8 / 10 ))

# munge: its own key (1024 random bytes, root-owned, 0400) and socket.
if [ ! -f "$dir/munge/munge.key" ]; then
  head -c 1024 /dev/urandom > "$dir/munge/munge.key"
  chmod 0400 "$dir/munge/munge.key"
fi
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed" ||
  { echo "start.sh: munged did not start; $dir/log/munged.log:" >&2; tail -n 20 "$dir/log/munged.log" >&2; exit 1; }

cat > "$dir/slurm.conf" <<CONF
# Private single-node cluster written by scripts/slurm/start.sh
ClusterName=hitnet
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerParameters=batch_sched_delay=0,sched_interval=1
MailProg=/bin/true
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
echo "export SLURM_CONF=$dir/slurm.conf" > "$dir/env"
export SLURM_CONF=$dir/slurm.conf

setsid slurmctld -D -c -f "$SLURM_CONF" > "$dir/log/slurmctld.out" 2>&1 < /dev/null &
echo $! > "$dir/slurmctld.daemon-pid"
setsid slurmd -D -f "$SLURM_CONF" -N "$host" > "$dir/log/slurmd.out" 2>&1 < /dev/null &
echo $! > "$dir/slurmd.daemon-pid"
if [ -n "$owner" ]; then
  setsid bash -c 'while kill -0 "$1" 2> /dev/null; do sleep 1; done; exec bash "$2" "$3"' \
    watchdog "$owner" "$(dirname "$0")/stop.sh" "$dir" > "$dir/log/watchdog.log" 2>&1 < /dev/null &
  echo $! > "$dir/watchdog.daemon-pid"
fi

for _ in $(seq 1 300); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  if [ "$state" = idle ]; then
    echo "slurm: node $host idle ($cpus CPUs, ${mem_mb} MB, ports $port/$((port + 1))); source $dir/env"
    exit 0
  fi
  sleep 0.1
done
echo "start.sh: the node did not become idle within 30 s (sinfo: '${state:-no answer}')" >&2
for f in "$dir"/log/*; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
bash "$(dirname "$0")/stop.sh" "$dir"  # leave no half-started daemons behind
exit 1
