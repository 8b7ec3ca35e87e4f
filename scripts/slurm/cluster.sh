#!/usr/bin/env bash
# A one-node Slurm cluster on loopback, for the tests of `w2s sweep --slurm` (and for trying it by hand).
# Needs Debian's slurm-wlm and munge (.ci/run installs them). Everything lives under $W2S_SLURM_DIR
# (default /tmp/w2s-slurm): config, munge key and socket, state, logs. Prints the SLURM_CONF to export.
#   scripts/slurm/cluster.sh start | stop | status
set -euo pipefail
dir="${W2S_SLURM_DIR:-/tmp/w2s-slurm}"
conf="$dir/slurm.conf"
cmd="${1:-status}"

stop() {
  for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  rm -f "$dir"/*.pid
}

case "$cmd" in
  start)
    command -v slurmctld >/dev/null && command -v munged >/dev/null || {
      echo "cluster.sh: slurm-wlm and munge are not installed (apt-get install slurm-wlm munge)" >&2; exit 2; }
    stop
    mkdir -p "$dir"/{state,spool,log,munge}
    chmod 700 "$dir/munge"
    [ -f "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
    chmod 400 "$dir/munge/munge.key"
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
      --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" --force
    cpus="$(nproc)"
    mem="$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)"
    user="$(id -un)"
    cat > "$conf" <<CONF
ClusterName=w2s-test
SlurmctldHost=localhost
SlurmctldPort=${W2S_SLURM_PORT:-16817}
SlurmdPort=$(( ${W2S_SLURM_PORT:-16817} + 1 ))
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$conf"
    slurmctld -f "$conf"
    slurmd -f "$conf"
    for _ in $(seq 1 30); do
      if sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed|allocated'; then
        echo "SLURM_CONF=$conf"; exit 0
      fi
      sleep 1
    done
    echo "cluster.sh: the node did not come up; logs in $dir/log" >&2
    tail -5 "$dir"/log/*.log >&2 || true
    exit 1
    ;;
  stop) stop ;;
  status) SLURM_CONF="$conf" sinfo ;;
  *) echo "usage: cluster.sh start|stop|status" >&2; exit 2 ;;
esac
