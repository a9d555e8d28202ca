#!/bin/bash
# Smoke test of the Escalator OpenStack testbed with plain curl + jq + ssh
# against the real REST APIs (Keystone v3, Nova 2.88, Placement 1.39, Neutron
# v2.0) and the SSH host agent: the calls the OpenStack driver needs.
# Run after setup.sh (with its demo resources).  Prints "N passed, M failed"
# and exits non-zero on any failure.  It leaves the testbed as it found it
# (services enabled, smoke servers deleted, host version markers restored);
# servers may end up on other hosts (that is what live migration does).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
CFG=$TB/testbed.json
[ -f "$CFG" ] || { echo "no $CFG: run setup.sh first" >&2; exit 2; }
PW=$(jq -r .admin.password "$CFG")
KS=$(jq -r .keystone.authUrl "$CFG")
NOVA=$(jq -r .endpoints.compute "$CFG")
PLACEMENT=$(jq -r .endpoints.placement "$CFG")
NEUTRON_URL=$(jq -r .endpoints.network "$CFG")
GLANCE=$(jq -r .endpoints.image "$CFG")
CMV=2.88 PMV=1.39
KEY=$(jq -r .ssh.privateKey "$CFG"); SSH_PORT_=$(jq -r .ssh.port "$CFG")
KH=$(jq -r .ssh.knownHosts "$CFG"); HOSTSH=$(jq -r .ssh.hostScript "$CFG")
PASS=0 FAIL=0
T0=$(date +%s.%N)
ts() { awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{printf "%6.1f", a-b}'; }
ok()   { PASS=$((PASS + 1)); echo "$(ts) PASS  $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "$(ts) FAIL  $*"; }
info() { echo "$(ts)       $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }

# token USER PROJECT -> TOK (X-Subject-Token), TOKEN_BODY (token with catalog)
token() {
  local f; f=$(mktemp)
  curl -s -D "$f.h" -o "$f" -X POST "$KS/auth/tokens" -H 'Content-Type: application/json' \
    -d "$(jq -nc --arg u "$1" --arg p "$PW" --arg pr "$2" '{auth:{identity:{methods:["password"],password:{user:{name:$u,domain:{name:"Default"},password:$p}}},scope:{project:{name:$pr,domain:{name:"Default"}}}}}')"
  TOKEN_BODY=$(cat "$f")
  TOK=$(awk 'tolower($1)=="x-subject-token:" {print $2}' "$f.h" | tr -d '\r'); rm -f "$f" "$f.h"
}
# req METHOD URL [JSON] -> $CODE, $BODY
req() {
  local f; f=$(mktemp)
  if [ $# -ge 3 ]; then
    CODE=$(curl -s -m 60 -o "$f" -w '%{http_code}' -X "$1" "$2" -H "X-Auth-Token: $TOKEN" -H "OpenStack-API-Version: $MVH" -H 'Content-Type: application/json' -d "$3")
  else
    CODE=$(curl -s -m 60 -o "$f" -w '%{http_code}' -X "$1" "$2" -H "X-Auth-Token: $TOKEN" -H "OpenStack-API-Version: $MVH")
  fi
  BODY=$(cat "$f"); rm -f "$f"
}
nova()      { MVH="compute $CMV";   req "$1" "$NOVA$2" "${@:3}"; }
placement() { MVH="placement $PMV"; req "$1" "$PLACEMENT$2" "${@:3}"; }
neutron()   { MVH="network 2.0";    req "$1" "$NEUTRON_URL$2" "${@:3}"; }
expect() { # CODE DESCRIPTION
  if [ "$CODE" = "$1" ]; then ok "$2 -> HTTP $CODE"; return 0; fi
  bad "$2 -> HTTP $CODE (expected $1): $(echo "$BODY" | head -c 300)"; return 1
}
server() { nova GET "/servers/$1"; echo "$BODY" | jq -r '.server | "\(.status) \(."OS-EXT-STS:task_state") \(."OS-EXT-SRV-ATTR:host") \(."OS-EXT-STS:power_state")"'; }
sid() { nova GET "/servers/detail?all_tenants=1&name=%5E$1%24"; echo "$BODY" | jq -r '.servers[0].id'; }
host_of() { server "$1" | awk '{print $3}'; }
wait_server() { # ID TIMEOUT -> prints "STATUS HOST" once no task_state
  local end=$(( $(date +%s) + $2 )) s
  while :; do
    s=$(server "$1")   # STATUS TASK_STATE HOST POWER_STATE
    case "$s" in ACTIVE\ null\ *|ERROR\ *) echo "$s" | awk '{print $1, $3}'; return 0 ;; esac
    [ "$(date +%s)" -ge $end ] && { echo "$s"; return 1; }
    sleep 0.5
  done
}
rp_uuid() { placement GET "/resource_providers?name=$1"; echo "$BODY" | jq -r '.resource_providers[0].uuid'; }
usage() { placement GET "/resource_providers/$1/usages"; echo "$BODY" | jq -c '.usages'; }
# hs ARGS... : host.sh through the testbed's sshd; -> $HS_OUT, $HS_RC
hs() {
  HS_OUT=$(ssh -i "$KEY" -p "$SSH_PORT_" -o BatchMode=yes -o UserKnownHostsFile="$KH" \
    -o StrictHostKeyChecking=yes -o ConnectTimeout=10 root@127.0.0.1 "$HOSTSH" "$@" 2>&1)
  HS_RC=$?
}
# live_migrate ID HOST|null -> waits; sets MIG_STATUSES, NEWHOST, MIG
live_migrate() {
  local id=$1 dest=$2 before t1 t2
  before=$(host_of "$id")
  [ "$dest" = null ] || dest="\"$dest\""
  t1=$(date +%s.%N)
  nova POST "/servers/$id/action" '{"os-migrateLive":{"host":'"$dest"',"block_migration":"auto"}}'
  expect 202 "POST /servers/$id/action os-migrateLive host=$2 (from $before)" || return 1
  MIG_STATUSES=""
  local end=$(( $(date +%s) + 120 ))
  while :; do
    nova GET "/servers/$id/migrations"          # in-progress live migrations only
    local st; st=$(echo "$BODY" | jq -r '.migrations[0].status // empty')
    [ -n "$st" ] && case " $MIG_STATUSES " in *" $st "*) ;; *) MIG_STATUSES="$MIG_STATUSES $st" ;; esac
    local s; s=$(server "$id")
    case "$s" in ACTIVE\ null\ *|ERROR\ *) break ;; esac
    [ "$(date +%s)" -ge $end ] && break
    sleep 0.3
  done
  t2=$(date +%s.%N)
  NEWHOST=$(host_of "$id")
  # the server's task_state clears a moment before the migration record
  # reaches its final status: wait for that too
  for _ in $(seq 1 60); do
    nova GET "/os-migrations?instance_uuid=$id&migration_type=live-migration&limit=1"
    MIG=$(echo "$BODY" | jq -c '.migrations[0] | {id, uuid, status, source_compute, dest_compute}')
    case $(echo "$MIG" | jq -r .status) in completed|error|failed|cancelled) break ;; esac
    sleep 0.5
  done
  info "  in-progress statuses seen via GET /servers/{id}/migrations:${MIG_STATUSES:- (none)}"
  info "  GET /os-migrations?instance_uuid=...: $MIG   ($(awk -v a="$t2" -v b="$t1" 'BEGIN{printf "%.1f", a-b}') s)"
}

