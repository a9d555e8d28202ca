#!/usr/bin/env bash
# Prints the OpenStackTarget document for the running testbed (read from its testbed.json):
# Keystone with the admin application credential (its secret from $OS_APPLICATION_CREDENTIAL_SECRET
# unless --inline-secret), SSH to the testbed's sshd, and host.sh as the host commands.
#
#   tools/openstack-testbed/escalator/target.sh > target.yaml
#   export OS_APPLICATION_CREDENTIAL_SECRET=$(jq -r .appCredential.secret /var/lib/escalator-os-testbed/testbed.json)
#   npx escalator inventory export --cloud target.yaml
set -euo pipefail
TB=${TESTBED_DIR:-/var/lib/escalator-os-testbed}
J="$TB/testbed.json"
[ -r "$J" ] || { echo "target.sh: $J not found: is the testbed set up (tools/openstack-testbed/setup.sh)?" >&2; exit 2; }
inline=false
[ "${1:-}" = "--inline-secret" ] && inline=true
q() { jq -r "$1" "$J"; }
HOSTSH=$(q .ssh.hostScript)
cat <<YAML
apiVersion: escalator.dev/v1alpha1
kind: OpenStackTarget
metadata:
  name: testbed
  description: The Escalator OpenStack testbed (tools/openstack-testbed), read from $J.
spec:
  auth:
    url: $(q .keystone.authUrl)
    applicationCredential:
      id: $(q .appCredential.id)
$(if $inline; then echo "      secret: $(q .appCredential.secret)"; else echo "      secretEnv: OS_APPLICATION_CREDENTIAL_SECRET"; fi)
  region: $(q .keystone.region)
  interface: public
  site: testbed
  requestTimeout: 60s
  hosts:
    ssh:
      user: $(q .ssh.user)
      port: $(q .ssh.port)
      address: $(q .ssh.host)
      privateKey: $(q .ssh.privateKey)
      knownHosts: $(q .ssh.knownHosts)
    commands:
      versions: [$HOSTSH, "{host}", health]
      install: [$HOSTSH, "{host}", install, "{component}", "{version}"]
      restart: [$HOSTSH, "{host}", restart, "{component}"]
      reboot: [$HOSTSH, "{host}", reboot]
      command: [$HOSTSH, "{host}", exec, "{command}"]
      backup: [$HOSTSH, "{host}", backup]
      restore: [$HOSTSH, "{host}", restore, "{ref}"]
    actionTimeout: 5m
  scaleUp:
    projects: [$(q .demo.projectId)]
YAML
