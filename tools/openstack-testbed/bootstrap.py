#!/usr/bin/python3
"""Idempotent resource bootstrap of the Escalator OpenStack testbed, through
the real REST APIs (Debian's keystoneauth1 only; run with /usr/bin/python3).

  bootstrap.py identity       projects, users, roles, services, endpoints and
                              the admin user's application credential
                              ($TESTBED_DIR/app-cred.json)
  bootstrap.py compute N      wait for N fake compute hosts (services up,
                              hypervisors listed, placement providers)
  bootstrap.py demo N         aggregate agg-az1 (AZ az1, all computes), demo
                              quotas, image, flavors, anti-affinity server
                              groups vnf-a and vnf-b (3 members each, one
                              multi-create request per group) and plain-1,
                              plain-2; all servers networks='none', ACTIVE
  bootstrap.py testbed-json   write $TESTBED_DIR/testbed.json and clouds.yaml

Environment: TESTBED_DIR, PASSWORD (default secret), HERE (scripts dir).
"""
import json
import os
import sys
import time

from keystoneauth1 import adapter, session
from keystoneauth1.identity import v3

IP = "127.0.0.1"
TB = os.environ.get("TESTBED_DIR", "/var/lib/escalator-os-testbed")
PW = os.environ.get("PASSWORD", "secret")
REGION = "RegionOne"
AUTH_URL = "http://%s:5000/v3" % IP
CMV = "2.88"   # what the driver pins (this Zed nova 26.2.2 supports up to 2.93)
PMV = "1.39"   # Zed placement's maximum
APP_CRED_NAME = "escalator-testbed"
GROUPS = (("vnf-a", 3), ("vnf-b", 3))
PLAIN = ("plain-1", "plain-2")
AZ = "az1"
AGGREGATE = "agg-az1"
DEMO_QUOTA = {"instances": 20, "cores": 40, "ram": 40960,
              "server_groups": 10, "server_group_members": 10}


def log(msg):
    print("[bootstrap] %s" % msg, flush=True)


def sess(user="admin", project="admin"):
    return session.Session(auth=v3.Password(
        auth_url=AUTH_URL, username=user, password=PW, project_name=project,
        user_domain_name="Default", project_domain_name="Default"))


def api(s, service_type, **kw):
    return adapter.Adapter(session=s, service_type=service_type,
                           interface="public", region_name=REGION,
                           raise_exc=True, **kw)


def write_private(path, text):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


# ------------------------------------------------------------------ identity
def identity():
    s = sess()
    ks = adapter.Adapter(session=s, endpoint_override=AUTH_URL,
                         raise_exc=True)
    dom = "default"

    def listing(coll, **params):
        return ks.get("/" + coll, params=params).json()[coll]

    def ensure(coll, existing, name, body):
        for item in existing:
            if item["name"] == name:
                return item
        log("create %s %s" % (coll[:-1], name))
        return ks.post("/" + coll, json={coll[:-1]: body}).json()[coll[:-1]]

    roles_all = listing("roles")
    roles = {r: ensure("roles", roles_all, r, {"name": r})
             for r in ("admin", "member", "reader", "service")}
    projects_all = listing("projects", domain_id=dom)
    projects = {p: ensure("projects", projects_all, p,
                          {"name": p, "domain_id": dom,
                           "description": "escalator testbed"})
                for p in ("admin", "service", "demo")}
    users_all = listing("users", domain_id=dom)
    assignments = {(a["scope"]["project"]["id"], a["user"]["id"],
                    a["role"]["id"])
                   for a in ks.get("/role_assignments").json()[
                       "role_assignments"]
                   if "project" in a.get("scope", {}) and "user" in a}

    def user(name, project, *role_names):
        u = ensure("users", users_all, name, {
            "name": name, "password": PW, "domain_id": dom,
            "default_project_id": projects[project]["id"]})
        users_all.append(u)
        for r in role_names:
            key = (projects[project]["id"], u["id"], roles[r]["id"])
            if key not in assignments:
                ks.put("/projects/%s/users/%s/roles/%s" % key)
                log("grant %s on project %s to %s" % (r, project, name))
        return u

    for svc_user in ("nova", "placement", "glance", "neutron"):
        user(svc_user, "service", "admin", "service")
    user("demo", "demo", "member", "reader")

    catalog = [("nova", "compute", "http://%s:8774/v2.1" % IP),
               ("placement", "placement", "http://%s:8778" % IP),
               ("glance", "image", "http://%s:9292" % IP),
               ("neutron", "network", "http://%s:9696" % IP)]
    services = listing("services")
    endpoints = listing("endpoints")
    for name, stype, url in catalog:
        svc = next((x for x in services if x["type"] == stype), None)
        if not svc:
            svc = ks.post("/services", json={"service": {
                "name": name, "type": stype, "enabled": True}}
            ).json()["service"]
            log("create service %s (%s)" % (name, stype))
        for iface in ("public", "internal", "admin"):
            if not any(e["service_id"] == svc["id"] and
                       e["interface"] == iface for e in endpoints):
                ks.post("/endpoints", json={"endpoint": {
                    "service_id": svc["id"], "interface": iface,
                    "url": url, "region_id": REGION}})
                log("endpoint %s %s %s" % (stype, iface, url))
    app_credential(ks, s.get_user_id())
    log("identity ready")


