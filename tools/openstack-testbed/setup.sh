#!/bin/bash
# Escalator OpenStack testbed: a real OpenStack Zed control plane from Debian 12
# (bookworm) packages on ONE machine, no systemd, no libvirt, no Docker:
#   MariaDB, RabbitMQ, Keystone, Placement, Glance, Neutron (real
#   neutron-server, ML2 without agents; or a tiny stub, NEUTRON=stub),
#   Nova api/conductor/scheduler and N_COMPUTE nova-compute processes
#   (host = compute-1..N) using Nova's own fake virt driver,
# plus a dedicated OpenSSH server (127.0.0.1:2222, key auth only) through
# which host actions run:  ssh ... root@127.0.0.1 $TB/bin/host.sh compute-N ...
# Everything binds 127.0.0.1.  See README.md.
#
# Idempotent: re-running it starts only what is not running and creates only
# what is missing.  stop.sh stops exactly what this script started (PID files
# in $TB/run); `stop.sh --purge` also wipes $TB.
#
# Environment (all optional):
#   TESTBED_DIR   state dir (default /var/lib/escalator-os-testbed)
#   N_COMPUTE     number of fake compute hosts (default 4)
#   NEUTRON       real (default): Debian's neutron-server; stub: neutron_stub.py
#   FAKE_DRIVER   nova compute_driver (default testbed_fake.FakeLiveMigrateDriver)
#   HOST_VCPUS HOST_RAM_MB HOST_DISK_GB   usable capacity per fake host (10 / 8192 / 100)
#   DEMO          1 (default): image, flavors, aggregate, server groups, servers; 0: skip
#   PASSWORD      password of admin, demo and the service users (default secret)
#   SSH_PORT      port of the testbed's sshd (default 2222)
set -Eeuo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
N_COMPUTE=${N_COMPUTE:-4}
NEUTRON=${NEUTRON:-real}
FAKE_DRIVER=${FAKE_DRIVER:-testbed_fake.FakeLiveMigrateDriver}
HOST_VCPUS=${HOST_VCPUS:-10}
HOST_RAM_MB=${HOST_RAM_MB:-8192}
HOST_DISK_GB=${HOST_DISK_GB:-100}
DEMO=${DEMO:-1}
PW=${PASSWORD:-secret}
export PASSWORD=$PW DEBIAN_FRONTEND=noninteractive

PKGS="mariadb-server rabbitmq-server keystone placement-api glance-api
nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic
python3-openstackclient python3-osc-placement openssh-server openssh-client
curl jq procps"
[ "$NEUTRON" = real ] && PKGS="$PKGS neutron-common"

T0=$(date +%s)
log() { printf '[setup %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }
trap 'log "FAILED at line $LINENO: $BASH_COMMAND (logs in $TB/logs)" >&2' ERR

[ "$(id -u)" = 0 ] || die "must run as root"
case $NEUTRON in real|stub) ;; *) die "NEUTRON must be real or stub, not '$NEUTRON'" ;; esac
case $N_COMPUTE in ''|*[!0-9]*|0) die "N_COMPUTE must be a positive number" ;; esac
mkdir -p "$TB/run" "$TB/logs" "$TB/bin" "$TB/state"
chmod 755 "$TB"
exec 9>"$TB/run/setup.lock"
flock -n 9 || die "another setup.sh is running (lock $TB/run/setup.lock)"
# everything this script prints also goes to $TB/logs/setup.log
exec > >(tee -a "$TB/logs/setup.log") 2>&1
log "==== setup.sh $(date -u +%FT%TZ)  TESTBED_DIR=$TB N_COMPUTE=$N_COMPUTE NEUTRON=$NEUTRON"

# ---------------------------------------------------------------- packages
install_packages() {
  local missing="" p
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -z "$missing" ]; then log "packages already installed"; return; fi
  log "installing:$missing"
  # Keep postinst scripts from starting services (policy-rc.d exit 101 is
  # honoured by invoke-rc.d and deb-systemd-invoke); only if none exists.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt-get update -q >"$TB/logs/apt-update.log" 2>&1 \
    || { tail -20 "$TB/logs/apt-update.log"; die "apt-get update failed"; }
  log "apt-get update done"
  # nova-compute needs *some* nova-compute-hypervisor; -ironic is the one that
  # does not pull qemu/libvirt-daemon (only python3-libvirt/libvirt0).  Its
  # /etc/nova/nova-compute.conf is never read (configs live in $TB/etc).
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold $PKGS \
    >"$TB/logs/apt-install.log" 2>&1 \
    || { [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -30 "$TB/logs/apt-install.log"; die "apt-get install failed"; }
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  log "packages installed ($(grep -m1 'newly installed' "$TB/logs/apt-install.log" || true))"
}

