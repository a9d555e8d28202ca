#!/bin/bash
# Save sample responses of the real APIs the Escalator OpenStack driver uses
# (body as NAME.json, status line + response headers as NAME.headers), from a
# running testbed.  Starts one live migration of plain-1 to capture
# GET /servers/{id}/migrations while it runs.  Nothing is left changed except
# where plain-1 runs.
#   capture-samples.sh [OUTDIR]     (default /tmp/os-samples)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
OUT=${1:-/tmp/os-samples}
CFG=$TB/testbed.json
[ -f "$CFG" ] || { echo "no $CFG: run setup.sh first" >&2; exit 2; }
mkdir -p "$OUT"
PW=$(jq -r .admin.password "$CFG")
KS=$(jq -r .keystone.authUrl "$CFG")
NOVA=$(jq -r .endpoints.compute "$CFG")
PLACEMENT=$(jq -r .endpoints.placement "$CFG")
NEUTRON_URL=$(jq -r .endpoints.network "$CFG")
CMV=2.88 PMV=1.39
DEMO_PID=$(jq -r .demo.projectId "$CFG")

# save NAME METHOD URL [HEADER...] [-d BODY]: writes NAME.json / NAME.headers
save() {
  local name=$1 method=$2 url=$3; shift 3
  curl -s -m 60 -X "$method" "$url" -D "$OUT/$name.headers" -o "$OUT/$name.raw" "$@"
  if jq . "$OUT/$name.raw" >"$OUT/$name.json" 2>/dev/null; then rm -f "$OUT/$name.raw"
  else mv "$OUT/$name.raw" "$OUT/$name.json"; fi
  printf '%-48s %s\n' "$name" "$(head -1 "$OUT/$name.headers" | tr -d '\r')"
}
AUTH_BODY=$(jq -nc --arg p "$PW" '{auth:{identity:{methods:["password"],password:{user:{name:"admin",domain:{name:"Default"},password:$p}}},scope:{project:{name:"admin",domain:{name:"Default"}}}}}')
save keystone-POST-auth-tokens POST "$KS/auth/tokens" -H 'Content-Type: application/json' -d "$AUTH_BODY"
TOKEN=$(awk 'tolower($1)=="x-subject-token:" {print $2}' "$OUT/keystone-POST-auth-tokens.headers" | tr -d '\r')
AC=$(jq -nc --arg i "$(jq -r .appCredential.id "$CFG")" --arg s "$(jq -r .appCredential.secret "$CFG")" \
  '{auth:{identity:{methods:["application_credential"],application_credential:{id:$i,secret:$s}}}}')
save keystone-POST-auth-tokens-application-credential POST "$KS/auth/tokens" -H 'Content-Type: application/json' -d "$AC"
save keystone-POST-auth-tokens-wrong-password POST "$KS/auth/tokens" -H 'Content-Type: application/json' \
  -d "$(echo "$AUTH_BODY" | jq -c '.auth.identity.password.user.password = "wrong"')"

N=(-H "X-Auth-Token: $TOKEN" -H "OpenStack-API-Version: compute $CMV")
P=(-H "X-Auth-Token: $TOKEN" -H "OpenStack-API-Version: placement $PMV")
save nova-GET-versions-root GET "${NOVA%/v2.1}/"
save nova-GET-v2.1 GET "$NOVA/" "${N[@]}"
save nova-GET-os-services-binary-nova-compute GET "$NOVA/os-services?binary=nova-compute" "${N[@]}"
save nova-GET-os-hypervisors-detail GET "$NOVA/os-hypervisors/detail" "${N[@]}"
save nova-GET-os-hypervisors-with-servers GET "$NOVA/os-hypervisors?with_servers=true" "${N[@]}"
save nova-GET-servers-detail-all-tenants GET "$NOVA/servers/detail?all_tenants=1" "${N[@]}"
save nova-GET-os-server-groups-all-projects GET "$NOVA/os-server-groups?all_projects=true" "${N[@]}"
save nova-GET-os-aggregates GET "$NOVA/os-aggregates" "${N[@]}"
save nova-GET-os-availability-zone-detail GET "$NOVA/os-availability-zone/detail" "${N[@]}"
save nova-GET-os-quota-sets-demo GET "$NOVA/os-quota-sets/$DEMO_PID" "${N[@]}"
save nova-GET-os-quota-sets-demo-detail GET "$NOVA/os-quota-sets/$DEMO_PID/detail" "${N[@]}"
save nova-GET-servers-unknown-404 GET "$NOVA/servers/00000000-0000-0000-0000-000000000000" "${N[@]}"
save nova-GET-os-services-invalid-token-401 GET "$NOVA/os-services" -H "X-Auth-Token: invalid" -H "OpenStack-API-Version: compute $CMV"

# a live migration of plain-1, sampled while it runs
P1=$(curl -s "$NOVA/servers/detail?all_tenants=1&name=%5Eplain-1%24" "${N[@]}" | jq -r '.servers[0].id')
save nova-POST-servers-action-os-migrateLive POST "$NOVA/servers/$P1/action" "${N[@]}" -H 'Content-Type: application/json' \
  -d '{"os-migrateLive":{"host":null,"block_migration":"auto"}}'
