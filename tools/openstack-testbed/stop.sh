#!/bin/bash
# Stop exactly the processes setup.sh (or svc.sh / host.sh) started: the PID
# files in $TB/run.  Each PID is a session / process-group leader (started
# with setsid), so its workers (uwsgi, beam.smp, ...) are signalled with it.
# No process is looked up or killed by name; nothing else is touched.
#   stop.sh           stop the services, keep the state (databases, keys, ...)
#   stop.sh --purge   stop the services and delete $TESTBED_DIR
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
case ${1:-} in ''|--purge) ;; *) echo "usage: $0 [--purge]" >&2; exit 2 ;; esac
T0=$(date +%s)

if [ -d "$TB/run" ]; then
  computes=()
  for f in "$TB"/run/nova-compute-*.pid; do [ -e "$f" ] && computes+=("$(basename "$f" .pid)"); done
  # OpenStack services first (all in parallel), then the infrastructure
  stop_group "${computes[@]}" nova-scheduler nova-conductor nova-api neutron-server neutron-stub \
    glance-api placement keystone sshd
  stop_group rabbitmq
  stop_group epmd mariadb
  for f in "$TB"/run/*.pid; do
    [ -e "$f" ] && echo "note: $f left (not a service this script knows)"
  done
fi
echo "stopped in $(( $(date +%s) - T0 )) s"

if [ "${1:-}" = --purge ]; then
  case $TB in /|/var|/var/lib|/root|/home|/tmp|'') echo "refusing to purge TESTBED_DIR=$TB" >&2; exit 1 ;; esac
  rm -rf "$TB"
  echo "purged $TB"
fi