# ---------------------------------------------------------------- helpers
wait_for() { # DESCRIPTION TIMEOUT_S CMD...
  local what=$1 t=$2; shift 2
  local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge $end ] && die "timeout (${t}s) waiting for $what; see $TB/logs"
    sleep 0.5
  done
}
http_up() { curl -s -o /dev/null -m 3 "$1"; }
port_busy() { (exec 3<>"/dev/tcp/$IP/$1") 2>/dev/null; }
# start NAME PORT CMD...: refuse to start if PORT is taken by someone else
start() {
  local name=$1 port=$2; shift 2
  if ! alive "$name" && [ "$port" != - ] && port_busy "$port"; then
    die "$IP:$port is already in use by a process this testbed did not start (needed by $name)"
  fi
  log "$(start_bg "$name" "$@")"
}
mysql_root() { mariadb --no-defaults -uroot -S "$TB/run/mysqld.sock" "$@"; }
# once KEY CMD...: run CMD unless it already ran OK for the same package
# versions (db syncs are idempotent but slow: skipping them saves ~30 s)
once() {
  local key=$1; shift
  local stamp; stamp="$(dpkg-query -W -f='${Version}' "${ONCE_PKG:-python3-nova}" 2>/dev/null) $*"
  if [ -f "$TB/state/$key.done" ] && [ "$(cat "$TB/state/$key.done")" = "$stamp" ]; then return 0; fi
  "$@" && printf '%s' "$stamp" >"$TB/state/$key.done"
}

