#!/bin/bash
# Per-host agent of the Escalator OpenStack testbed: what Escalator's SSH
# executor runs on a "compute host".  All fake compute hosts live on this one
# machine, so the host is the first argument:
#
#   ssh -i $TB/ssh/id_ed25519 -p 2222 root@127.0.0.1 $TB/bin/host.sh compute-2 restart nova-compute
#
#   host.sh HOST version COMPONENT      print the installed version (exit 2 if not installed)
#   host.sh HOST versions               all installed versions (JSON)
#   host.sh HOST install COMPONENT VERSION
#                                       record VERSION as installed (idempotent); the
#                                       component is marked pending until restart/reboot
#   host.sh HOST restart COMPONENT      nova-compute: restart the host's real nova-compute
#                                       process by PID and wait until Nova reports the
#                                       service and its hypervisor up again; other
#                                       components: recorded only
#   host.sh HOST reboot                 stop nova-compute, stay down REBOOT_DOWN_SECONDS (5),
#                                       boot the installed kernel, start nova-compute, wait up
#   host.sh HOST health                 JSON: state, versions, pending, alarms, Nova service
#                                       and hypervisor state
#   host.sh HOST exec COMMAND...        run a shell command "on" the host (cwd = the
#                                       host's state dir, TESTBED_HOST=HOST)
#   host.sh HOST backup                 copy the version markers; prints a backup ref
#   host.sh HOST restore REF            put the version markers of REF back
#   host.sh HOST recover                bring a host back that a failed reboot left down
#   host.sh HOST clear-alarms
#   host.sh list                        the hosts
#
# Fault injection (files in $TB/hosts/HOST/, created by tests, removed by them):
#   fail-install   install fails (exit 1); if the file lists component names (one per
#                  line), only those fail
#   fail-restart   restart of nova-compute stops it and does not start it again (exit 1)
#   fail-reboot    the host does not come back from a reboot (state down, exit 1)
#   delay-ACTION   seconds to sleep before ACTION (install|restart|reboot|exec), to test
#                  timeouts
#
# Exit codes: 0 ok; 1 the action ran and failed (injected fault, service did not come
# back); 2 rejected (usage, unknown host, bad argument, component not installed, host
# down); 3 timed out waiting for Nova (RESTART_TIMEOUT, default 180 s).
# Actions on one host are serialised (flock); different hosts run in parallel.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
RESTART_TIMEOUT=${RESTART_TIMEOUT:-180}
REBOOT_DOWN_SECONDS=${REBOOT_DOWN_SECONDS:-5}
NOVA=http://$IP:$PORT_NOVA/v2.1
CMV=2.88