echo "== keystone: tokens, catalog, application credential"
token admin admin; TOKEN_ADMIN=$TOK ADMIN_BODY=$TOKEN_BODY
token demo demo; TOKEN_DEMO=$TOK
[ -n "$TOKEN_ADMIN" ] && [ -n "$TOKEN_DEMO" ] && ok "POST /v3/auth/tokens (admin and demo, project-scoped)" || { bad "keystone tokens"; exit 1; }
TOKEN=$TOKEN_ADMIN
types=$(echo "$ADMIN_BODY" | jq -r '[.token.catalog[].type] | sort | join(",")')
[ "$types" = "compute,identity,image,network,placement" ] && ok "token catalog: $types" || bad "catalog: $types"
AC_ID=$(jq -r .appCredential.id "$CFG"); AC_SECRET=$(jq -r .appCredential.secret "$CFG")
AC_TOKEN=$(curl -s -D - -o /dev/null -X POST "$KS/auth/tokens" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg i "$AC_ID" --arg s "$AC_SECRET" '{auth:{identity:{methods:["application_credential"],application_credential:{id:$i,secret:$s}}}}')" \
  | awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r')
TOKEN=$AC_TOKEN; nova GET "/os-services?binary=nova-compute"; TOKEN=$TOKEN_ADMIN
[ -n "$AC_TOKEN" ] && expect 200 "application credential $AC_ID: token + GET /os-services with it" || bad "application credential auth"