# ---------------------------------------------------------------- configs
write_configs() {
  mkdir -p "$TB"/etc/{keystone,nova,placement,glance,neutron} "$TB"/keystone/{fernet-keys,credential-keys} \
           "$TB"/glance/{images,staging,tasks,lock} "$TB"/nova/lock "$TB"/neutron/lock "$TB/lib"
  local AUTH="auth_url = http://$IP:$PORT_KEYSTONE/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
region_name = $REGION"
  # uwsgi http-socket closes the connection after each response; clients must
  # be told (Connection: close) or keep-alive reuse fails with "Remote end
  # closed connection without response".
  uwsgi_ini() { # PORT WSGI_FILE PROCESSES THREADS ENV...
    local port=$1 wsgi=$2 procs=$3 threads=$4; shift 4
    printf '[uwsgi]\nplugins = python3\nhttp-socket = %s:%s\nwsgi-file = %s\n' "$IP" "$port" "$wsgi"
    local e; for e in "$@"; do printf 'env = %s\n' "$e"; done
    printf 'processes = %s\nthreads = %s\n' "$procs" "$threads"
    printf '%s\n' 'master = true' 'lazy-apps = true' 'enable-threads = true' \
      'buffer-size = 65535' 'die-on-term = true' 'no-orphans = true' 'add-header = Connection: close'
  }

  # ---- keystone
  cat >"$TB/etc/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file =
use_stderr = true
[database]
connection = mysql+pymysql://keystone:$PW@$IP/keystone
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $TB/keystone/fernet-keys
[fernet_receipts]
key_repository = $TB/keystone/fernet-keys
[credential]
key_repository = $TB/keystone/credential-keys
# In-process cache: token validation ~20 ms instead of ~0.6-1.2 s (2 loaded
# cores).  Coherent because Keystone runs as ONE uwsgi process (4 threads),
# so every invalidation happens in the process that holds the cache.
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt cost 4 instead of 12: password auth/user creation ~50x cheaper on 2 cores
password_hash_rounds = 4
EOF
  uwsgi_ini $PORT_KEYSTONE /usr/bin/keystone-wsgi-public 1 4 "OS_KEYSTONE_CONFIG_DIR=$TB/etc/keystone" \
    >"$TB/etc/keystone/uwsgi.ini"

  # ---- placement
  cat >"$TB/etc/placement/placement.conf" <<EOF
[DEFAULT]
log_file =
use_stderr = true
[placement_database]
connection = mysql+pymysql://placement:$PW@$IP/placement
[api]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = http://$IP:$PORT_KEYSTONE
$AUTH
username = placement
password = $PW
EOF
  uwsgi_ini $PORT_PLACEMENT /usr/bin/placement-api 2 1 "OS_PLACEMENT_CONFIG_DIR=$TB/etc/placement" \
    >"$TB/etc/placement/uwsgi.ini"

  # ---- glance (eventlet server, file store)
  cp /etc/glance/glance-api-paste.ini "$TB/etc/glance/glance-api-paste.ini"
  cat >"$TB/etc/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $IP
bind_port = $PORT_GLANCE
workers = 1
log_file =
use_stderr = true
[database]
connection = mysql+pymysql://glance:$PW@$IP/glance
[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = $TB/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = $TB/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $TB/glance/tasks/
[paste_deploy]
flavor = keystone
config_file = $TB/etc/glance/glance-api-paste.ini
[keystone_authtoken]
www_authenticate_uri = http://$IP:$PORT_KEYSTONE
$AUTH
username = glance
password = $PW
[oslo_concurrency]
lock_path = $TB/glance/lock
EOF

  # ---- neutron (real): one eventlet process serving API and RPC, ML2 with
  # no mechanism drivers and no agents; Nova only lists extensions and ports.
  if [ "$NEUTRON" = real ]; then
    cp /etc/neutron/api-paste.ini "$TB/etc/neutron/api-paste.ini"
    cat >"$TB/etc/neutron/neutron.conf" <<EOF
[DEFAULT]
bind_host = $IP
bind_port = $PORT_NEUTRON
core_plugin = ml2
service_plugins =
auth_strategy = keystone
api_paste_config = $TB/etc/neutron/api-paste.ini
state_path = $TB/neutron
transport_url = rabbit://guest:guest@$IP:$PORT_AMQP/
# single process: API and RPC in the parent, no forked workers
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
use_stderr = true
log_file =
debug = false
[database]
connection = mysql+pymysql://neutron:$PW@$IP/neutron
[keystone_authtoken]
www_authenticate_uri = http://$IP:$PORT_KEYSTONE
$AUTH
username = neutron
password = $PW
[oslo_concurrency]
lock_path = $TB/neutron/lock
[oslo_messaging_notifications]
driver = noop
[agent]
report_interval = 0
EOF
    cat >"$TB/etc/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[securitygroup]
enable_security_group = true
EOF
  fi

  # ---- nova: nova.conf shared by all services; nova-db.conf only for
  # api/conductor/scheduler/nova-manage (a compute with DB settings logs
  # "No DB access allowed in nova-compute" tracebacks); compute-N.conf per host
  cp /etc/nova/api-paste.ini "$TB/etc/nova/api-paste.ini"
  local base_cpu base_ram base_disk
  case $FAKE_DRIVER in
    *.MediumFakeDriver) base_cpu=10 base_ram=8192 base_disk=1028 ;;
    *.SmallFakeDriver)  base_cpu=2 base_ram=8192 base_disk=1028 ;;
    *)                  base_cpu=1000 base_ram=800000 base_disk=600000 ;;
  esac
  # nova loads compute_driver strictly as nova.virt.<name>, so testbed_fake.py
  # is put on nova.virt's package path by a copy of /usr/bin/nova-compute
  cp "$HERE/testbed_fake.py" "$TB/lib/testbed_fake.py"
  cat >"$TB/lib/nova-compute" <<EOF
#!/usr/bin/python3
# /usr/bin/nova-compute plus one line: make nova.virt.testbed_fake importable
import sys
import nova.virt
nova.virt.__path__.append('$TB/lib')
from nova.cmd.compute import main
sys.exit(main())
EOF
  chmod +x "$TB/lib/nova-compute"
  # Zed's get_ports() reads the SQLAlchemy backref Port.port_forwardings,
  # which exists only once the mappers are configured (a first query on
  # anything else does that): right after a start, GET /v2.0/ports (what
  # Nova calls on boot, live migration, delete) fails with HTTP 500
  # "AttributeError: type object 'Port' has no attribute 'port_forwardings'".
  # So: /usr/bin/neutron-server plus "import every model, configure mappers".
  cat >"$TB/lib/neutron-server" <<EOF