def app_credential(ks, admin_id):
    """Application credential of the admin user (project admin, role admin);
    its secret is only shown at creation, so it is kept in app-cred.json."""
    path = os.path.join(TB, "app-cred.json")
    if os.path.exists(path):
        with open(path) as f:
            cred = json.load(f)
        r = session.Session().post(AUTH_URL + "/auth/tokens", json={
            "auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {
                                      "id": cred["id"],
                                      "secret": cred["secret"]}}}},
            raise_exc=False)
        if r.status_code == 201:
            return
        log("stored application credential does not authenticate (%s); "
            "re-creating" % r.status_code)
    base = "/users/%s/application_credentials" % admin_id
    for c in ks.get(base, params={"name": APP_CRED_NAME}).json()[
            "application_credentials"]:
        ks.delete("%s/%s" % (base, c["id"]))
    c = ks.post(base, json={"application_credential": {
        "name": APP_CRED_NAME,
        "description": "Escalator testbed: application-credential auth "
                       "tests (admin role on project admin)"}}
    ).json()["application_credential"]
    cred = {"auth_url": AUTH_URL, "region": REGION, "id": c["id"],
            "secret": c["secret"], "name": c["name"], "user_id": admin_id,
            "project_id": c["project_id"],
            "roles": [r["name"] for r in c["roles"]]}
    write_private(path, json.dumps(cred, indent=2) + "\n")
    log("application credential %s -> %s" % (c["id"], path))


# ------------------------------------------------------------------ compute
def wait_compute(n, timeout=300):
    s = sess()
    nova = api(s, "compute", default_microversion=CMV)
    placement = api(s, "placement", default_microversion=PMV)
    want = {"compute-%d" % i for i in range(1, n + 1)}
    deadline = time.time() + timeout
    while True:
        svcs = nova.get("/os-services",
                        params={"binary": "nova-compute"}).json()["services"]
        up = {x["host"] for x in svcs if x["state"] == "up"}
        hyps = {h["hypervisor_hostname"] for h in
                nova.get("/os-hypervisors").json()["hypervisors"]}
        rps = {r["name"] for r in placement.get("/resource_providers").json()[
            "resource_providers"]}
        if want <= up and want <= hyps and want <= rps:
            log("compute ready: %d services up, %d hypervisors, %d resource "
                "providers" % (len(up), len(hyps), len(rps)))
            return
        if time.time() > deadline:
            sys.exit("compute hosts not ready after %ds: missing services "
                     "%s, hypervisors %s, providers %s" % (
                         timeout, sorted(want - up), sorted(want - hyps),
                         sorted(want - rps)))
        time.sleep(2)