echo "== compute services, hypervisors, aggregates, availability zones"
HOSTS=$(jq -r '.computeHosts[]' "$CFG")
NHOSTS=$(echo "$HOSTS" | wc -l)
nova GET "/os-services?binary=nova-compute"
expect 200 "GET /os-services?binary=nova-compute"
echo "$BODY" | jq -r '.services[] | "        \(.host)  \(.status)/\(.state)  zone=\(.zone) id=\(.id)"'
NUP=$(echo "$BODY" | jq '[.services[] | select(.state=="up" and .status=="enabled")] | length')
[ "$NUP" = "$NHOSTS" ] && ok "$NUP/$NHOSTS nova-compute services enabled and up" || bad "only $NUP of $NHOSTS compute services enabled/up"
nova GET "/os-hypervisors/detail"
expect 200 "GET /os-hypervisors/detail"
echo "$BODY" | jq -r '.hypervisors[] | "        \(.hypervisor_hostname)  \(.status)/\(.state)  type=\(.hypervisor_type) id=\(.id)"'
nova GET "/os-hypervisors?with_servers=true"
expect 200 "GET /os-hypervisors?with_servers=true"
echo "$BODY" | jq -r '.hypervisors[] | "        \(.hypervisor_hostname): \([.servers[]?.name] | join(","))"'
nova GET "/os-aggregates"
agg=$(echo "$BODY" | jq -c '.aggregates[] | select(.name=="agg-az1") | {availability_zone, hosts: (.hosts|sort)}')
[ "$(echo "$agg" | jq -r .availability_zone)" = az1 ] && [ "$(echo "$agg" | jq '.hosts|length')" = "$NHOSTS" ] \
  && ok "GET /os-aggregates: agg-az1 $agg" || bad "aggregate agg-az1: $agg"
nova GET "/os-availability-zone/detail"
azh=$(echo "$BODY" | jq -c '[.availabilityZoneInfo[] | select(.zoneName=="az1") | .hosts | keys[]] | sort')
[ "$(echo "$azh" | jq length)" = "$NHOSTS" ] && ok "GET /os-availability-zone/detail: az1 hosts $azh" || bad "az1 hosts: $azh ($(echo "$BODY" | head -c 300))"

echo "== demo servers, server groups, quotas"
DEMO_PID=$(jq -r .demo.projectId "$CFG")
nova GET "/servers/detail?all_tenants=1&project_id=$DEMO_PID"
nact=$(echo "$BODY" | jq '[.servers[] | select(.status=="ACTIVE")] | length')
[ "$nact" -ge 8 ] && ok "$nact servers ACTIVE in project demo" || bad "only $nact ACTIVE servers in demo"
zones=$(echo "$BODY" | jq -r '[.servers[]["OS-EXT-AZ:availability_zone"]] | unique | join(",")')
[ "$zones" = az1 ] && ok "all demo servers in availability zone az1" || bad "server zones: $zones"
nova GET "/os-server-groups?all_projects=true"
expect 200 "GET /os-server-groups?all_projects=true"
for g in vnf-a vnf-b; do
  members=$(echo "$BODY" | jq -r --arg g "$g" '.server_groups[] | select(.name==$g) | .members[]')
  hosts=$(for m in $members; do host_of "$m"; done | sort)
  [ "$(echo "$members" | wc -w)" = 3 ] && [ -z "$(echo "$hosts" | uniq -d)" ] \
    && ok "group $g: 3 members on distinct hosts $(echo $hosts)" || bad "group $g: members $(echo $members) on $(echo $hosts)"
done
nova GET "/os-quota-sets/$DEMO_PID/detail"
expect 200 "GET /os-quota-sets/{demo}/detail (instances $(echo "$BODY" | jq -c '.quota_set.instances'))"