#!/usr/bin/python3
# /usr/bin/neutron-server plus: import every DB model and configure the
# SQLAlchemy mappers before serving (see setup.sh)
import sys
from neutron.cmd.eventlet.server import main  # eventlet monkey-patching first
from neutron.db.migration.models import head  # noqa: F401 (all models)
from sqlalchemy import orm
orm.configure_mappers()
sys.exit(main())
EOF
  chmod +x "$TB/lib/neutron-server"
  local res_cpu=$(( base_cpu > HOST_VCPUS ? base_cpu - HOST_VCPUS : 0 ))
  local res_ram=$(( base_ram > HOST_RAM_MB ? base_ram - HOST_RAM_MB : 0 ))
  local res_disk=$(( base_disk > HOST_DISK_GB ? (base_disk - HOST_DISK_GB) * 1024 : 0 ))
  cat >"$TB/etc/nova/nova-db.conf" <<EOF
[api_database]
connection = mysql+pymysql://nova:$PW@$IP/nova_api
[database]
connection = mysql+pymysql://nova:$PW@$IP/nova
EOF
  cat >"$TB/etc/nova/nova.conf" <<EOF
[DEFAULT]
my_ip = $IP
# control-plane services (conductor, scheduler) report as "controller"; computes override host
host = controller
state_path = $TB/nova
transport_url = rabbit://guest:guest@$IP:$PORT_AMQP/
compute_driver = $FAKE_DRIVER
enabled_apis = osapi_compute
use_stderr = true
log_file =
# fake hosts report every 10 s; a host is "down" after 60 s without report
report_interval = 10
service_down_time = 60
# capacity per fake host: $HOST_VCPUS vCPU (x cpu_allocation_ratio), $HOST_RAM_MB MiB, $HOST_DISK_GB GiB
reserved_host_cpus = $res_cpu
reserved_host_memory_mb = $res_ram
reserved_host_disk_mb = $res_disk
cpu_allocation_ratio = 4.0
ram_allocation_ratio = 1.0
disk_allocation_ratio = 1.0
# with testbed_fake.*: re-create fake guests when a nova-compute restarts
resume_guests_state_on_host_boot = true
# silence Zed's per-request "Using RPCClient manually" warning spam
default_log_levels = amqp=WARN,amqplib=WARN,boto=WARN,qpid=WARN,sqlalchemy=WARN,suds=INFO,oslo.messaging=INFO,oslo_messaging=INFO,iso8601=WARN,requests.packages.urllib3.connectionpool=WARN,urllib3.connectionpool=WARN,websocket=WARN,requests.packages.urllib3.util.retry=WARN,urllib3.util.retry=WARN,keystonemiddleware=WARN,routes.middleware=WARN,stevedore=WARN,taskflow=WARN,keystoneauth=WARN,oslo.cache=INFO,oslo_policy=INFO,dogpile.core.dogpile=INFO,glanceclient=WARN,oslo.privsep.daemon=INFO,oslo_messaging.rpc.client=ERROR
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $TB/etc/nova/api-paste.ini
[keystone_authtoken]
www_authenticate_uri = http://$IP:$PORT_KEYSTONE
$AUTH
username = nova
password = $PW
[service_user]
send_service_user_token = false
[placement]
$AUTH
username = placement
password = $PW
[glance]
$AUTH
username = glance
password = $PW
[neutron]
$AUTH
username = neutron
password = $PW
[cinder]
os_region_name = $REGION
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 10
[filter_scheduler]
# Read each host's instances from the database, not from the cache the computes push: that
# cache lags for minutes after a nova-compute restart, and anti-affinity then refuses hosts
# that are empty (Escalator retries such refusals; the test suite need not wait for them).
track_instance_changes = false
[oslo_concurrency]
lock_path = $TB/nova/lock
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[spice]
enabled = false
EOF
  local i
  for i in $(seq 1 "$N_COMPUTE"); do
    mkdir -p "$TB/nova/compute-$i/instances" "$TB/nova/compute-$i/lock"
    cat >"$TB/etc/nova/compute-$i.conf" <<EOF
