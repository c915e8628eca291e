"""Keystone authentication and Octavia's RBAC with a real Keystone (issue 5).

Uses the Keystone that /work/shared/tools/octavia-tempest sets up on this
host (`octavia-tempest up`): its env file gives the URL and passwords, and
its users cover every role (demo/demo2: member + load-balancer_member,
observer, gobserver, lbadmin, quotaadmin, admin).  Every test here is
skipped when that Keystone is not set up or does not answer, so the suite
stays green on a machine without it.

Each test starts its own octad with auth_strategy = keystone.  Nothing is
changed in Keystone except: one token is revoked, and the CLI test adds a
load-balancer service of its own in a region of its own (removed again),
which leaves the catalog entries tempest uses alone.
"""

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from octatest import SUBNET_ID, assert_fault, unique

STATE = Path(os.environ.get("OCTAVIA_TEMPEST_STATE",
                            "/var/lib/octavia-tempest"))
ENV_FILE = STATE / "octavia-tempest.env"
API = "os_load-balancer_api:"


def _read_env():
    try:
        text = ENV_FILE.read_text()
    except OSError:
        return None
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip()
    return env


def _keystone_answers(url):
    try:
        with urllib.request.urlopen(url + "/v3", timeout=3) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


ENV = _read_env()
KS_URL = (ENV or {}).get("OT_KEYSTONE_URL", "http://127.0.0.1:5000")
if ENV is None:
    pytestmark = pytest.mark.skip(
        reason="no Keystone here (%s missing: run octavia-tempest up)" %
        ENV_FILE)
elif not _keystone_answers(KS_URL):
    pytestmark = pytest.mark.skip(reason="Keystone at %s does not answer"
                                  % KS_URL)

USERS = {  # user -> its project (keystone_setup.py's)
    "admin": "admin", "demo": "demo", "demo2": "demo2",
    "observer": "observer", "gobserver": "gobserver",
    "lbadmin": "lbadmin", "quotaadmin": "quotaadmin",
}


# ------------------------------------------------------------ Keystone

def ks_request(method, path, body=None, headers=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json",
            "Accept": "application/json"}
    hdrs.update(headers or {})
    req = urllib.request.Request(KS_URL + "/v3" + path, data=data,
                                 method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, r.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, e.headers, json.loads(raw) if raw else None


def token(user):
    """A fresh project-scoped token: (token, project id)."""
    st, hdrs, body = ks_request("POST", "/auth/tokens?nocatalog", {
        "auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"},
            "password": ENV["OT_USER_PASSWORD"]}}},
            "scope": {"project": {"name": USERS[user],
                                  "domain": {"id": "default"}}}}})
    assert st == 201, (user, st, body)
    return hdrs["X-Subject-Token"], body["token"]["project"]["id"]


def keystone_config(auth_url=KS_URL, **extra):
    kc = {"www_authenticate_uri": KS_URL, "auth_url": auth_url,
          "username": ENV["OT_OCTAVIA_USER"] if ENV else "",
          "password": ENV["OT_OCTAVIA_PASSWORD"] if ENV else "",
          "project_name": ENV["OT_OCTAVIA_PROJECT"] if ENV else "",
          "user_domain_name": "Default", "project_domain_name": "Default"}
    kc.update({k: str(v) for k, v in extra.items()})
    return {"api_settings": {"auth_strategy": "keystone"},
            "keystone_authtoken": kc}


class Caller:
    """One Keystone user talking to one octad."""

    def __init__(self, octad, user):
        self.octad = octad
        self.user = user
        self.token, self.project = token(user)

    def __call__(self, method, subpath, body=None):
        return self.octad.lbaas(method, subpath, body,
                                headers={"X-Auth-Token": self.token})

    def http(self, method, path, body=None):
        return self.octad.http(method, path, body,
                               headers={"X-Auth-Token": self.token})


def ks_octad(octad_factory, name, **extra):
    """octad with keystone auth; extra: {section: {key: value}}."""
    cfg = keystone_config(**extra.pop("keystone_authtoken", {}))
    for sec, kv in extra.items():
        cfg.setdefault(sec, {}).update(kv)
    return octad_factory(name, extra_config=cfg)