echo "== neutron (what Nova calls)"
neutron GET "/v2.0/extensions"
expect 200 "GET /v2.0/extensions ($(echo "$BODY" | jq '.extensions|length') extensions, binding-extended: $(echo "$BODY" | jq '[.extensions[].alias] | index("binding-extended") != null'))"
neutron GET "/v2.0/ports?device_id=$(sid vnf-a-1)"
expect 200 "GET /v2.0/ports?device_id={vnf-a-1} ($(echo "$BODY" | jq -c .ports))"

echo "== placement"
placement GET "/resource_providers"
expect 200 "GET /resource_providers"
for u in $(echo "$BODY" | jq -r '.resource_providers[].uuid'); do
  placement GET "/resource_providers/$u/inventories"
  inv=$(echo "$BODY" | jq -c '.inventories | with_entries(.value |= {total, reserved, allocation_ratio})')
  placement GET "/resource_providers/$u"; name=$(echo "$BODY" | jq -r .name)
  info "  $name inventories=$inv usages=$(usage "$u")"
done
[ "$CODE" = 200 ] && ok "GET /resource_providers/{uuid}/inventories and /usages"

echo "== host agent over SSH"
H1=$(echo "$HOSTS" | head -1)
hs "$H1" version nova-compute
[ $HS_RC = 0 ] && [ -n "$HS_OUT" ] && ok "ssh host.sh $H1 version nova-compute -> $HS_OUT" || bad "version: rc=$HS_RC $HS_OUT"
NOVA_V0=$HS_OUT
hs "$H1" health
[ $HS_RC = 0 ] && [ "$(echo "$HS_OUT" | jq -r .servicesUp)" = true ] && ok "ssh host.sh $H1 health -> servicesUp=true, components $(echo "$HS_OUT" | jq -c '.components | keys | length')" || bad "health: rc=$HS_RC $HS_OUT"
BACKUPS=""
for h in $HOSTS; do hs "$h" backup; BACKUPS="$BACKUPS $h=$HS_OUT"; done
info "  version markers backed up:$BACKUPS"
hs "$H1" install nova-compute not-a-version
[ $HS_RC = 2 ] && ok "install with a bad version is rejected (exit 2: $HS_OUT)" || bad "bad version: rc=$HS_RC $HS_OUT"
hs "$H1" restart no-such-component
[ $HS_RC = 2 ] && ok "restart of a component that is not installed is rejected (exit 2)" || bad "rc=$HS_RC $HS_OUT"
hs "$H1" install kernel 6.1.90-1
[ $HS_RC = 0 ] && ok "install kernel 6.1.90-1 -> $HS_OUT" || bad "install kernel: rc=$HS_RC $HS_OUT"
hs "$H1" install kernel 6.1.90-1
[ $HS_RC = 0 ] && ok "install again is idempotent -> $HS_OUT" || bad "install again: rc=$HS_RC $HS_OUT"
hs "$H1" exec 'touch fail-install'
hs "$H1" install openvswitch 3.1.2-1
[ $HS_RC = 1 ] && ok "fault injection fail-install: exit 1 ($(echo "$HS_OUT" | head -c 80)...)" || bad "fail-install: rc=$HS_RC $HS_OUT"
hs "$H1" exec 'rm -f fail-install'
hs "$H1" health
[ "$(echo "$HS_OUT" | jq -r '.alarms[0].code')" = package-install-failed ] && [ "$(echo "$HS_OUT" | jq -r '.pendingActivation | join(",")')" = kernel ] \
  && ok "health shows alarm package-install-failed and pendingActivation [kernel]" || bad "health: $HS_OUT"
hs "$H1" clear-alarms

echo "== pick a host to drain"
SRC=$(host_of "$(sid vnf-a-1)")
[ "$SRC" != null ] && [ -n "$SRC" ] && ok "server vnf-a-1 (group vnf-a) is on $SRC; draining $SRC" || { bad "no vnf-a-1"; exit 1; }
nova GET "/os-services?binary=nova-compute&host=$SRC"
SVC=$(echo "$BODY" | jq -r '.services[0].id')
SRC_RP=$(rp_uuid "$SRC")