got=""
for _ in $(seq 1 100); do
  body=$(curl -s "$NOVA/servers/$P1/migrations" "${N[@]}")
  st=$(echo "$body" | jq -r '.migrations[0].status // empty')
  if [ "$st" = running ] || { [ -n "$st" ] && [ -z "$got" ]; }; then
    save "nova-GET-servers-id-migrations-during-live-migration-$st" GET "$NOVA/servers/$P1/migrations" "${N[@]}"
    MID=$(echo "$body" | jq -r '.migrations[0].id')
    save "nova-GET-servers-id-migrations-id-$st" GET "$NOVA/servers/$P1/migrations/$MID" "${N[@]}"
    save "nova-GET-server-during-live-migration-$st" GET "$NOVA/servers/$P1" "${N[@]}"
    got=$st
  fi
  [ "$st" = running ] && break
  sleep 0.2
done
for _ in $(seq 1 120); do
  [ "$(curl -s "$NOVA/servers/$P1" "${N[@]}" | jq -r '.server["OS-EXT-STS:task_state"]')" = null ] && break; sleep 0.5
done
sleep 2
save nova-GET-os-migrations GET "$NOVA/os-migrations" "${N[@]}"
save nova-GET-os-migrations-instance-live GET "$NOVA/os-migrations?instance_uuid=$P1&migration_type=live-migration" "${N[@]}"
save nova-GET-servers-id-migrations-after-completion GET "$NOVA/servers/$P1/migrations" "${N[@]}"

save placement-GET-root GET "$PLACEMENT/"
save placement-GET-resource-providers GET "$PLACEMENT/resource_providers" "${P[@]}"
RP=$(jq -r '.resource_providers[0].uuid' "$OUT/placement-GET-resource-providers.json")
save placement-GET-resource-providers-uuid-inventories GET "$PLACEMENT/resource_providers/$RP/inventories" "${P[@]}"
save placement-GET-resource-providers-uuid-usages GET "$PLACEMENT/resource_providers/$RP/usages" "${P[@]}"
save placement-GET-resource-providers-uuid-traits GET "$PLACEMENT/resource_providers/$RP/traits" "${P[@]}"
save placement-GET-resource-providers-uuid-aggregates GET "$PLACEMENT/resource_providers/$RP/aggregates" "${P[@]}"
save neutron-GET-v2.0-extensions GET "$NEUTRON_URL/v2.0/extensions" -H "X-Auth-Token: $TOKEN"

cat >"$OUT/microversions.md" <<EOF
# Microversion headers used (testbed: OpenStack Zed from Debian 12)

Request headers sent with every call:

| API | request header | notes |
|---|---|---|
| Compute (Nova) | \`OpenStack-API-Version: compute $CMV\` | pinned by the driver; this Zed (nova 26.2.2) supports 2.1 to 2.93 (see nova-GET-v2.1.json); legacy \`X-OpenStack-Nova-API-Version: $CMV\` also accepted |
| Placement | \`OpenStack-API-Version: placement $PMV\` | Zed max 1.39 (min 1.0) |
| Identity v3 | none | |
| Network v2.0 | none | |

Response headers seen (see *.headers):

- nova: $(grep -ih '^openstack-api-version' "$OUT/nova-GET-os-services-binary-nova-compute.headers" | tr -d '\r'); $(grep -ih '^x-openstack-nova-api-version' "$OUT/nova-GET-os-services-binary-nova-compute.headers" | tr -d '\r'); $(grep -ih '^vary' "$OUT/nova-GET-os-services-binary-nova-compute.headers" | tr -d '\r' | paste -sd ';' | sed 's/;/; /g')
- placement: $(grep -ih '^openstack-api-version' "$OUT/placement-GET-resource-providers.headers" | tr -d '\r'); $(grep -ih '^vary' "$OUT/placement-GET-resource-providers.headers" | tr -d '\r')
- nova version document: $(jq -c '.version | {id, min_version, version}' "$OUT/nova-GET-v2.1.json" 2>/dev/null)
- placement root: $(jq -c '.versions[0] | {id, min_version, max_version}' "$OUT/placement-GET-root.json" 2>/dev/null)

Microversion-dependent behaviour the driver relies on (compute):

- >= 2.53: service and hypervisor ids are UUIDs; \`PUT /os-services/{id}\` with
  \`status\`/\`disabled_reason\`/\`forced_down\`.
- >= 2.59: \`os-migrations\` has \`uuid\`, paging (\`limit\`, \`marker\`), \`changes-since\`.
- >= 2.80: \`os-migrations\` filters \`project_id\`, \`user_id\`, responses carry them.
- >= 2.88: \`os-hypervisors\` no longer returns vcpus/memory_mb/local_gb/... (use Placement
  inventories/usages); \`/os-hypervisors/{id}/uptime\` removed, \`uptime\` is in the detail.
- \`os-migrateLive\` body at >= 2.30: \`{"host": null | "name", "block_migration": "auto"}\`
  (\`force\` removed at 2.68).
- Placement 1.39: \`GET /resource_providers?required=...\`, traits, usages, inventories.
EOF
echo "samples in $OUT"
