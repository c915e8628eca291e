"""Functional test library: a real octad driven by real clients.

Used by conftest.py and the test modules: the Octad class (one octad unit:
config file, process group, log, and client helpers: raw HTTP through urllib,
the ``openstack loadbalancer`` CLI, openstacksdk), plus small assertion
helpers.  Assertions in the suite follow Octavia's v2 API contract
(/work/shared/reference/octavia-contract.md), not what octad happens to do.

octad runs role child processes; we start it with start_new_session=True so
the unit is one process group, and teardown SIGKILLs that group only.

Environment
  OCTA_BUILD                build dir holding octad (default <repo>/build)
  OCTAD                     path to the octad binary (overrides OCTA_BUILD)
  OCTA_TEST_TIMEOUT         seconds to wait for an object to go ACTIVE (60)
  OCTA_TEST_RECOVERY_TIMEOUT  seconds for recovery after kill -9 (180)
  OPENSTACK_CLI             the openstack CLI (default /usr/bin/openstack)
"""

import ipaddress
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OCTAD = Path(os.environ.get("OCTAD") or
             Path(os.environ.get("OCTA_BUILD", REPO / "build")) / "octad")
OPENSTACK_CLI = os.environ.get("OPENSTACK_CLI", "/usr/bin/openstack")
WAIT_TIMEOUT = float(os.environ.get("OCTA_TEST_TIMEOUT", "60"))
RECOVERY_TIMEOUT = float(os.environ.get("OCTA_TEST_RECOVERY_TIMEOUT", "180"))

# With the noop network driver every subnet/network UUID "exists".
SUBNET_ID = "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a"
NIL_UUID = "00000000-0000-0000-0000-000000000000"

PENDING = ("PENDING_CREATE", "PENDING_UPDATE", "PENDING_DELETE")
PROV_STATUSES = ("ACTIVE", "PENDING_CREATE", "PENDING_UPDATE",
                 "PENDING_DELETE", "DELETED", "ERROR")
OPER_STATUSES = ("ONLINE", "OFFLINE", "DEGRADED", "ERROR", "DRAINING",
                 "NO_MONITOR")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")
UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_counter = itertools.count(1)
_RUN = uuid.uuid4().hex[:6]

# Every live Octad, so a failing test can show the servers' log tails.
_LIVE = []


def unique(kind="obj"):
    """A name no other test uses."""
    return "ft-%s-%s-%d" % (_RUN, kind, next(_counter))


def is_uuid(v):
    return isinstance(v, str) and bool(UUID_RE.match(v))


def is_ip(v):
    try:
        ipaddress.ip_address(v)
        return True
    except (TypeError, ValueError):
        return False


def is_timestamp(v):
    return isinstance(v, str) and bool(TIMESTAMP_RE.match(v))


def ids(objs):
    return [o["id"] for o in objs]


def cli_list(value):
    """octaviaclient renders lists (ids, tags) as newline-joined strings."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return value
    return [v for v in str(value).split("\n") if v]


def assert_fault(resp, status, faultstring=None, contains=None):
    """An Octavia/WSME error: exact status, body with the three keys."""
    st, body = resp
    assert st == status, "expected HTTP %d, got %d: %r" % (status, st, body)
    assert isinstance(body, dict), "error body is not JSON: %r" % (body,)
    assert set(body) >= {"faultcode", "faultstring", "debuginfo"}, body
    assert body["faultcode"] == ("Client" if status < 500 else "Server"), body
    assert body["debuginfo"] is None, body
    assert isinstance(body["faultstring"], str) and body["faultstring"]
    if faultstring is not None:
        assert body["faultstring"] == faultstring, body
    if contains is not None:
        for c in ([contains] if isinstance(contains, str) else contains):
            assert c in body["faultstring"], (c, body)
    return body


class Resp(tuple):
    """(status, body) with .headers and .raw for the curious."""

    def __new__(cls, status, body, headers, raw):
        self = super().__new__(cls, (status, body))
        self.status = status
        self.body = body
        self.headers = headers
        self.raw = raw
        return self


class CLIError(Exception):
    def __init__(self, cmd, returncode, stdout, stderr):
        super().__init__("%s -> rc=%d\nstdout: %s\nstderr: %s" % (
            " ".join(cmd), returncode, stdout[-2000:], stderr[-2000:]))
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_stat(pid):
    """(state, pgrp, ppid) of a pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[2]), int(rest[1])