echo "== disable $SRC with a reason"
nova PUT "/os-services/$SVC" '{"status":"disabled","disabled_reason":"escalator: campaign smoke"}'
expect 200 "PUT /os-services/$SVC {status: disabled, disabled_reason}"
nova GET "/os-hypervisors/detail"
hst=$(echo "$BODY" | jq -r --arg h "$SRC" '.hypervisors[] | select(.hypervisor_hostname==$h) | .status')
[ "$hst" = disabled ] && ok "hypervisor $SRC reports status=disabled" || bad "hypervisor status $hst"
for _ in $(seq 1 20); do
  placement GET "/resource_providers/$SRC_RP/traits"
  echo "$BODY" | jq -e '.traits | index("COMPUTE_STATUS_DISABLED")' >/dev/null && break; sleep 0.5
done
echo "$BODY" | jq -e '.traits | index("COMPUTE_STATUS_DISABLED")' >/dev/null \
  && ok "placement: provider $SRC got trait COMPUTE_STATUS_DISABLED" || bad "no COMPUTE_STATUS_DISABLED trait"

echo "== servers on $SRC (all tenants)"
nova GET "/servers/detail?all_tenants=1&host=$SRC"
expect 200 "GET /servers/detail?all_tenants=1&host=$SRC"
ON_SRC=$(echo "$BODY" | jq -r '.servers[].id')
echo "$BODY" | jq -r '.servers[] | "        \(.name) \(.id) \(.status) project=\(.tenant_id)"'

echo "== new anti-affinity server group + 2 servers (as demo) while $SRC is disabled"
TOKEN=$TOKEN_DEMO
nova POST "/os-server-groups" '{"server_group":{"name":"smoke-aa","policy":"anti-affinity"}}'
expect 200 "POST /os-server-groups {policy: anti-affinity}"
GROUP=$(echo "$BODY" | jq -r .server_group.id)
IMG=$(curl -s -H "X-Auth-Token: $TOKEN" "$GLANCE/v2/images?name=fake-image" | jq -r '.images[0].id')
nova GET "/flavors"; FLV=$(echo "$BODY" | jq -r '.flavors[] | select(.name=="m1.tiny") | .id')
nova POST "/servers" '{"server":{"name":"smoke","imageRef":"'"$IMG"'","flavorRef":"'"$FLV"'","networks":"none","min_count":2,"max_count":2},"os:scheduler_hints":{"group":"'"$GROUP"'"}}'
expect 202 "POST /servers x2 (networks=none, scheduler_hints.group)"
TOKEN=$TOKEN_ADMIN
sleep 1
nova GET "/os-server-groups/$GROUP"; MEMBERS=$(echo "$BODY" | jq -r '.server_group.members[]')
SHOSTS=""
for m in $MEMBERS; do r=$(wait_server "$m" 90); info "  $m -> $r"; SHOSTS="$SHOSTS $(echo "$r" | awk '{print $2}')"; done
nh=$(echo $SHOSTS | tr ' ' '\n' | sort -u | wc -l)
[ "$nh" = 2 ] && ! echo "$SHOSTS" | grep -qw "$SRC" && ok "group members ACTIVE on distinct hosts ($SHOSTS), none on disabled $SRC" || bad "placement of group: $SHOSTS"

echo "== live-migrate everything off $SRC (scheduler picks destination)"
for id in $ON_SRC; do
  live_migrate "$id" null
  [ "$NEWHOST" != "$SRC" ] && [ "$(echo "$MIG" | jq -r .status)" = completed ] \
    && ok "server $id moved $SRC -> $NEWHOST, migration completed" || bad "server $id still on $NEWHOST: $MIG"
done
nova GET "/servers/detail?all_tenants=1&host=$SRC"
n=$(echo "$BODY" | jq '.servers | length')
[ "$n" = 0 ] && ok "$SRC has no servers left" || bad "$SRC still has $n servers"
sleep 1
u=$(usage "$SRC_RP"); [ "$(echo "$u" | jq '[.[]] | add')" = 0 ] && ok "placement usages on $SRC now $u" || bad "usages on $SRC: $u"
nova GET "/os-migrations?host=$SRC&migration_type=live-migration"
expect 200 "GET /os-migrations?host=$SRC&migration_type=live-migration ($(echo "$BODY" | jq '.migrations | length') records)"
nova GET "/os-server-groups?all_projects=true"
for g in $(echo "$BODY" | jq -r '.server_groups[] | select(.policy=="anti-affinity") | .id'); do
  nova GET "/os-server-groups/$g"; gname=$(echo "$BODY" | jq -r .server_group.name)
  hosts=$(for m in $(echo "$BODY" | jq -r '.server_group.members[]'); do host_of "$m"; done)
  [ "$(echo "$hosts" | sort | uniq -d)" = "" ] && ok "anti-affinity group $gname still on distinct hosts: $(echo $hosts)" || bad "group $gname violated: $(echo $hosts)"