# ------------------------------------------------------------------ demo
def demo(n):
    admin = sess()
    demo_s = sess("demo", "demo")
    glance = api(admin, "image")
    nova_admin = api(admin, "compute", default_microversion=CMV)
    nova = api(demo_s, "compute", default_microversion=CMV)
    hosts = ["compute-%d" % i for i in range(1, n + 1)]
    demo_project = demo_s.get_project_id()

    # aggregate with an availability zone, all computes (before any server
    # boots: Nova refuses to move hosts that have instances to another AZ)
    aggs = nova_admin.get("/os-aggregates").json()["aggregates"]
    agg = next((a for a in aggs if a["name"] == AGGREGATE), None)
    if not agg:
        agg = nova_admin.post("/os-aggregates", json={"aggregate": {
            "name": AGGREGATE, "availability_zone": AZ}}).json()["aggregate"]
        log("aggregate %s (availability zone %s)" % (AGGREGATE, AZ))
    for h in hosts:
        if h not in (agg.get("hosts") or []):
            agg = nova_admin.post("/os-aggregates/%s/action" % agg["id"],
                                  json={"add_host": {"host": h}}
                                  ).json()["aggregate"]
            log("aggregate %s: add %s" % (AGGREGATE, h))
    md = agg.get("metadata") or {}
    if md.get("escalator-testbed") != "true":
        nova_admin.post("/os-aggregates/%s/action" % agg["id"], json={
            "set_metadata": {"metadata": {"escalator-testbed": "true"}}})

    # quotas of project demo (room for the 8 servers plus test servers)
    nova_admin.put("/os-quota-sets/%s" % demo_project,
                   json={"quota_set": DEMO_QUOTA})

    # image: 1 KiB raw file in the file store; public
    imgs = glance.get("/v2/images", params={"name": "fake-image"}).json()
    imgs = [i for i in imgs["images"] if i["status"] == "active"]
    if imgs:
        image_id = imgs[0]["id"]
    else:
        img = glance.post("/v2/images", json={
            "name": "fake-image", "disk_format": "raw",
            "container_format": "bare", "visibility": "public",
            "min_disk": 0, "min_ram": 0}).json()
        glance.put("/v2/images/%s/file" % img["id"], data=b"\0" * 1024,
                   headers={"Content-Type": "application/octet-stream"})
        image_id = img["id"]
        log("image fake-image %s" % image_id)

    flavors = {f["name"]: f["id"] for f in
               nova_admin.get("/flavors",
                              params={"is_public": "None"}).json()["flavors"]}
    for name, vcpus, ram, disk in (("m1.tiny", 1, 512, 1),
                                   ("m1.small", 1, 2048, 10)):
        if name not in flavors:
            f = nova_admin.post("/flavors", json={"flavor": {
                "name": name, "vcpus": vcpus, "ram": ram, "disk": disk}}
            ).json()["flavor"]
            flavors[name] = f["id"]
            log("flavor %s" % name)

    def servers():
        return nova.get("/servers/detail").json()["servers"]

    # servers left in ERROR by an earlier, interrupted run are replaced
    ours = ([g + "-%d" % i for g, k in GROUPS for i in range(1, k + 1)] +
            list(PLAIN))
    broken = [x for x in servers() if x["name"] in ours and
              x["status"] == "ERROR"]
    for x in broken:
        log("delete %s (%s, ERROR)" % (x["name"], x["id"]))
        nova.delete("/servers/%s" % x["id"])
    wait_servers(nova, lambda: [x for x in servers()
                                if x["id"] in {b["id"] for b in broken}] == [],
                 "deleted")

    groups = nova.get("/os-server-groups").json()["server_groups"]
    for gname, size in GROUPS:
        group = next((g for g in groups if g["name"] == gname), None)
        if not group:
            group = nova.post("/os-server-groups", json={"server_group": {
                "name": gname, "policy": "anti-affinity"}}
            ).json()["server_group"]
            log("server group %s %s (anti-affinity)" % (gname, group["id"]))
        existing = {x["name"] for x in servers()}
        missing = [i for i in range(1, size + 1)
                   if "%s-%d" % (gname, i) not in existing]
        hints = {"group": group["id"]}
        if len(missing) == size:
            # ONE multi-create request: separate parallel requests race in
            # the scheduler and get rescheduled by the compute's late check
            nova.post("/servers", json={
                "server": {"name": gname, "imageRef": image_id,
                           "flavorRef": flavors["m1.tiny"],
                           "networks": "none",
                           "min_count": size, "max_count": size},
                "os:scheduler_hints": hints})
            log("boot %s-1..%s-%d (anti-affinity group %s)" % (
                gname, gname, size, gname))
        else:
            for i in missing:   # one at a time
                name = "%s-%d" % (gname, i)
                sid = nova.post("/servers", json={
                    "server": {"name": name, "imageRef": image_id,
                               "flavorRef": flavors["m1.tiny"],
                               "networks": "none"},
                    "os:scheduler_hints": hints}).json()["server"]["id"]
                log("boot %s (group %s)" % (name, gname))
                wait_servers(nova, lambda: nova.get("/servers/%s" % sid)
                             .json()["server"]["status"] != "BUILD", "built")
    existing = {x["name"] for x in servers()}
    for name in PLAIN:
        if name not in existing:
            nova.post("/servers", json={"server": {
                "name": name, "imageRef": image_id,
                "flavorRef": flavors["m1.tiny"], "networks": "none"}})
            log("boot %s" % name)

    def settled():
        return all(x["status"] in ("ACTIVE", "ERROR") and
                   x["OS-EXT-STS:task_state"] is None
                   for x in servers() if x["name"] in ours)
    wait_servers(nova, settled, "ACTIVE")
    states = {x["name"]: (x["status"], x["OS-EXT-SRV-ATTR:host"]
                          if "OS-EXT-SRV-ATTR:host" in x else None)
              for x in nova_admin.get("/servers/detail", params={
                  "all_tenants": 1, "project_id": demo_project}
              ).json()["servers"]}
    for name in sorted(states):
        log("server %-9s %-6s on %s" % (name, *states[name]))
    bad = [k for k in ours if states.get(k, ("MISSING",))[0] != "ACTIVE"]
    if bad:
        sys.exit("servers not ACTIVE: %s" % bad)
    for gname, _ in GROUPS:
        hs = [states[gname + "-%d" % i][1] for i in range(1, 4)]
        if len(set(hs)) != len(hs):
            sys.exit("anti-affinity violated in %s: %s" % (gname, hs))


