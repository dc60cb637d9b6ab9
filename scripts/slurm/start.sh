#!/usr/bin/env bash
# Starts a private single-node Slurm cluster (munged, slurmctld, slurmd) in DIR, without
# systemd and without touching the system's Slurm or munge: its own key, socket, ports, state
# and logs, all under DIR. For the sweep tests and for trying --executor slurm on a workstation.
#
#   scripts/slurm/start.sh DIR [PORT_BASE]     (as root; PORT_BASE defaults to 7817)
#   source DIR/env                             (sets SLURM_CONF for sbatch, squeue, ...)
#   scripts/slurm/stop.sh DIR
#
# Exits non-zero, with the daemons' log tails, when the node does not become idle in 30 s.
# Facts behind the settings: ../../../shared/slurm-notes.md (munge socket permissions,
# batch_sched_delay, MinJobAge).
set -euo pipefail

dir=${1:?usage: start.sh DIR [PORT_BASE]}
port=${2:-7817}
if [ "$(id -u)" -ne 0 ]; then echo "start.sh: needs root (slurmd runs jobs as any user)" >&2; exit 1; fi
for prog in munged slurmctld slurmd sinfo; do
  command -v "$prog" >/dev/null || [ -x "/usr/sbin/$prog" ] ||
    { echo "start.sh: $prog not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 1; }
done
export PATH="$PATH:/usr/sbin"

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
AuthInfo=socket=$dir/munge/munge.socket
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
SchedulerParameters=batch_sched_delay=0
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

for _ in $(seq 1 300); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  if [ "$state" = idle ]; then
    echo "slurm: node $host idle ($cpus CPUs, ${mem_mb} MB); source $dir/env"
    exit 0
  fi
  sleep 0.1
done
echo "start.sh: the node did not become idle within 30 s (sinfo: '${state:-no answer}')" >&2
for f in "$dir"/log/*; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
bash "$(dirname "$0")/stop.sh" "$dir"  # leave no half-started daemons behind
exit 1
