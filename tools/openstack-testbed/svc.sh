#!/bin/bash
# Stop / start / restart ONE testbed service exactly as setup.sh started it
# (command line saved in $TB/run/NAME.cmd), by its PID file only.
#   svc.sh status                 services, PIDs, state, memory (PSS, MiB)
#   svc.sh stop|start|restart NAME   e.g. svc.sh restart nova-compute-2
# For upgrade-like host actions use host.sh (it also waits for Nova).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
cmd=${1:-status}; name=${2:-}
usage() { echo "usage: $0 status | {start|stop|restart} NAME" >&2; exit 2; }
case $cmd in
  start|stop|restart)
    [ -n "$name" ] || usage
    [ -f "$TB/run/$name.cmd" ] || { echo "unknown service '$name' (no $TB/run/$name.cmd)" >&2; exit 2; } ;;
esac
case $cmd in
  stop) stop_group "$name" ;;
  start) start_saved "$name" ;;
  restart) stop_group "$name"; start_saved "$name" ;;
  status)
    total=0
    for f in "$TB"/run/*.cmd; do
      [ -e "$f" ] || { echo "no services (run setup.sh)"; exit 0; }
      n=$(basename "$f" .cmd)
      if alive "$n"; then
        m=$(pss_mib "$n"); total=$((total + m))
        printf '%-18s running  pid=%-7s pss=%4s MiB\n' "$n" "$(cat "$TB/run/$n.pid")" "$m"
      else
        printf '%-18s STOPPED\n' "$n"
      fi
    done
    echo "total PSS: $total MiB" ;;
  *) usage ;;
esac