def wait_servers(nova, cond, what, timeout=180):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            sys.exit("servers not %s after %ds" % (what, timeout))
        time.sleep(1)


# ------------------------------------------------------------------ testbed.json
def testbed_json():
    here = os.environ.get("HERE") or os.path.dirname(os.path.abspath(
        __file__))
    n = int(os.environ.get("N_COMPUTE", "4"))
    ssh_port = int(os.environ.get("SSH_PORT", "2222"))
    admin = sess()
    admin.get_token()
    demo_s = sess("demo", "demo")
    with open(os.path.join(TB, "app-cred.json")) as f:
        cred = json.load(f)

    def user(name, project, s):
        return {"username": name, "password": PW, "userDomain": "Default",
                "project": project, "projectDomain": "Default",
                "projectId": s.get_project_id(), "userId": s.get_user_id()}

    info = {
        "description": "Escalator OpenStack testbed (OpenStack Zed from "
                       "Debian 12 packages, fake compute hosts); see "
                       "tools/openstack-testbed/README.md",
        "testbedDir": TB,
        "keystone": {"authUrl": AUTH_URL, "region": REGION,
                     "identityApiVersion": 3},
        "endpoints": {
            "identity": AUTH_URL,
            "compute": "http://%s:8774/v2.1" % IP,
            "placement": "http://%s:8778" % IP,
            "image": "http://%s:9292" % IP,
            "network": "http://%s:9696" % IP,
        },
        "microversions": {"compute": CMV, "placement": PMV,
                          "headers": {
                              "compute": "OpenStack-API-Version: compute "
                                         + CMV,
                              "placement": "OpenStack-API-Version: "
                                           "placement " + PMV}},
        "neutron": os.environ.get("NEUTRON", "real"),
        "admin": user("admin", "admin", admin),
        "demo": user("demo", "demo", demo_s),
        "appCredential": {"id": cred["id"], "secret": cred["secret"],
                          "name": cred["name"], "userId": cred["user_id"],
                          "projectId": cred["project_id"],
                          "file": os.path.join(TB, "app-cred.json")},
        "computeHosts": ["compute-%d" % i for i in range(1, n + 1)],
        "aggregate": {"name": AGGREGATE, "availabilityZone": AZ},
        "serverGroups": [{"name": g, "policy": "anti-affinity",
                          "members": k, "project": "demo"}
                         for g, k in GROUPS],
        "plainServers": list(PLAIN),
        "image": "fake-image",
        "flavors": ["m1.tiny", "m1.small"],
        "ssh": {
            "host": IP, "port": ssh_port, "user": "root",
            "privateKey": os.path.join(TB, "ssh", "id_ed25519"),
            "publicKey": os.path.join(TB, "ssh", "id_ed25519.pub"),
            "knownHosts": os.path.join(TB, "ssh", "known_hosts"),
            "hostKeyPublic": os.path.join(TB, "ssh",
                                          "ssh_host_ed25519_key.pub"),
            "hostScript": os.path.join(TB, "bin", "host.sh"),
            "example": "ssh -i %s -p %d -o UserKnownHostsFile=%s "
                       "root@%s %s compute-2 restart nova-compute" % (
                           os.path.join(TB, "ssh", "id_ed25519"), ssh_port,
                           os.path.join(TB, "ssh", "known_hosts"), IP,
                           os.path.join(TB, "bin", "host.sh")),
        },
        "hostState": os.path.join(TB, "hosts"),
        "scripts": {k: os.path.join(here, k) for k in (
            "setup.sh", "stop.sh", "svc.sh", "host.sh", "smoke.sh",
            "capture-samples.sh")},
        "files": {
            "cloudsYaml": os.path.join(TB, "clouds.yaml"),
            "adminOpenrc": os.path.join(TB, "admin-openrc"),
            "demoOpenrc": os.path.join(TB, "demo-openrc"),
            "logs": os.path.join(TB, "logs"),
        },
    }
    write_private(os.path.join(TB, "testbed.json"),
                  json.dumps(info, indent=2) + "\n")

    def cloud(name, auth, extra=""):
        return ("  %s:\n    auth_type: %s\n    auth:\n%s    region_name: %s\n"
                "    identity_api_version: 3\n%s" % (
                    name, auth[0], "".join("      %s: \"%s\"\n" % kv
                                           for kv in auth[1]), REGION, extra))
    pw = lambda u, p: ("password", [  # noqa: E731
        ("auth_url", AUTH_URL), ("username", u), ("password", PW),
        ("project_name", p), ("user_domain_name", "Default"),
        ("project_domain_name", "Default")])
    text = "clouds:\n" + cloud("testbed-admin", pw("admin", "admin")) + \
        cloud("testbed-demo", pw("demo", "demo")) + \
        cloud("testbed-appcred", ("v3applicationcredential", [
            ("auth_url", AUTH_URL),
            ("application_credential_id", cred["id"]),
            ("application_credential_secret", cred["secret"])]))
    write_private(os.path.join(TB, "clouds.yaml"), text)
    log("wrote %s/testbed.json and %s/clouds.yaml" % (TB, TB))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "identity":
        identity()
    elif cmd == "compute":
        wait_compute(int(sys.argv[2]))
    elif cmd == "demo":
        demo(int(sys.argv[2]))
    elif cmd == "testbed-json":
        testbed_json()
    else:
        sys.exit(__doc__)