done

echo "== negative: anti-affinity member with no valid destination"
V2=$(sid vnf-a-2)
h_before=$(host_of "$V2")
live_migrate "$V2" null
st=$(echo "$MIG" | jq -r .status)
[ "$st" = error ] && [ "$NEWHOST" = "$h_before" ] && [ "$(server "$V2" | awk '{print $1}')" = ACTIVE ] \
  && ok "no valid host: migration status=error, vnf-a-2 stays ACTIVE on $h_before" || bad "expected NoValidHost, got $st on $NEWHOST"

echo "== abort and force-complete a running live migration"
P1=$(sid plain-1)
start_and_wait_running() { # ID -> MID of a 'running' migration
  local h; h=$(host_of "$1")
  nova POST "/servers/$1/action" '{"os-migrateLive":{"host":null,"block_migration":"auto"}}'
  MID=""
  for _ in $(seq 1 60); do
    nova GET "/servers/$1/migrations"
    MID=$(echo "$BODY" | jq -r '.migrations[] | select(.status=="running") | .id' | head -1)
    [ -n "$MID" ] && break; sleep 0.2
  done
  info "  server $1 on $h: running migration id=${MID:-none}"
}
start_and_wait_running "$P1"
if [ -n "$MID" ]; then
  nova DELETE "/servers/$P1/migrations/$MID"
  expect 202 "DELETE /servers/{id}/migrations/$MID (abort)"
  r=$(wait_server "$P1" 30)
  nova GET "/os-migrations?instance_uuid=$P1&limit=1"; st=$(echo "$BODY" | jq -r '.migrations[0].status')
  [ "$st" = cancelled ] && ok "aborted migration status=cancelled, server $r" || bad "abort: migration $st, server $r"
else bad "no running migration to abort"; fi
start_and_wait_running "$P1"
if [ -n "$MID" ]; then
  t1=$(date +%s.%N)
  nova POST "/servers/$P1/migrations/$MID/action" '{"force_complete":null}'
  expect 202 "POST /servers/{id}/migrations/$MID/action force_complete"
  r=$(wait_server "$P1" 30); t2=$(date +%s.%N)
  nova GET "/os-migrations?instance_uuid=$P1&limit=1"; st=$(echo "$BODY" | jq -r '.migrations[0].status')
  [ "$st" = completed ] && ok "force-completed in $(awk -v a="$t2" -v b="$t1" 'BEGIN{printf "%.1f", a-b}') s: status=$st, server $r" || bad "force_complete: $st $r"
else bad "no running migration to force-complete"; fi

echo "== re-enable $SRC and migrate a server back to it explicitly"
nova PUT "/os-services/$SVC" '{"status":"enabled"}'
expect 200 "PUT /os-services/$SVC {status: enabled}"
for _ in $(seq 1 20); do
  placement GET "/resource_providers/$SRC_RP/traits"
  echo "$BODY" | jq -e '.traits | index("COMPUTE_STATUS_DISABLED")' >/dev/null || break; sleep 0.5
done
echo "$BODY" | jq -e '.traits | index("COMPUTE_STATUS_DISABLED")' >/dev/null && bad "trait still set" || ok "placement: COMPUTE_STATUS_DISABLED removed from $SRC"
P2=$(sid plain-2)
live_migrate "$P2" "$SRC"
[ "$NEWHOST" = "$SRC" ] && ok "plain-2 live-migrated to requested host $SRC" || bad "plain-2 on $NEWHOST"

echo "== forced_down toggle on $SRC"
nova PUT "/os-services/$SVC" '{"forced_down":true}'
expect 200 "PUT /os-services/$SVC {forced_down: true}"
nova GET "/os-services?binary=nova-compute&host=$SRC"; st=$(echo "$BODY" | jq -r '.services[0] | "\(.state) forced_down=\(.forced_down)"')
[ "${st%% *}" = down ] && ok "service state now: $st" || bad "state $st"
nova PUT "/os-services/$SVC" '{"forced_down":false}'
expect 200 "PUT /os-services/$SVC {forced_down: false}"
nova GET "/os-services?binary=nova-compute&host=$SRC"; st=$(echo "$BODY" | jq -r '.services[0] | "\(.state) forced_down=\(.forced_down)"')
[ "${st%% *}" = up ] && ok "service state now: $st" || bad "state $st"

