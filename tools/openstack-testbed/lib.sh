# shellcheck shell=bash
# Shared helpers of the OpenStack testbed scripts (sourced by setup.sh,
# stop.sh, svc.sh, host.sh, smoke.sh).  Not meant to be run on its own.
#
# Process bookkeeping: every process the testbed starts is started by
# start_bg in its own session (setsid), so its PID is also its process-group
# id; the PID goes to $TB/run/NAME.pid and the exact command line to
# $TB/run/NAME.cmd (svc.sh/host.sh replay it).  Stopping signals that process
# group only.  Nothing is ever looked up or killed by name.

# Debian's python3 and console scripts only: keep pyenv shims, ~/.local etc.
# out of PATH (Debian's OpenStack modules import only with /usr/bin/python3).
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYENV_VERSION
# no job control: a background job must not become a process-group leader,
# or setsid would fork and $! would not be the service's PID
set +m

TB=${TESTBED_DIR:-/var/lib/escalator-os-testbed}
export TESTBED_DIR=$TB
IP=127.0.0.1
REGION=RegionOne
PY=/usr/bin/python3

# Ports (all on 127.0.0.1)
PORT_KEYSTONE=5000 PORT_NOVA=8774 PORT_PLACEMENT=8778 PORT_GLANCE=9292
PORT_NEUTRON=9696 PORT_MYSQL=3306 PORT_AMQP=5672 PORT_AMQP_DIST=25672
PORT_EPMD=4369
PORT_SSH=${SSH_PORT:-2222}

alive() { [ -s "$TB/run/$1.pid" ] && kill -0 "$(cat "$TB/run/$1.pid")" 2>/dev/null; }

# start_bg NAME CMD...: run CMD in its own session / process group, stdout
# and stderr appended to $TB/logs/NAME.log, PID file $TB/run/NAME.pid.
start_bg() {
  local name=$1; shift
  if alive "$name"; then
    echo "$name already running (pid $(cat "$TB/run/$name.pid"))"; return 0
  fi
  printf '%q ' "$@" >"$TB/run/$name.cmd"
  start_saved "$name"
}

# start_saved NAME: start NAME with the command line saved in $TB/run/NAME.cmd
start_saved() {
  local name=$1
  if alive "$name"; then echo "$name already running (pid $(cat "$TB/run/$name.pid"))"; return 0; fi
  [ -s "$TB/run/$name.cmd" ] || { echo "ERROR: no $TB/run/$name.cmd (run setup.sh first)" >&2; return 1; }
  mkdir -p "$TB/logs"
  printf '\n==== %s start: %s\n' "$(date -u +%FT%TZ)" "$(cat "$TB/run/$name.cmd")" >>"$TB/logs/$name.log"
  eval "setsid $(cat "$TB/run/$name.cmd") >>\"\$TB/logs/\$name.log\" 2>&1 </dev/null 8>&- 9>&- &"
  echo $! >"$TB/run/$name.pid"
  echo "started $name (pid $!)"
}

# stop_group NAME...: SIGTERM the process groups of all NAMEs at once, wait
# up to STOP_TIMEOUT (30) s for the leaders, then SIGKILL what is left of
# each group.  Only PIDs from our own PID files are signalled.
stop_group() {
  local n pid pids=() names=() i
  for n in "$@"; do
    if alive "$n"; then
      pid=$(cat "$TB/run/$n.pid")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$n")
    else
      rm -f "$TB/run/$n.pid"
    fi
  done
  [ ${#pids[@]} = 0 ] && return 0
  local deadline=$(( $(date +%s) + ${STOP_TIMEOUT:-30} ))
  while [ "$(date +%s)" -lt $deadline ]; do
    local left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ $left = 0 ] && break
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    if kill -0 "$pid" 2>/dev/null; then
      echo "  ${names[$i]} (pid $pid) did not stop on TERM within ${STOP_TIMEOUT:-30} s, sending KILL"
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true   # leftover workers of that group
    rm -f "$TB/run/${names[$i]}.pid"
    echo "stopped ${names[$i]} (pid $pid)"
  done
}

# pss_mib NAME: proportional set size (MiB) of NAME's whole process group
pss_mib() {
  local pgid kb=0 p v
  alive "$1" || { echo 0; return; }
  pgid=$(cat "$TB/run/$1.pid")
  for p in $(ps -eo pid=,pgid= | awk -v g="$pgid" '$2 == g {print $1}'); do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    kb=$(( kb + ${v:-0} ))
  done
  echo $(( kb / 1024 ))
}