reject() { echo "host.sh: $*" >&2; exit 2; }
fail() { echo "host.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }

if [ "${1:-}" = list ]; then
  for d in "$TB"/hosts/*/; do [ -d "$d" ] && basename "$d"; done; exit 0
fi
[ $# -ge 2 ] || reject "usage: host.sh HOST ACTION [ARGS] (see the header of $0)"
H=$1 ACTION=$2; shift 2
[[ $H =~ ^compute-[0-9]+$ ]] || reject "bad host name '$H' (expected compute-N)"
D=$TB/hosts/$H
[ -d "$D" ] && [ -f "$D/versions.json" ] || reject "unknown host '$H' (no $D; hosts: $(ls "$TB/hosts" 2>/dev/null | tr '\n' ' '))"
SVC=nova-compute-${H#compute-}
command -v jq >/dev/null || fail "jq is missing"

# ---------------------------------------------------------------- state files
jset() { # FILE JQ-FILTER [jq args...]: rewrite FILE atomically
  local f=$1 filter=$2; shift 2
  jq "$@" "$filter" "$f" >"$f.$$" && mv "$f.$$" "$f"
}
state() { cat "$D/state" 2>/dev/null || echo up; }
set_state() { echo "$1" >"$D/state"; }
alarm() { # CODE SEVERITY MESSAGE
  jset "$D/alarms.json" '. + [{code: $c, severity: $s, message: $m, at: $t}]' \
    --arg c "$1" --arg s "$2" --arg m "$3" --arg t "$(date -u +%FT%TZ)"
}
journal() { printf '%s %s %s\n' "$(date -u +%FT%TZ)" "$H" "$*" >>"$D/actions.log"; }
delay() { local f="$D/delay-$1"; [ -f "$f" ] && { echo "(injected delay $(cat "$f") s)" >&2; sleep "$(cat "$f")"; }; return 0; }
need_up() { [ "$(state)" = up ] || reject "$H is $(state)"; }

# ---------------------------------------------------------------- Nova API
CREDS=$TB/testbed.json
token() { # cached admin token (valid 24 h; renewed after 12 h)
  local f=$TB/run/host-agent.token
  if [ -s "$f" ] && [ $(( $(date +%s) - $(stat -c %Y "$f") )) -lt 43200 ] && [ "${1:-}" != renew ]; then
    cat "$f"; return
  fi
  local u p body
  u=$(jq -r .admin.username "$CREDS" 2>/dev/null) p=$(jq -r .admin.password "$CREDS" 2>/dev/null)
  [ -n "$u" ] && [ "$u" != null ] || { echo "no admin credentials in $CREDS" >&2; return 1; }
  body=$(jq -nc --arg u "$u" --arg p "$p" '{auth:{identity:{methods:["password"],password:{user:{name:$u,domain:{name:"Default"},password:$p}}},scope:{project:{name:"admin",domain:{name:"Default"}}}}}')
  curl -s -m 20 -D - -o /dev/null -X POST "http://$IP:$PORT_KEYSTONE/v3/auth/tokens" \
    -H 'Content-Type: application/json' -d "$body" \
    | awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r' >"$f.$$"
  [ -s "$f.$$" ] || { rm -f "$f.$$"; echo "could not get a Keystone token" >&2; return 1; }
  chmod 600 "$f.$$"; cat "$f.$$"; mv "$f.$$" "$f"
}
nova_get() { # PATH -> body on stdout; non-zero on failure
  local t out code
  t=$(token) || return 1
  out=$(curl -s -m 20 -w '\n%{http_code}' "$NOVA$1" -H "X-Auth-Token: $t" -H "OpenStack-API-Version: compute $CMV")
  code=${out##*$'\n'}
  if [ "$code" = 401 ]; then
    t=$(token renew) || return 1
    out=$(curl -s -m 20 -w '\n%{http_code}' "$NOVA$1" -H "X-Auth-Token: $t" -H "OpenStack-API-Version: compute $CMV")
    code=${out##*$'\n'}
  fi
  [ "$code" = 200 ] || { echo "GET $1 -> HTTP $code" >&2; return 1; }
  printf '%s\n' "${out%$'\n'*}"
}
service_json() { nova_get "/os-services?binary=nova-compute&host=$H" | jq -c '.services[0] // empty'; }
# (the list, not /detail: with 2.88 /detail asks every compute for its
# uptime over RPC, which is slow while a compute is starting)
hypervisor_json() {
  nova_get "/os-hypervisors?hypervisor_hostname_pattern=$H&with_servers=true" \
    | jq -c --arg h "$H" '[.hypervisors[] | select(.hypervisor_hostname == $h)][0] // empty | {id, state, status, servers: ((.servers // []) | length)}'
}
epoch_utc() { date -u -d "${1%.*}Z" +%s 2>/dev/null || echo 0; }

# wait_up SINCE_EPOCH: nova-compute process alive, service reported after
# SINCE_EPOCH and state up, hypervisor state up
wait_up() {
  local since=$1 end=$(( $(date +%s) + RESTART_TIMEOUT )) s hv upd st fd
  while :; do
    alive "$SVC" || fail "nova-compute of $H exited; see $TB/logs/$SVC.log"
    s=$(service_json 2>/dev/null || true)
    if [ -n "$s" ]; then
      upd=$(jq -r .updated_at <<<"$s"); st=$(jq -r .state <<<"$s"); fd=$(jq -r .forced_down <<<"$s")
      if [ "$upd" != null ] && [ "$(epoch_utc "$upd")" -ge "$since" ]; then
        [ "$fd" = true ] && { echo "note: service is forced_down (state $st); it reported at $upd" >&2; return 0; }
        if [ "$st" = up ]; then
          hv=$(hypervisor_json 2>/dev/null || true)
          [ "$(jq -r .state <<<"${hv:-{\}}")" = up ] && return 0
        fi
      fi
    fi
    [ "$(date +%s)" -ge $end ] && { echo "host.sh: $H: nova-compute did not report up within ${RESTART_TIMEOUT}s (last: ${s:-no answer})" >&2; exit 3; }
    sleep 1
  done
}

restart_nova_compute() { # -> prints timing
  local t0 since
  t0=$(now)
  stop_group "$SVC" >/dev/null
  since=$(date +%s)   # only a report of the new process counts
  if [ -f "$D/fail-restart" ]; then
    alarm service-start-failed major "nova-compute did not start (injected)"
    fail "$H: nova-compute stopped and did not start again (fault injection $D/fail-restart)"
  fi
  start_saved "$SVC" >/dev/null || fail "$H: could not start nova-compute"
  wait_up "$since"
  echo "nova-compute on $H restarted and up in $(since "$t0") s (pid $(cat "$TB/run/$SVC.pid"))"
}

# ---------------------------------------------------------------- actions
valid_component() { [[ $1 =~ ^[a-z0-9][a-z0-9.+_-]*$ ]]; }
valid_version() { [[ $1 =~ ^[0-9][A-Za-z0-9.+:~_-]*$ ]]; }
installed() { jq -r --arg c "$1" '.[$c] // empty' "$D/versions.json"; }

lock() {
  exec 8>"$D/.lock"
  flock -w "${LOCK_TIMEOUT:-600}" 8 || fail "$H is busy (another action holds $D/.lock)"
}

case $ACTION in
  version)
    [ $# = 1 ] || reject "usage: host.sh $H version COMPONENT"
    v=$(installed "$1"); [ -n "$v" ] || reject "$1 is not installed on $H"
    echo "$v" ;;

  versions) jq . "$D/versions.json" ;;

  install)
    [ $# = 2 ] || reject "usage: host.sh $H install COMPONENT VERSION"
    c=$1 v=$2
    valid_component "$c" || reject "bad component name '$c'"
    valid_version "$v" || reject "bad version '$v' for $c (Debian version expected, e.g. 2:27.1.0-1~bpo12+1)"
    lock; need_up; delay install
    from=$(installed "$c")
    clear_install_alarm() { jset "$D/alarms.json" 'map(select(.code != "package-install-failed" or (.message | startswith("installing " + $c + " ") | not)))' --arg c "$c"; }
    if [ "$from" = "$v" ]; then clear_install_alarm; echo "$c $v already installed on $H"; exit 0; fi
    if [ -f "$D/fail-install" ] && { ! grep -q . "$D/fail-install" || grep -qx "$c" "$D/fail-install"; }; then
      alarm package-install-failed major "installing $c $v failed"
      journal "install $c $v FAILED (injected)"
      fail "installing $c $v on $H failed: dpkg: error processing package $c (--configure): installed post-installation script returned error exit status 1 (fault injection $D/fail-install)"
    fi
    sleep "${INSTALL_SECONDS:-1}"   # a little like apt-get
    jset "$D/versions.json" '.[$c] = $v' --arg c "$c" --arg v "$v"
    # A package manager that installed the component clears its earlier failure's alarm.
    clear_install_alarm
    jset "$D/pending.json" '(. - [$c]) + [$c]' --arg c "$c"
    journal "install $c ${from:-none} -> $v"
    echo "$c: ${from:-not installed} -> $v on $H (activate with: $([ "$c" = kernel ] && echo reboot || echo "restart $c"))" ;;

  restart)
    [ $# = 1 ] || reject "usage: host.sh $H restart COMPONENT"
    c=$1; valid_component "$c" || reject "bad component name '$c'"
    [ -n "$(installed "$c")" ] || reject "$c is not installed on $H"
    [ "$c" = kernel ] && reject "the kernel is activated by a reboot, not a restart"
    lock; need_up; delay restart
    if [ "$c" = nova-compute ]; then
      rc=0; out=$(restart_nova_compute) || rc=$?
      [ $rc = 0 ] || exit $rc
    else
      out="$c on $H restarted (recorded only; no such process in the testbed)"
    fi
    jset "$D/pending.json" '. - [$c]' --arg c "$c"
    journal "restart $c"
    echo "$out" ;;

  reboot)
    [ $# = 0 ] || reject "usage: host.sh $H reboot"
    lock; need_up; delay reboot
    t0=$(now)
    set_state rebooting; journal "reboot: going down"
    stop_group "$SVC" >/dev/null
    sleep "$REBOOT_DOWN_SECONDS"
    if [ -f "$D/fail-reboot" ]; then
      set_state down
      alarm host-unreachable critical "$H did not come back from its reboot"
      journal "reboot: did not come back (injected)"
      fail "$H did not come back from its reboot (fault injection $D/fail-reboot; 'host.sh $H recover' brings it back)"
    fi
    installed kernel >"$D/running-kernel"
    since=$(date +%s)
    start_saved "$SVC" >/dev/null || { set_state down; fail "$H: could not start nova-compute"; }
    wait_up "$since"
    echo '[]' >"$D/pending.json"
    set_state up; journal "reboot: up (kernel $(cat "$D/running-kernel"))"
    echo "$H rebooted in $(since "$t0") s (down ${REBOOT_DOWN_SECONDS} s; kernel $(cat "$D/running-kernel"); nova-compute pid $(cat "$TB/run/$SVC.pid"))" ;;

  recover)
    lock; since=$(date +%s)
    alive "$SVC" || start_saved "$SVC" >/dev/null || fail "$H: could not start nova-compute"
    wait_up "$since"; set_state up; journal recover
    echo "$H recovered" ;;

  health)
    s=$(service_json 2>/dev/null) || s=""
    hv=$(hypervisor_json 2>/dev/null) || hv=""
    alive "$SVC" && proc=true || proc=false
    jq -n --arg h "$H" --arg state "$(state)" --argjson proc $proc \
      --argjson versions "$(cat "$D/versions.json")" --argjson pending "$(cat "$D/pending.json")" \
      --argjson alarms "$(cat "$D/alarms.json")" --arg kernel "$(cat "$D/running-kernel" 2>/dev/null)" \
      --argjson svc "${s:-null}" --argjson hv "${hv:-null}" '
      {host: $h, state: $state,
       servicesUp: ($proc and $svc != null and $svc.state == "up" and $hv != null and $hv.state == "up"),
       components: $versions, runningKernel: $kernel, pendingActivation: $pending, alarms: $alarms,
       novaCompute: {processRunning: $proc,
                     service: (if $svc == null then null else $svc | {id, status, state, forced_down, disabled_reason, updated_at} end),
                     hypervisor: $hv}}' ;;

  exec)
    [ $# -ge 1 ] || reject "usage: host.sh $H exec COMMAND..."
    lock; need_up; delay exec
    journal "exec $*"
    cd "$D" && TESTBED_HOST=$H bash -c "$*" ;;

  backup)
    lock
    ref="backup-$(date -u +%Y%m%dT%H%M%SZ)-$$"
    mkdir -p "$D/backups/$ref"
    cp "$D/versions.json" "$D/pending.json" "$D/running-kernel" "$D/backups/$ref/"
    journal "backup $ref"; echo "$ref" ;;

  restore)
    [ $# = 1 ] || reject "usage: host.sh $H restore REF"
    [[ $1 =~ ^backup-[0-9TZ-]+$ ]] && [ -d "$D/backups/$1" ] || reject "no backup '$1' on $H"
    lock
    cp "$D/backups/$1/versions.json" "$D/backups/$1/pending.json" "$D/backups/$1/running-kernel" "$D/"
    journal "restore $1"; echo "$H: version markers restored from $1" ;;

  clear-alarms) lock; echo '[]' >"$D/alarms.json"; echo "alarms of $H cleared" ;;

  *) reject "unknown action '$ACTION' (version, versions, install, restart, reboot, health, exec, backup, restore, recover, clear-alarms)" ;;
esac