[DEFAULT]
host = compute-$i
instances_path = $TB/nova/compute-$i/instances
[oslo_concurrency]
lock_path = $TB/nova/compute-$i/lock
EOF
  done
  uwsgi_ini $PORT_NOVA /usr/bin/nova-api-wsgi 2 1 "OS_NOVA_CONFIG_DIR=$TB/etc/nova" \
    "OS_NOVA_CONFIG_FILES=api-paste.ini;nova.conf;nova-db.conf" >"$TB/etc/nova/uwsgi.ini"

  # ---- client credentials
  cat >"$TB/admin-openrc" <<EOF
export OS_AUTH_URL=http://$IP:$PORT_KEYSTONE/v3
export OS_IDENTITY_API_VERSION=3
export OS_PROJECT_NAME=admin OS_PROJECT_DOMAIN_NAME=Default
export OS_USERNAME=admin OS_USER_DOMAIN_NAME=Default
export OS_PASSWORD=$PW
export OS_REGION_NAME=$REGION
export OS_COMPUTE_API_VERSION=2.88
export OS_PLACEMENT_API_VERSION=1.39
EOF
  sed -e 's/OS_PROJECT_NAME=admin/OS_PROJECT_NAME=demo/' -e 's/OS_USERNAME=admin/OS_USERNAME=demo/' \
      "$TB/admin-openrc" >"$TB/demo-openrc"
  chmod 600 "$TB/admin-openrc" "$TB/demo-openrc"
  log "configs written to $TB/etc"
}