echo "== upgrade-like restart over SSH: restart the nova-compute that hosts plain-1, then live-migrate plain-1"
H=$(host_of "$P1")
hs "$H" install nova-compute 2:27.1.0-1~bpo12+1
[ $HS_RC = 0 ] && ok "ssh host.sh $H install nova-compute 2:27.1.0-1~bpo12+1 -> $HS_OUT" || bad "install: rc=$HS_RC $HS_OUT"
hs "$H" restart nova-compute
[ $HS_RC = 0 ] && ok "ssh host.sh $H restart nova-compute -> $HS_OUT" || bad "restart: rc=$HS_RC $HS_OUT"
ps1=$(server "$P1" | awk '{print $4}')
[ "$ps1" = 1 ] && ok "after the restart of $H: plain-1 power_state=$ps1 (RUNNING)" || bad "plain-1 power_state=$ps1 after restart"
live_migrate "$P1" null
[ "$NEWHOST" != "$H" ] && [ "$(echo "$MIG" | jq -r .status)" = completed ] && ok "plain-1 live-migrated after compute restart: $H -> $NEWHOST" || bad "migration after restart: $MIG"

echo "== reboot over SSH: the host of vnf-b-1 (its servers must survive)"
VB1=$(sid vnf-b-1); RB=$(host_of "$VB1")
nova GET "/servers/detail?all_tenants=1&host=$RB"; ON_RB=$(echo "$BODY" | jq -r '.servers[].id')
hs "$RB" install kernel 6.1.90-1
hs "$RB" reboot
[ $HS_RC = 0 ] && ok "ssh host.sh $RB reboot -> $HS_OUT" || bad "reboot: rc=$HS_RC $HS_OUT"
allrun=1; for id in $ON_RB; do [ "$(server "$id" | awk '{print $1, $4}')" = "ACTIVE 1" ] || allrun=0; done
[ $allrun = 1 ] && ok "all $(echo $ON_RB | wc -w) servers on $RB ACTIVE with power_state 1 after the reboot" || bad "servers on $RB after reboot: $(for id in $ON_RB; do server "$id"; done)"
hs "$RB" health
[ "$(echo "$HS_OUT" | jq -r '.runningKernel + " " + (.pendingActivation|length|tostring) + " " + (.servicesUp|tostring)')" = "6.1.90-1 0 true" ] \
  && ok "health after reboot: runningKernel 6.1.90-1, nothing pending, servicesUp" || bad "health after reboot: $HS_OUT"
live_migrate "$VB1" null
[ "$NEWHOST" != "$RB" ] && [ "$(echo "$MIG" | jq -r .status)" = completed ] && ok "vnf-b-1 live-migrated after the reboot: $RB -> $NEWHOST" || bad "migration after reboot: $MIG"

echo "== cleanup: smoke servers and group, host version markers"
TOKEN=$TOKEN_DEMO
for m in $MEMBERS; do nova DELETE "/servers/$m"; expect 204 "DELETE /servers/$m"; done
for _ in $(seq 1 60); do nova GET "/servers?name=%5Esmoke"; [ "$(echo "$BODY" | jq '.servers|length')" = 0 ] && break; sleep 0.5; done
nova DELETE "/os-server-groups/$GROUP"; expect 204 "DELETE /os-server-groups/$GROUP"
TOKEN=$TOKEN_ADMIN
restored=0
for b in $BACKUPS; do hs "${b%%=*}" restore "${b#*=}" && [ $HS_RC = 0 ] && restored=$((restored + 1)); hs "${b%%=*}" clear-alarms; done
hs "$H1" version nova-compute
[ "$restored" = "$NHOSTS" ] && [ "$HS_OUT" = "$NOVA_V0" ] && ok "host version markers restored on $restored hosts" || bad "restore: $restored hosts, $H1 nova-compute $HS_OUT"

echo
echo "smoke: $PASS passed, $FAIL failed  ($(ts | tr -d ' ') s)"
[ "$FAIL" = 0 ]
