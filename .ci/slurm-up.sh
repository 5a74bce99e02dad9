#!/usr/bin/env bash
# A real single-node Slurm for the sweep tests (Lifecycle.Tests' SlurmSweepTests): Debian's slurm-wlm and munge,
# installed when missing, munged run as the munge user, then slurmctld and `slurmd -N localhost` with a small
# slurm.conf (one node with this machine's CPUs and memory as `slurmd -C` reports them, cons_tres, linuxproc,
# task/none, no accounting). Idempotent: a second call with the node already up changes nothing. Exits non-zero
# with the daemons' log tails when the node does not come up idle. Needs root (or sudo without a password).
#
# --empty-queue: also cancel every job in the queue and wait until the node is idle, for a test that needs the
# node's CPUs to itself. slurmctld's state outlives the run that submitted its jobs: after a run killed mid-test,
# or a machine restarted with /var/spool kept, it shows their tasks running (with no process behind them) until
# their time limit, and a new array waits behind them.
set -euo pipefail

empty_queue=false
case ${1:-} in
    --empty-queue) empty_queue=true ;;
    "") ;;
    *) echo "slurm-up: unknown option $1 (the one option is --empty-queue)" >&2; exit 2 ;;
esac

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then exec sudo -n -E "$0" "$@"; fi
    echo "slurm-up: needs root (or passwordless sudo) to install and start munge and Slurm" >&2
    exit 1
fi

conf=/etc/slurm/slurm.conf
logs=/var/log/slurm
state=/var/spool/slurmctld
spool=/var/spool/slurmd

fail() {
    echo "slurm-up: $*" >&2
    for log in /var/log/munge/munged.log "$logs/slurmctld.log" "$logs/slurmd.log"; do
        [[ -f $log ]] && { echo "--- last lines of $log" >&2; tail -n 20 "$log" >&2; }
    done
    exit 1
}

# The node is up when sinfo lists it idle (or running jobs: a second call while tests run).
node_up() { [[ $(sinfo -h -N -n localhost -o %t 2>/dev/null) =~ ^(idle|mix|alloc|comp)$ ]]; }

# Nothing queued and the node idle: what --empty-queue waits for.
queue_empty() { [[ -z $(squeue -h 2>/dev/null) && $(sinfo -h -N -n localhost -o %t 2>/dev/null) == idle ]]; }

# Runs when $1's pid file names a live process.
running() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm-up: installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || fail "apt-get update failed"
    apt-get install -y -q slurm-wlm munge >/dev/null || fail "apt-get install slurm-wlm munge failed"
fi

# This machine as slurmd sees it: "NodeName=vm CPUs=2 Boards=1 ... RealMemory=24105".
hardware=$(slurmd -C | head -n 1) || fail "slurmd -C failed"
cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hardware")
memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hardware")
[[ -n $cpus && -n $memory ]] || fail "cannot read CPUs and RealMemory from: $hardware"

mkdir -p /etc/slurm "$logs" "$state" "$spool"
wanted=$(cat <<EOF
# Written by .ci/slurm-up.sh: one node, this machine, for the sweep tests.
ClusterName=llmlab-ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$state
SlurmdSpoolDir=$spool
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=30
MinJobAge=300
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
)

changed=false
if [[ ! -f $conf ]] || [[ $(cat "$conf") != "$wanted" ]]; then
    printf '%s\n' "$wanted" >"$conf"
    changed=true
fi

# munge: the key the package made (or a new one), then the daemon as the munge user.
if [[ ! -s /etc/munge/munge.key ]]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! running /run/munge/munged.pid; then
    runuser -u munge -- /usr/sbin/munged || fail "munged did not start"
fi
for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
munge -n | unmunge >/dev/null || fail "munge does not answer (munge -n | unmunge failed)"

if $changed; then
    # A new configuration: the daemons started from the old one (if any) go, and start again below.
    for pid in /run/slurmd.pid /run/slurmctld.pid; do
        if running "$pid"; then kill "$(cat "$pid")"; fi
    done
    for _ in $(seq 50); do running /run/slurmd.pid || running /run/slurmctld.pid || break; sleep 0.1; done
fi
if ! running /run/slurmctld.pid; then
    /usr/sbin/slurmctld || fail "slurmctld did not start"
fi
if ! running /run/slurmd.pid; then
    /usr/sbin/slurmd -N localhost || fail "slurmd did not start"
fi

# Wait for the node to register; a node left down or drained by an earlier run is put back.
for attempt in $(seq 120); do
    node_up && break
    if [[ $attempt -eq 20 ]]; then scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true; fi
    sleep 0.5
done
node_up || fail "the node did not come up idle in 60 s; sinfo says: $(sinfo -N 2>&1 | tail -n +2)"

if $empty_queue; then
    left=$(squeue -h -o %F | sort -u | tr '\n' ' ')
    if [[ -n $left ]]; then
        echo "slurm-up: cancelling jobs left in the queue by an earlier run: $left"
        # shellcheck disable=SC2086 # one argument per job id
        scancel $left
    fi
    # KillWait=30: a task that ignores SIGTERM is killed 30 s after it.
    for _ in $(seq 180); do queue_empty && break; sleep 0.5; done
    queue_empty || fail "the queue did not empty in 90 s; squeue says: $(squeue 2>&1 | tail -n +2)"
fi
echo "slurm-up: localhost is $(sinfo -h -N -n localhost -o %t) with $cpus CPUs and $memory MB"