def live_pids_in_group(pgid):
    """Non-zombie processes whose process group is pgid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = _proc_stat(int(d))
        if st and st[1] == pgid and st[0] not in ("Z", "X"):
            out.append(int(d))
    return out


def children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = _proc_stat(int(d))
        if st and st[2] == pid and st[0] not in ("Z", "X"):
            out.append(int(d))
    return out


# Which path holds each kind of object.  Children need their parent id.
_PATHS = {
    "loadbalancer": "/v2/lbaas/loadbalancers/%(id)s",
    "listener": "/v2/lbaas/listeners/%(id)s",
    "pool": "/v2/lbaas/pools/%(id)s",
    "member": "/v2/lbaas/pools/%(parent)s/members/%(id)s",
    "healthmonitor": "/v2/lbaas/healthmonitors/%(id)s",
    "l7policy": "/v2/lbaas/l7policies/%(id)s",
    "l7rule": "/v2/lbaas/l7policies/%(parent)s/rules/%(id)s",
    "amphora": "/v2/octavia/amphorae/%(id)s",
}
_ROOT_KEYS = {"loadbalancer": "loadbalancer", "listener": "listener",
              "pool": "pool", "member": "member",
              "healthmonitor": "healthmonitor", "l7policy": "l7policy",
              "l7rule": "rule", "amphora": "amphora"}

_NO_OUTPUT_VERBS = {"delete", "set", "unset", "failover", "configure",
                    "reset"}
_VERBS = _NO_OUTPUT_VERBS | {"create", "list", "show"}


class Octad:
    """One octad unit: config, process group, log, and client helpers."""

    def __init__(self, basedir, name="octad", roles=None, extra_config=None,
                 port=None):
        self.name = name
        self.dir = Path(basedir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_dir = self.dir / "state"
        self.state_dir.mkdir(exist_ok=True)
        self.port = port or free_port()
        # every unit gets its own heartbeat port (default 5555 is shared)
        self.health_port = free_port(socket.SOCK_DGRAM)
        self.url = "http://127.0.0.1:%d" % self.port
        self.config_path = self.dir / "octa.conf"
        self.log_path = self.dir / "octad.log"
        self.roles = roles
        self.extra_config = extra_config or {}
        self.proc = None
        self.pgid = None
        self._sdk = None
        self._log = None
        self.write_config()

    # ----------------------------------------------------------- process

    def write_config(self):
        sections = {
            "octa": {"state_dir": str(self.state_dir)},
            "api_settings": {"bind_host": "127.0.0.1",
                             "bind_port": str(self.port),
                             "auth_strategy": "noauth"},
            "controller_worker": {
                "compute_driver": "compute_noop_driver",
                "network_driver": "network_noop_driver",
                "amphora_driver": "amphora_noop_driver"},
            "health_manager": {"bind_ip": "127.0.0.1",
                               "bind_port": str(self.health_port)},
        }
        for sec, kv in self.extra_config.items():
            sections.setdefault(sec, {}).update(kv)
        lines = []
        for sec, kv in sections.items():
            lines.append("[%s]" % sec)
            lines += ["%s = %s" % (k, v) for k, v in kv.items()]
            lines.append("")
        self.config_path.write_text("\n".join(lines))

    def start(self, roles=None, wait=True):
        if not OCTAD.exists():
            pytest.fail("octad binary not found at %s (build it: meson setup "
                        "build && ninja -C build, or set OCTA_BUILD)" % OCTAD)
        roles = roles if roles is not None else self.roles
        cmd = [str(OCTAD), "--config-file", str(self.config_path)]
        if roles:
            cmd += ["--roles", roles]
        if self._log:
            self._log.close()
        self._log = open(self.log_path, "ab")
        self._log.write(("\n==== %s start: %s\n" % (
            time.strftime("%H:%M:%S"), " ".join(cmd))).encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
            cwd=str(self.dir))
        self.pgid = self.proc.pid
        if self not in _LIVE:
            _LIVE.append(self)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("octad exited with %s during start-up\n%s" % (
                    self.proc.returncode, self.log_tail()))
            try:
                st, _ = self.http("GET", "/", timeout=2)
                if st == 200:
                    return
                last = st
            except OSError as e:
                last = e
            time.sleep(0.1)
        pytest.fail("octad did not answer GET / within %ss (last: %r)\n%s" % (
            timeout, last, self.log_tail()))

    def group_pids(self):
        return live_pids_in_group(self.pgid) if self.pgid else []

    def role_pids(self):
        return children_of(self.proc.pid) if self.proc else []

    def kill9_parent(self):
        """kill -9 of the supervising parent only (a crash)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def wait_group_dead(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            left = self.group_pids()
            if not left:
                return []
            time.sleep(0.05)
        return self.group_pids()

    def kill_group(self):
        if self.pgid and self.group_pids():
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc and self.proc.poll() is None:
            self.proc.wait(timeout=10)
        self.wait_group_dead(5)

    def stop(self):
        """Graceful stop (SIGTERM to the parent), then SIGKILL the group."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group()
        if self._log:
            self._log.close()
            self._log = None

    def crash_and_restart(self, roles=None):
        """kill -9 the parent, make sure nothing of it survives, start again
        on the same state dir and port.  Returns the pids that were still
        alive in the group after the parent died (should be none)."""
        self.kill9_parent()
        survivors = self.wait_group_dead(10)
        self.kill_group()
        if self._log:
            self._log.close()
            self._log = None
        self.start(roles=roles)
        return survivors

    def restart(self, roles=None):
        self.stop()
        self.start(roles=roles)

    def log_tail(self, lines=80):
        try:
            data = self.log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(data.splitlines()[-lines:])

    def log_text(self):
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""

    # -------------------------------------------------------------- HTTP

    def http(self, method, path, body=None, headers=None, timeout=30):
        """Raw HTTP.  body: dict/list -> JSON, str/bytes sent as is.
        headers: a value of None removes our default for that header.
        Returns Resp (status, json-or-text-or-None)."""
        url = path if path.startswith("http") else self.url + path
        hdrs = {"Accept": "application/json"}
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = body
            hdrs["Content-Type"] = "application/json"
        for k, v in (headers or {}).items():
            if v is None:
                hdrs.pop(k, None)
            else:
                hdrs[k] = v
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, rh, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, rh, raw = e.code, e.headers, e.read()
        except OSError:
            # make a dead server obvious instead of "connection refused"
            if self.proc is not None and self.proc.poll() is not None:
                pytest.fail("octad %s is dead (exit status %s) at %s %s\n%s"
                            % (self.name, self.proc.returncode, method, path,
                               self.log_tail()))
            raise
        text = raw.decode("utf-8", "replace")
        parsed = None
        if text.strip():
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
        return Resp(status, parsed, rh, raw)

    def lbaas(self, method, subpath, body=None, **kw):
        return self.http(method, "/v2/lbaas" + subpath, body, **kw)

    def get(self, kind, obj_id, parent=None):
        st, body = self.http("GET", _PATHS[kind] % {"id": obj_id,
                                                    "parent": parent})
        if st == 404:
            return None
        assert st == 200, (kind, obj_id, st, body)
        return body[_ROOT_KEYS[kind]]

    def wait_status(self, kind, obj_id, want="ACTIVE", parent=None,
                    timeout=None):
        """Poll until provisioning_status == want (want=None: until 404).
        Fails at once on ERROR (unless want == 'ERROR')."""
        timeout = timeout or WAIT_TIMEOUT
        deadline = time.time() + timeout
        obj = None
        while True:
            obj = self.get(kind, obj_id, parent)
            if want is None:
                if obj is None:
                    return None
            else:
                assert obj is not None, "%s %s vanished" % (kind, obj_id)
                ps = obj.get("provisioning_status", obj.get("status"))
                if ps == want:
                    return obj
                if ps == "ERROR":
                    pytest.fail("%s %s went to ERROR: %r" % (kind, obj_id,
                                                            obj))
            if time.time() > deadline:
                pytest.fail("%s %s not %s after %ss: %r" % (
                    kind, obj_id, want or "gone", timeout, obj))
            time.sleep(0.1)

    def wait_active(self, kind, obj_id, parent=None, timeout=None):
        return self.wait_status(kind, obj_id, "ACTIVE", parent, timeout)

    def wait_gone(self, kind, obj_id, parent=None, timeout=None):
        return self.wait_status(kind, obj_id, None, parent, timeout)

    # ---------------------------------------------- quick object builders
    # Raw-HTTP creation for set-up; the tests that are *about* creation use
    # the CLI or the SDK.  Each waits until the LB is ACTIVE again so the
    # next mutation is allowed.

    def create_lb(self, wait=True, **fields):
        body = {"vip_subnet_id": SUBNET_ID, "name": unique("lb")}
        body.update(fields)
        st, resp = self.lbaas("POST", "/loadbalancers", {"loadbalancer": body})
        assert st == 201, (st, resp)
        lb = resp["loadbalancer"]
        if wait:
            return self.wait_active("loadbalancer", lb["id"])
        return lb

    def _create_child(self, path, root, body, lb_id, kind, parent=None,
                      wait=True):
        st, resp = self.lbaas("POST", path, {root: body})
        assert st == 201, (path, st, resp)
        obj = resp[root]
        if wait:
            self.wait_active("loadbalancer", lb_id)
            return self.wait_active(kind, obj["id"], parent)
        return obj

    def create_listener(self, lb_id, wait=True, **fields):
        body = {"loadbalancer_id": lb_id, "protocol": "HTTP",
                "protocol_port": 80, "name": unique("listener")}
        body.update(fields)
        return self._create_child("/listeners", "listener", body, lb_id,
                                  "listener", wait=wait)

    def create_pool(self, lb_id, wait=True, **fields):
        body = {"protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
                "name": unique("pool")}
        if "listener_id" not in fields:
            body["loadbalancer_id"] = lb_id
        body.update(fields)
        return self._create_child("/pools", "pool", body, lb_id, "pool",
                                  wait=wait)

    def create_member(self, lb_id, pool_id, wait=True, **fields):
        body = {"address": "192.0.2.%d" % (10 + next(_counter) % 200),
                "protocol_port": 80, "name": unique("member")}
        body.update(fields)
        return self._create_child("/pools/%s/members" % pool_id, "member",
                                  body, lb_id, "member", parent=pool_id,
                                  wait=wait)

    def create_hm(self, lb_id, pool_id, wait=True, **fields):
        body = {"pool_id": pool_id, "type": "HTTP", "delay": 5,
                "timeout": 3, "max_retries": 3, "name": unique("hm")}
        body.update(fields)
        return self._create_child("/healthmonitors", "healthmonitor", body,
                                  lb_id, "healthmonitor", wait=wait)

    def create_l7policy(self, lb_id, listener_id, wait=True, **fields):
        body = {"listener_id": listener_id, "action": "REJECT",
                "name": unique("l7p")}
        body.update(fields)
        return self._create_child("/l7policies", "l7policy", body, lb_id,
                                  "l7policy", wait=wait)

    def create_l7rule(self, lb_id, policy_id, wait=True, **fields):
        body = {"type": "PATH", "compare_type": "STARTS_WITH",
                "value": "/api"}
        body.update(fields)
        return self._create_child("/l7policies/%s/rules" % policy_id, "rule",
                                  body, lb_id, "l7rule", parent=policy_id,
                                  wait=wait)

    def cleanup_lb(self, lb_id, wait=False):
        """Best-effort cascade delete for finally blocks and teardown: waits
        for the LB to leave PENDING_*, then deletes it.  Never raises, so it
        cannot hide the error that brought us here."""
        try:
            if self.proc is None or self.proc.poll() is not None:
                return
            deadline = time.time() + WAIT_TIMEOUT
            while time.time() < deadline:
                st, body = self.lbaas("GET", "/loadbalancers/%s" % lb_id)
                if st != 200:
                    return
                if body["loadbalancer"]["provisioning_status"] not in PENDING:
                    break
                time.sleep(0.1)
            st, _ = self.lbaas("DELETE", "/loadbalancers/%s?cascade=true" %
                               lb_id)
            if wait and st == 204:
                self.wait_gone("loadbalancer", lb_id)
        except BaseException as e:      # cleanup must not raise
            print("cleanup of LB %s failed: %r" % (lb_id, e),
                  file=sys.stderr)

    def delete_lb(self, lb_id, wait=True):
        st, body = self.lbaas("DELETE", "/loadbalancers/%s?cascade=true" %
                              lb_id)
        assert st in (204, 404), (st, body)
        if wait and st == 204:
            self.wait_gone("loadbalancer", lb_id)

    # --------------------------------------------------------------- CLI

    def cli(self, *args, fmt=None, check=True, timeout=120):
        """Run `openstack loadbalancer ARGS`.  Adds `-f json` for commands
        that print a table and returns parsed JSON (None for commands
        without output).  Raises CLIError on a non-zero exit if check."""
        args = [str(a) for a in args]
        words = []
        for a in args[:4]:
            if a.startswith("-"):
                break
            words.append(a)
        verb = next((w for w in words if w in _VERBS), None)
        noun = words[:words.index(verb)] if verb else []
        if fmt is None:
            if verb == "show" and noun == ["status"]:
                fmt = "raw-json"      # prints JSON on its own
            elif verb in _NO_OUTPUT_VERBS and not (noun == ["quota"] and
                                                   verb == "set"):
                fmt = "none"
            else:
                fmt = "json"
        cmd = [OPENSTACK_CLI, "--os-auth-type", "none",
               "--os-endpoint", self.url, "loadbalancer"] + args
        if fmt == "json":
            cmd += ["-f", "json"]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("OS_")}
        env["HOME"] = str(self.dir)          # no clouds.yaml from $HOME
        env.setdefault("LANG", "C.UTF-8")
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, env=env, cwd=str(self.dir))
        if p.returncode != 0:
            if check:
                raise CLIError(cmd, p.returncode, p.stdout, p.stderr)
            return p
        if fmt in ("json", "raw-json"):
            return json.loads(p.stdout) if p.stdout.strip() else None
        return None

    def cli_fails(self, *args, **kw):
        """Run the CLI, expect failure; returns CLIError (stderr etc.)."""
        with pytest.raises(CLIError) as ei:
            self.cli(*args, **kw)
        return ei.value

    # --------------------------------------------------------------- SDK

    @property
    def sdk(self):
        if self._sdk is None:
            self._sdk = make_sdk(self.url)
        return self._sdk


def make_sdk(url):
    """An openstacksdk Connection to a noauth octad.

    load_balancer_endpoint_override is the *unversioned* root, as a service
    catalog would list it: openstacksdk then runs version discovery on GET /
    and follows the v2 link.  (An override ending in /v2 makes keystoneauth
    look for a discovery document at /v2 and fail.)"""
    import openstack
    warnings.filterwarnings("ignore", module="openstack")
    return openstack.connection.Connection(
        auth_type="none",
        auth={"endpoint": url},
        load_balancer_endpoint_override=url,
        network_endpoint_override=url,
    )


def graph_body(name=None, subnet_id=SUBNET_ID):
    """A single-call create: LB + HTTP listener with default pool (members +
    HM) + l7 policies with rules (one redirects to a second pool), and a TCP
    listener with its own pool without HM.  Contract 1.9."""
    name = name or unique("graph")
    return {"loadbalancer": {
        "name": name,
        "vip_subnet_id": subnet_id,
        "tags": ["graph"],
        "listeners": [
            {"name": name + "-http", "protocol": "HTTP",
             "protocol_port": 80,
             "default_pool": {"name": name + "-web"},
             "l7policies": [
                 {"name": name + "-p-api", "action": "REDIRECT_TO_POOL",
                  "redirect_pool": {"name": name + "-api"},
                  "rules": [{"type": "PATH", "compare_type": "STARTS_WITH",
                             "value": "/api"},
                            {"type": "HEADER", "compare_type": "EQUAL_TO",
                             "key": "X-Api", "value": "1"}]},
                 {"name": name + "-p-reject", "action": "REJECT",
                  "rules": [{"type": "HOST_NAME",
                             "compare_type": "EQUAL_TO",
                             "value": "bad.example.com"}]},
             ]},
            {"name": name + "-tcp", "protocol": "TCP", "protocol_port": 8443,
             "default_pool": {"name": name + "-tcp-pool",
                              "protocol": "TCP",
                              "lb_algorithm": "SOURCE_IP",
                              "members": [{"address": "192.0.2.30",
                                           "protocol_port": 443}]}},
        ],
        "pools": [
            {"name": name + "-web", "protocol": "HTTP",
             "lb_algorithm": "ROUND_ROBIN",
             "healthmonitor": {"type": "HTTP", "delay": 5, "timeout": 3,
                               "max_retries": 2, "url_path": "/health"},
             "members": [{"address": "192.0.2.10", "protocol_port": 80,
                          "name": "web1"},
                         {"address": "192.0.2.11", "protocol_port": 80,
                          "name": "web2", "weight": 5}]},
            {"name": name + "-api", "protocol": "HTTP",
             "lb_algorithm": "LEAST_CONNECTIONS",
             "members": [{"address": "192.0.2.20", "protocol_port": 8080}]},
        ],
    }}


def create_graph(octa, name=None, wait=True):
    """POST a graph_body; returns the 201 body's loadbalancer (full form)
    and, if wait, waits until the LB is ACTIVE."""
    st, body = octa.lbaas("POST", "/loadbalancers", graph_body(name))
    assert st == 201, (st, body)
    lb = body["loadbalancer"]
    if wait:
        octa.wait_active("loadbalancer", lb["id"])
    return lb