# ---------------------------------------------------------------- ssh (host actions)
# A dedicated sshd (its own config, host key, authorized_keys, PID file) on
# 127.0.0.1:$PORT_SSH, key auth only, root only; plus the client key pair.
setup_ssh() {
  local S=$TB/ssh
  mkdir -p "$S"; chmod 700 "$S"
  [ -f "$S/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "escalator-testbed-host" -f "$S/ssh_host_ed25519_key"
  [ -f "$S/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "escalator-testbed-client" -f "$S/id_ed25519"
  printf 'from="127.0.0.1",no-agent-forwarding,no-port-forwarding,no-X11-forwarding %s\n' \
    "$(cat "$S/id_ed25519.pub")" >"$S/authorized_keys"
  chmod 600 "$S/authorized_keys" "$S/id_ed25519" "$S/ssh_host_ed25519_key"
  printf '[%s]:%s %s\n' "$IP" "$PORT_SSH" "$(cut -d' ' -f1,2 "$S/ssh_host_ed25519_key.pub")" >"$S/known_hosts"
  cat >"$S/sshd_config" <<EOF
# Escalator testbed sshd: loopback only, public-key auth only, root only.
Port $PORT_SSH
ListenAddress $IP
AddressFamily inet
HostKey $S/ssh_host_ed25519_key
PidFile $TB/run/sshd.pid.internal
AuthorizedKeysFile $S/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitEmptyPasswords no
UsePAM no
StrictModes yes
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
PermitTunnel no
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
UseDNS no
# the driver may run actions on several hosts in parallel
MaxStartups 64:30:128
MaxSessions 32
LogLevel INFO
EOF
  mkdir -p /run/sshd; chmod 755 /run/sshd   # sshd's privilege-separation directory
  /usr/sbin/sshd -t -f "$S/sshd_config" || die "sshd config test failed"
  # host.sh entry point with TESTBED_DIR baked in (ssh does not pass the environment)
  cat >"$TB/bin/host.sh" <<EOF
#!/bin/bash
export TESTBED_DIR='$TB'
exec '$HERE/host.sh' "\$@"
EOF
  chmod 755 "$TB/bin/host.sh"
  start sshd $PORT_SSH /usr/sbin/sshd -D -e -f "$S/sshd_config"
  wait_for "sshd" 20 port_busy $PORT_SSH
  local out
  out=$(ssh -i "$S/id_ed25519" -p "$PORT_SSH" -o BatchMode=yes -o UserKnownHostsFile="$S/known_hosts" \
        -o StrictHostKeyChecking=yes -o ConnectTimeout=5 root@$IP echo ok 2>&1) \
    || die "ssh to the testbed sshd failed: $out"
  log "sshd ready on $IP:$PORT_SSH (key $S/id_ed25519)"
}

# ---------------------------------------------------------------- mariadb
start_mariadb() {
  mkdir -p "$TB/mysql"
  chown mysql:mysql "$TB/mysql"; chmod 750 "$TB/mysql"
  chown mysql:mysql "$TB/run"
  if [ ! -d "$TB/mysql/mysql" ]; then
    log "initialising MariaDB datadir"
    mariadb-install-db --no-defaults --user=mysql --datadir="$TB/mysql" \
      --auth-root-authentication-method=socket --skip-test-db >"$TB/logs/mariadb-install.log" 2>&1 \
      || die "mariadb-install-db failed, see $TB/logs/mariadb-install.log"
  fi
  start mariadb $PORT_MYSQL /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$TB/mysql" \
    --socket="$TB/run/mysqld.sock" --pid-file="$TB/run/mysqld.pid.internal" \
    --bind-address=$IP --port=$PORT_MYSQL --skip-name-resolve --log-error="$TB/logs/mariadb.err" \
    --innodb-buffer-pool-size=128M --max-connections=1000 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci
  wait_for "mariadb" 60 mysql_root -e 'select 1'
  local sql="" db u pair
  for db in keystone glance placement nova_api nova nova_cell0 neutron; do
    sql="$sql CREATE DATABASE IF NOT EXISTS $db;"
  done
  for u in keystone glance placement nova neutron; do
    sql="$sql CREATE USER IF NOT EXISTS '$u'@'127.0.0.1' IDENTIFIED BY '$PW';
              CREATE USER IF NOT EXISTS '$u'@'localhost' IDENTIFIED BY '$PW';"
  done
  for pair in keystone:keystone glance:glance placement:placement nova:nova_api nova:nova nova:nova_cell0 neutron:neutron; do
    u=${pair%%:*} db=${pair#*:}
    sql="$sql GRANT ALL ON $db.* TO '$u'@'127.0.0.1'; GRANT ALL ON $db.* TO '$u'@'localhost';"
  done
  mysql_root -e "$sql FLUSH PRIVILEGES;"
  log "mariadb ready"
}

# ---------------------------------------------------------------- rabbitmq
# runs as the rabbitmq user with its own HOME (erlang cookie), mnesia dir,
# logs and config; node rabbit@localhost; everything on 127.0.0.1
AS_RABBIT="setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups"
rmqctl() { $AS_RABBIT bash -c ". '$TB/rabbitmq/env.sh' && exec /usr/lib/rabbitmq/bin/rabbitmqctl \"\$@\"" rmqctl "$@"; }
start_rabbitmq() {
  mkdir -p "$TB/rabbitmq/mnesia" "$TB/logs/rabbitmq"
  cat >"$TB/rabbitmq/env.sh" <<EOF
export HOME='$TB/rabbitmq'
export RABBITMQ_NODENAME=rabbit@localhost
export RABBITMQ_NODE_IP_ADDRESS=$IP RABBITMQ_NODE_PORT=$PORT_AMQP RABBITMQ_DIST_PORT=$PORT_AMQP_DIST
export ERL_EPMD_ADDRESS=$IP ERL_EPMD_PORT=$PORT_EPMD
export RABBITMQ_MNESIA_BASE='$TB/rabbitmq/mnesia' RABBITMQ_LOG_BASE='$TB/logs/rabbitmq'
export RABBITMQ_ENABLED_PLUGINS_FILE='$TB/rabbitmq/enabled_plugins'
export RABBITMQ_CONFIG_FILE='$TB/rabbitmq/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$TB/rabbitmq/advanced.config'
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
EOF
  echo '[].' >"$TB/rabbitmq/enabled_plugins"
  cat >"$TB/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $IP:$PORT_AMQP
loopback_users.guest = true
vm_memory_high_watermark.relative = 0.2
disk_free_limit.absolute = 200MB
EOF
  echo '[].' >"$TB/rabbitmq/advanced.config"
  chown -R rabbitmq:rabbitmq "$TB/rabbitmq" "$TB/logs/rabbitmq"
  # epmd in the foreground with its own PID file, so it is not left behind as a daemon
  start epmd $PORT_EPMD $AS_RABBIT /usr/bin/epmd -address $IP -port $PORT_EPMD
  start rabbitmq $PORT_AMQP $AS_RABBIT bash -c ". '$TB/rabbitmq/env.sh' && cd \"\$HOME\" && exec /usr/lib/rabbitmq/bin/rabbitmq-server"
  wait_for "rabbitmq" 120 rmqctl await_startup --timeout 5
  log "rabbitmq ready"
}

# ---------------------------------------------------------------- keystone
keystone_init() {
  local K="keystone-manage --config-file $TB/etc/keystone/keystone.conf"
  chmod 700 "$TB/keystone/fernet-keys" "$TB/keystone/credential-keys"
  ONCE_PKG=keystone once keystone-db-sync $K db_sync >>"$TB/logs/keystone-manage.log" 2>&1 \
    || die "keystone db_sync failed, see $TB/logs/keystone-manage.log"
  [ -f "$TB/keystone/fernet-keys/0" ] || $K fernet_setup --keystone-user root --keystone-group root >>"$TB/logs/keystone-manage.log" 2>&1
  [ -f "$TB/keystone/credential-keys/0" ] || $K credential_setup --keystone-user root --keystone-group root >>"$TB/logs/keystone-manage.log" 2>&1
  ONCE_PKG=keystone once keystone-bootstrap $K bootstrap --bootstrap-password "$PW" --bootstrap-username admin \
     --bootstrap-project-name admin --bootstrap-role-name admin \
     --bootstrap-service-name keystone --bootstrap-region-id $REGION \
     --bootstrap-admin-url http://$IP:$PORT_KEYSTONE/v3 --bootstrap-internal-url http://$IP:$PORT_KEYSTONE/v3 \
     --bootstrap-public-url http://$IP:$PORT_KEYSTONE/v3 >>"$TB/logs/keystone-manage.log" 2>&1 \
    || die "keystone-manage bootstrap failed, see $TB/logs/keystone-manage.log"
  start keystone $PORT_KEYSTONE uwsgi_python3 --ini "$TB/etc/keystone/uwsgi.ini"
}

# ---------------------------------------------------------------- placement / glance / neutron
placement_init() {
  ONCE_PKG=placement-api once placement-db-sync env OS_PLACEMENT_CONFIG_DIR="$TB/etc/placement" \
    placement-manage --config-dir "$TB/etc/placement" db sync >>"$TB/logs/placement-manage.log" 2>&1 \
    || die "placement db sync failed, see $TB/logs/placement-manage.log"
  start placement $PORT_PLACEMENT uwsgi_python3 --ini "$TB/etc/placement/uwsgi.ini"
}
glance_init() {
  ONCE_PKG=glance-api once glance-db-sync glance-manage --config-file "$TB/etc/glance/glance-api.conf" db_sync \
    >>"$TB/logs/glance-manage.log" 2>&1 || die "glance db_sync failed, see $TB/logs/glance-manage.log"
  start glance-api $PORT_GLANCE glance-api --config-file "$TB/etc/glance/glance-api.conf"
}
neutron_init() {
  if [ "$NEUTRON" = real ]; then
    alive neutron-stub && stop_group neutron-stub
    local NCF="--config-file $TB/etc/neutron/neutron.conf --config-file $TB/etc/neutron/ml2_conf.ini"
    # shellcheck disable=SC2086
    ONCE_PKG=python3-neutron once neutron-db-sync neutron-db-manage $NCF upgrade heads \
      >>"$TB/logs/neutron-db-manage.log" 2>&1 || die "neutron-db-manage failed, see $TB/logs/neutron-db-manage.log"
    # shellcheck disable=SC2086
    start neutron-server $PORT_NEUTRON "$TB/lib/neutron-server" $NCF
  else
    alive neutron-server && stop_group neutron-server
    start neutron-stub $PORT_NEUTRON $PY "$HERE/neutron_stub.py" $IP $PORT_NEUTRON
  fi
}

# ---------------------------------------------------------------- nova
nova_init() {
  local NC="--config-file $TB/etc/nova/nova.conf"
  local NDB="$NC --config-file $TB/etc/nova/nova-db.conf"
  local M="nova-manage $NDB" i
  local COMPUTE_BIN=/usr/bin/nova-compute
  case $FAKE_DRIVER in testbed_fake.*) COMPUTE_BIN="$TB/lib/nova-compute" ;; esac
  nova_db() {
    $M api_db sync &&
    $M cell_v2 map_cell0 --database_connection "mysql+pymysql://nova:$PW@$IP/nova_cell0" &&
    { $M cell_v2 list_cells 2>/dev/null | grep -q ' cell1 ' || $M cell_v2 create_cell --name cell1; } &&
    $M db sync
  }
  once nova-db-sync nova_db >>"$TB/logs/nova-manage.log" 2>&1 || die "nova db sync failed, see $TB/logs/nova-manage.log"
  log "nova databases synced"
  start nova-api $PORT_NOVA uwsgi_python3 --ini "$TB/etc/nova/uwsgi.ini"
  start nova-conductor - nova-conductor $NDB
  start nova-scheduler - nova-scheduler $NDB
  for i in $(seq 1 "$N_COMPUTE"); do
    alive "nova-compute-$i" || NEW_COMPUTES=1
    start "nova-compute-$i" - $COMPUTE_BIN $NC --config-file "$TB/etc/nova/compute-$i.conf"
  done
}
NEW_COMPUTES=0

# ---------------------------------------------------------------- host agents' state
# Per-host version markers for host.sh (what an upgrade would change on a
# real compute node).  Same versions as the product's simulator catalogue
# (src/drivers/sim/generate-catalog.ts, INSTALLED) so campaigns apply to both.
init_hosts() {
  local i d
  for i in $(seq 1 "$N_COMPUTE"); do
    d="$TB/hosts/compute-$i"; mkdir -p "$d"
    if [ ! -f "$d/versions.json" ]; then
      cat >"$d/versions.json" <<'EOF'
{
  "kernel": "6.1.76-1",
  "qemu": "1:7.2+dfsg-7+deb12u5",
  "libvirt": "9.0.0-4",
  "openvswitch": "3.1.0-2",
  "neutron-openvswitch-agent": "2:21.2.0-1",
  "nova-compute": "2:26.2.2-1~deb12u5"
}
EOF
      echo '[]' >"$d/pending.json"
      echo '[]' >"$d/alarms.json"
      echo "6.1.76-1" >"$d/running-kernel"
    fi
    echo up >"$d/state"
  done
}

# ---------------------------------------------------------------- main
install_packages
write_configs
setup_ssh
start_mariadb
start_rabbitmq
keystone_init
wait_for "keystone" 90 http_up http://$IP:$PORT_KEYSTONE/v3
log "keystone ready"
$PY "$HERE/bootstrap.py" identity
placement_init
glance_init
neutron_init
nova_init
wait_for "placement" 90 http_up http://$IP:$PORT_PLACEMENT/
wait_for "glance" 90 http_up http://$IP:$PORT_GLANCE/
wait_for "neutron" 180 http_up http://$IP:$PORT_NEUTRON/
wait_for "nova-api" 120 http_up http://$IP:$PORT_NOVA/
log "placement, glance, neutron ($NEUTRON), nova-api answer"
$PY "$HERE/bootstrap.py" compute "$N_COMPUTE"
# map new compute hosts to cell1 now instead of waiting for the scheduler's
# periodic discovery (10 s)
if [ $NEW_COMPUTES = 1 ]; then
  nova-manage --config-file "$TB/etc/nova/nova.conf" --config-file "$TB/etc/nova/nova-db.conf" \
    cell_v2 discover_hosts >>"$TB/logs/nova-manage.log" 2>&1
fi
init_hosts
[ "$DEMO" = 1 ] && $PY "$HERE/bootstrap.py" demo "$N_COMPUTE"
HERE=$HERE NEUTRON=$NEUTRON N_COMPUTE=$N_COMPUTE $PY "$HERE/bootstrap.py" testbed-json
log "done in $(( $(date +%s) - T0 )) s.  $TB/testbed.json; source $TB/admin-openrc (or OS_CLIENT_CONFIG_FILE=$TB/clouds.yaml)"