def wait_lb_active(call, lb_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, body = call("GET", "/loadbalancers/%s" % lb_id)
        assert st == 200, (st, body)
        if body["loadbalancer"]["provisioning_status"] == "ACTIVE":
            return body["loadbalancer"]
        time.sleep(0.1)
    pytest.fail("LB %s not ACTIVE" % lb_id)


def create_lb(call, **fields):
    body = {"vip_subnet_id": SUBNET_ID, "name": unique("ks-lb")}
    body.update(fields)
    st, resp = call("POST", "/loadbalancers", {"loadbalancer": body})
    assert st == 201, (call.user, st, resp)
    return wait_lb_active(call, resp["loadbalancer"]["id"])


# --------------------------------------------------------------- tests

def test_token_required(octad_factory):
    o = ks_octad(octad_factory, "ks-auth")
    # no token, a bad token: 401 with Octavia's body and the header
    for hdrs in ({}, {"X-Auth-Token": "not-a-token"},
                 {"X-Auth-Token": "x" * 9000}):
        r = o.http("GET", "/v2/lbaas/loadbalancers", headers=hdrs)
        assert_fault(r, 401, "The request you have made requires "
                     "authentication.")
        assert r.headers["WWW-Authenticate"] == 'Keystone uri="%s"' % KS_URL
    # keystonemiddleware lets exactly / and /healthcheck through
    assert o.http("GET", "/")[0] == 200
    assert o.http("GET", "/healthcheck")[0] != 401
    assert o.http("GET", "/v2")[0] == 401
    demo = Caller(o, "demo")
    st, body = demo.http("GET", "/v2")
    assert st == 200, body
    st, body = demo("GET", "/loadbalancers")
    assert st == 200, body


def test_roles_against_resources(octad_factory):
    """Octavia's default RBAC: who may do what on demo's objects."""
    o = ks_octad(octad_factory, "ks-rbac")
    c = {u: Caller(o, u) for u in USERS}
    demo = c["demo"]
    lb = create_lb(demo)
    lb_path = "/loadbalancers/%s" % lb["id"]
    assert lb["project_id"] == demo.project
    try:
        # show: owner, global observer, admins; 403 for the others
        want = {"demo": 200, "demo2": 403, "observer": 403,
                "gobserver": 200, "lbadmin": 200, "admin": 200,
                "quotaadmin": 403}
        for u, st in want.items():
            r = c[u]("GET", lb_path)
            assert r[0] == st, (u, r)
            if st == 403:
                assert_fault(r, 403, "Policy does not allow this request "
                             "to be performed.")
        # children follow the LB's project
        st, body = demo("POST", "/listeners", {"listener": {
            "loadbalancer_id": lb["id"], "protocol": "HTTP",
            "protocol_port": 80}})
        assert st == 201, body
        listener = body["listener"]
        wait_lb_active(demo, lb["id"])
        for u, st in want.items():
            r = c[u]("GET", "/listeners/%s" % listener["id"])
            assert r[0] == st, (u, r)
        r = c["demo2"]("POST", "/pools", {"pool": {
            "listener_id": listener["id"], "protocol": "HTTP",
            "lb_algorithm": "ROUND_ROBIN"}})
        assert_fault(r, 403)
        # update: owner and admins only (observers are read-only)
        for u, st in (("demo2", 403), ("gobserver", 403), ("observer", 403),
                      ("demo", 200)):
            r = c[u]("PUT", lb_path, {"loadbalancer": {"name": u}})
            assert r[0] == st, (u, r)
            if st == 200:
                wait_lb_active(demo, lb["id"])
        # lists: own project, or everything for global readers
        for u, sees in (("demo", True), ("demo2", False),
                        ("observer", False), ("gobserver", True),
                        ("lbadmin", True), ("admin", True)):
            st, body = c[u]("GET", "/loadbalancers")
            assert st == 200, (u, body)
            assert (lb["id"] in [x["id"] for x in body["loadbalancers"]]
                    ) == sees, u
        assert_fault(c["demo2"]("GET", "/loadbalancers?project_id=%s" %
                                demo.project), 403)
        st, body = c["gobserver"]("GET", "/loadbalancers?project_id=%s" %
                                  demo.project)
        assert st == 200 and [x["id"] for x in body["loadbalancers"]] == \
            [lb["id"]], body
        # observers may not create, even in their own project
        assert_fault(c["observer"]("POST", "/loadbalancers", {
            "loadbalancer": {"vip_subnet_id": SUBNET_ID}}), 403)
        # project_id in a body: honoured for admins only
        assert_fault(demo("POST", "/loadbalancers", {"loadbalancer": {
            "vip_subnet_id": SUBNET_ID,
            "project_id": c["demo2"].project}}), 403)
        other = create_lb(c["admin"], project_id=demo.project)
        assert other["project_id"] == demo.project
        assert demo("DELETE", "/loadbalancers/%s" % other["id"])[0] == 204
        # admin-only resources
        for path in ("/flavorprofiles", "/availabilityzoneprofiles"):
            assert_fault(demo("GET", path), 403)
            assert c["lbadmin"]("GET", path)[0] == 200
            assert c["admin"]("GET", path)[0] == 200
        assert_fault(demo.http("GET", "/v2/octavia/amphorae"), 403)
        assert c["admin"].http("GET", "/v2/octavia/amphorae")[0] == 200
        assert_fault(demo("PUT", lb_path + "/failover"), 403)
        # readable by every project reader
        for u in ("demo", "observer"):
            assert c[u]("GET", "/flavors")[0] == 200, u
            assert c[u]("GET", "/providers")[0] == 200, u
        # quotas: own read; write for quota admins
        q = "/quotas/%s" % demo.project
        assert demo("GET", q)[0] == 200
        assert_fault(c["demo2"]("GET", q), 403)
        assert_fault(demo("PUT", q, {"quota": {"pool": 50}}), 403)
        st, body = c["quotaadmin"]("PUT", q, {"quota": {"pool": 50}})
        assert st == 202, body
        assert c["quotaadmin"]("DELETE", q)[0] == 202
        # delete: owner wins, others 403
        assert_fault(c["demo2"]("DELETE", lb_path + "?cascade=true"), 403)
        assert demo("DELETE", lb_path + "?cascade=true")[0] == 204
    finally:
        demo("DELETE", lb_path + "?cascade=true")


def test_quota_enforced(octad_factory):
    """With Keystone, quotas apply (they never do in noauth)."""
    o = ks_octad(octad_factory, "ks-quota")
    demo, qa = Caller(o, "demo"), Caller(o, "quotaadmin")
    q = "/quotas/%s" % demo.project
    st, body = qa("PUT", q, {"quota": {"load_balancer": 0}})
    assert st == 202, body
    try:
        r = demo("POST", "/loadbalancers", {"loadbalancer": {
            "vip_subnet_id": SUBNET_ID}})
        assert_fault(r, 403, "Quota has been met for resources: "
                     "Load Balancer")
    finally:
        qa("DELETE", q)


def test_revoked_token_refused_after_cache_time(octad_factory):
    o = ks_octad(octad_factory, "ks-revoke",
                 keystone_authtoken={"token_cache_time": 3})
    demo = Caller(o, "demo")
    admin_token, _ = token("admin")
    assert demo("GET", "/loadbalancers")[0] == 200
    st, _, body = ks_request("DELETE", "/auth/tokens", headers={
        "X-Auth-Token": admin_token, "X-Subject-Token": demo.token})
    assert st == 204, body
    # still cached ...
    assert demo("GET", "/loadbalancers")[0] == 200
    time.sleep(3.5)
    # ... then refused
    assert_fault(demo("GET", "/loadbalancers"), 401)


class Proxy:
    """A TCP relay to Keystone that can be stopped and made silent."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.mode = "relay"           # relay | silent
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(64)
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "silent":
                self.held.append(c)   # never answered
                continue
            try:
                u = socket.create_connection(self.target, timeout=5)
            except OSError:
                c.close()
                continue
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b),
                                 daemon=True).start()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)   # wakes accept()
        except OSError:
            pass
        self.sock.close()
        for c in self.held:
            c.close()


def test_keystone_down(octad_factory):
    """Keystone down or silent: 503 for new tokens after a bounded wait,
    never a hang; tokens already validated keep working."""
    proxy = Proxy(int(KS_URL.rsplit(":", 1)[1]))
    try:
        o = ks_octad(octad_factory, "ks-down", keystone_authtoken={
            "auth_url": "http://127.0.0.1:%d" % proxy.port,
            "http_connect_timeout": 2})
        demo, demo2 = Caller(o, "demo"), Caller(o, "demo2")
        assert demo("GET", "/loadbalancers")[0] == 200
        # silent Keystone: bounded by http_connect_timeout
        proxy.mode = "silent"
        t0 = time.time()
        r = demo2("GET", "/loadbalancers")
        assert_fault(r, 503, "The Keystone service is temporarily "
                     "unavailable.")
        assert time.time() - t0 < 5
        assert demo("GET", "/loadbalancers")[0] == 200
        # Keystone gone: refused connections, 503 at once
        proxy.close()
        time.sleep(1.2)               # past the fail-fast window
        t0 = time.time()
        assert_fault(demo2("GET", "/loadbalancers"), 503)
        assert time.time() - t0 < 2
        assert demo("GET", "/loadbalancers")[0] == 200
    finally:
        proxy.close()


def test_policy_file_reload(octad_factory, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text('"%sflavor:get_all": "rule:load-balancer:read"\n' %
                      API)
    o = ks_octad(octad_factory, "ks-policy",
                 oslo_policy={"policy_file": str(policy)})
    demo = Caller(o, "demo")
    assert demo("GET", "/flavors")[0] == 200
    policy.write_text('# nobody\n"%sflavor:get_all": "!"\n' % API)
    deadline = time.time() + 10
    while demo("GET", "/flavors")[0] != 403:
        assert time.time() < deadline, o.log_tail()
        time.sleep(0.2)
    assert "policy reloaded" in o.log_text()
    # a broken file keeps the rules in force
    policy.write_text('"%sflavor:get_all": [\n' % API)
    time.sleep(1.5)
    assert demo("GET", "/flavors")[0] == 403


def test_shipped_policy_files(octad_factory):
    """etc/policy/keystone_default_roles-policy.yaml: Keystone's member role
    is enough, load-balancer_* roles are not needed."""
    repo = Path(__file__).resolve().parents[2]
    o = ks_octad(octad_factory, "ks-kdr", oslo_policy={
        "policy_file": str(repo / "etc/policy/"
                           "keystone_default_roles-policy.yaml")})
    admin, observer = Caller(o, "admin"), Caller(o, "observer")
    # observer has Keystone's reader role: reads, but may not write
    assert observer("GET", "/loadbalancers")[0] == 200
    assert_fault(observer("POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": SUBNET_ID}}), 403)
    assert admin("GET", "/flavorprofiles")[0] == 200


def test_cli_password_through_catalog(octad_factory):
    """The stock CLI with a password: Keystone's catalog leads it to octad.
    Services and a region of our own keep tempest's entries untouched."""
    o = ks_octad(octad_factory, "ks-cli")
    admin_token, _ = token("admin")
    h = {"X-Auth-Token": admin_token}
    region = "octa-functional-%d" % os.getpid()
    st, _, body = ks_request("POST", "/regions", {"region": {"id": region}},
                             headers=h)
    assert st == 201, body
    svcs = []
    try:
        # octad also plays Neutron's part for the CLI's subnet lookup
        for kind in ("load-balancer", "network"):
            st, _, body = ks_request("POST", "/services", {"service": {
                "type": kind, "name": "octa-functional-" + kind}},
                headers=h)
            assert st == 201, body
            svcs.append(body["service"]["id"])
            st, _, body = ks_request("POST", "/endpoints", {"endpoint": {
                "service_id": svcs[-1], "interface": "public",
                "region_id": region, "url": o.url}}, headers=h)
            assert st == 201, body
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("OS_")}
        env.update({"OS_AUTH_URL": KS_URL + "/v3",
                    "OS_IDENTITY_API_VERSION": "3",
                    "OS_USERNAME": "demo", "OS_PROJECT_NAME": "demo",
                    "OS_PASSWORD": ENV["OT_USER_PASSWORD"],
                    "OS_USER_DOMAIN_NAME": "Default",
                    "OS_PROJECT_DOMAIN_NAME": "Default",
                    "OS_REGION_NAME": region, "HOME": str(o.dir)})
        import subprocess
        name = unique("ks-cli")
        p = subprocess.run(["openstack", "loadbalancer", "create",
                            "--name", name, "--vip-subnet-id", SUBNET_ID,
                            "--wait", "-f", "json"], capture_output=True,
                           text=True, env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        lb = json.loads(p.stdout)
        assert lb["name"] == name
        p = subprocess.run(["openstack", "loadbalancer", "list", "-f",
                            "json"], capture_output=True, text=True,
                           env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        assert lb["id"] in [x["id"] for x in json.loads(p.stdout)]
        p = subprocess.run(["openstack", "loadbalancer", "delete",
                            lb["id"]], capture_output=True, text=True,
                           env=env, timeout=120)
        assert p.returncode == 0, p.stderr
    finally:
        for svc in svcs:
            ks_request("DELETE", "/services/%s" % svc, headers=h)
        ks_request("DELETE", "/regions/%s" % region, headers=h)
