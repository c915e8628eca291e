"""test_lb_traffic.py - real load balancers made through octad's API, with
real traffic through them (docs/local-world.md): octad with the netns
compute driver, the local network driver and the HAProxy REST amphora
driver builds an amphora namespace running octa-agent and HAProxy per load
balancer; clients and members are namespaces of the test's own on the VIP
and member bridges.

The world, made once for the module (the `world` fixture):

  octa-manage: lb-mgmt-net (a free 172.31.x.0/24, the controller at .1,
  where octad's health role listens), vipnet 203.0.113.0/24 (gateway .1),
  membernet 198.51.100.0/24; each is a bridge octa-br-<7hex>.

  namespace octa-test-<tag>-c   203.0.113.50/24 on vipnet   (the client)
  namespace octa-test-<tag>-o   203.0.113.60/24 on vipnet   (an outsider)
  namespace octa-test-<tag>-bN  198.51.100.(10+N)/24 on membernet: a python
            HTTP server on :80 answering "backend N" (/echo: its request
            as JSON), or a TCP server answering the first line it got
            (the PROXY protocol header), made when a test asks for one
            and shared by the tests (the health monitor test stops its
            own backend 8, which no other test uses).

  octad --config-file <tmp>/octa.conf (all roles, noauth, heartbeats every
  second with a key of the test's own).

Each test makes its load balancers through the API (raw HTTP, and the
`openstack loadbalancer` CLI in the round robin test) and the `lbs`
fixture deletes them (cascade) after the test and checks that their
amphorae left nothing behind (namespace, veths, /run/octa/<amphora>,
processes).  Requests come from the client namespaces: sockets are made
inside a namespace with setns(2) on the calling thread (and the thread is
put back at once), plus curl through `ip netns exec` for the TLS check.
Each test records how long its load balancer took from the create call
to ACTIVE and to the first answered request (the "e2e timings" section of
the run's summary, tests/e2e/conftest.py).

Two things the local world needed for this (src/, see docs): the bridges
answer ARP only for their own addresses (a VIP must never be answered by
the host, whatever addresses the host has), and the agent sends a gratuitous
ARP for the addresses it plugs (each test's VIP is the previous test's,
on another MAC); test_reused_vip_reaches_the_new_amphora checks both.

Cleanup (the module fixture's finally, also after a failure): cascade
delete of every load balancer still there, octad stopped (its process
group), `octa-manage amphora-netns delete` for every amphora seen (the
driver's own destroy), the backends' processes killed by their PIDs, the
test namespaces and veths deleted, the networks deleted with
`octa-manage network delete`, the temporary directory removed.  Every
wait is bounded.

Needs root, iproute2, haproxy, openssl, curl and the build (octad,
octa-agent, octa-manage).  Run:

    /usr/bin/python3 -m pytest -q tests/e2e/test_lb_traffic.py
"""

import contextlib
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("OCTA_BUILD", ROOT / "build"))
OCTAD = BUILD / "octad"
MANAGE = BUILD / "octa-manage"
AGENT = BUILD / "octa-agent"
IP = next((p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")
           if os.access(p, os.X_OK)), None)
OPENSSL = "/usr/bin/openssl"
HAPROXY = "/usr/sbin/haproxy"
CURL = "/usr/bin/curl"
OPENSTACK = os.environ.get("OPENSTACK_CLI", "/usr/bin/openstack")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable

VIP_CIDR = "203.0.113.0/24"
CLIENT_IP = "203.0.113.50"
OUTSIDER_IP = "203.0.113.60"
MEMBER_CIDR = "198.51.100.0/24"
HB_KEY = "lb-traffic-e2e"
ACTIVE_TIMEOUT = 30

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
    pytest.mark.skipif(IP is None, reason="needs iproute2"),
    pytest.mark.skipif(not all(os.access(p, os.X_OK) for p in
                               (OPENSSL, HAPROXY, CURL)),
                       reason="needs openssl, haproxy and curl"),
]

# ------------------------------------------------------------ processes

# A member: "backend N" on every path, its request as JSON on /echo.
HTTP_MEMBER = r'''
import http.server, json, sys
name, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        if self.path.startswith("/echo"):
            body = json.dumps({"name": name, "path": self.path,
                               "client": self.client_address[0],
                               "headers": {k.lower(): v for k, v in
                                           self.headers.items()}})
        else:
            body = name + "\n"
        body = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", name)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True
S((addr, port), H).serve_forever()
'''

# A member behind a PROXY pool: answers the first line it received.
PROXY_MEMBER = r'''
import socket, sys, threading
addr, port = sys.argv[2], int(sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(64)
def serve(c):
    try:
        c.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            d = c.recv(4096)
            if not d:
                break
            data += d
        body = data.split(b"\r\n", 1)[0] + b"\n"
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n" % len(body) + body)
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''


def run(*args, check=True, timeout=60, **kw):
    r = subprocess.run([str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d): %s%s" % (
            " ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
    return r


def ip(*args, check=True):
    return run(IP, *args, check=check, timeout=30)


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def alive(pid):
    """Exists and is not a zombie (this container's init reaps late)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def netns_exists(name):
    return os.path.exists("/run/netns/" + name)


def ns_pids(ns):
    if not netns_exists(ns):
        return []
    r = ip("netns", "pids", ns, check=False)
    return [int(p) for p in r.stdout.split()]


def link_names():
    out = ip("-o", "link", "show").stdout
    return [line.split(":")[1].strip().split("@")[0]
            for line in out.splitlines() if ":" in line]


def link_exists(name):
    return ip("link", "show", "dev", name, check=False).returncode == 0


def hex8(i):
    return i.replace("-", "")[:8]


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_mgmt_cidr():
    """172.31.9.0/24 unless the host uses it; then another free /24."""
    used = ip("-4", "-o", "addr", "show").stdout
    for third in [9] + list(range(10, 40)):
        if (" 172.31.%d." % third) not in used:
            return "172.31.%d" % third
    pytest.skip("no free 172.31.x.0/24 on this host")


# ------------------------------------------------ sockets in a namespace

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def in_netns(ns):
    """Runs the block with the calling thread in namespace `ns` (network
    namespaces are per thread); sockets made there stay there."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open("/run/netns/" + ns, os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, "setns %s: %s" % (ns, os.strerror(e)))
        finally:
            os.close(target)
        try:
            yield
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                # never go on in the wrong namespace
                os._exit(99)
    finally:
        os.close(own)


def ns_socket(ns, kind=socket.SOCK_STREAM):
    with in_netns(ns):
        return socket.socket(socket.AF_INET, kind)


def ns_connect(ns, host, port, timeout=5.0):
    s = ns_socket(ns)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


class NSConn(http.client.HTTPConnection):
    """HTTP from inside a namespace."""

    def __init__(self, ns, host, port=80, timeout=5.0):
        super().__init__(host, port, timeout=timeout)
        self.ns = ns

    def connect(self):
        self.sock = ns_connect(self.ns, self.host, self.port, self.timeout)


def get(ns, vip, path="/", port=80, headers=None, timeout=5.0, conn=None):
    """One HTTP/1.1 GET (Connection: close); (status, headers, body)."""
    c = conn or NSConn(ns, vip, port, timeout)
    try:
        h = {"Connection": "close"}
        h.update(headers or {})
        c.request("GET", path, headers=h)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, \
            r.read().decode(errors="replace")
    finally:
        c.close()


def names(ns, vip, n, path="/", **kw):
    """The backends that answered n requests (fails on a non-200)."""
    out = []
    for _ in range(n):
        st, _, body = get(ns, vip, path, **kw)
        assert st == 200, (st, body)
        out.append(body.strip())
    return out


# ---------------------------------------------------------------- world

class World:
    def __init__(self):
        for p in (OCTAD, MANAGE, AGENT):
            if not p.exists():
                pytest.fail("%s not found (ninja -C build, or set "
                            "OCTA_BUILD)" % p)
        self.tag = uuid.uuid4().hex[:5]
        self.tmp = Path(tempfile.mkdtemp(prefix="octa-lbt-", dir="/tmp"))
        self.state = self.tmp / "state"
        self.conf = self.tmp / "octa.conf"
        self.log_path = self.tmp / "octad.log"
        self.networks = []      # names made with octa-manage
        self.bridges = set()
        self.namespaces = []    # test namespaces
        self.links = []         # host ends of test veths
        self.procs = []         # Popen objects (backends)
        self.backends = {}      # n -> (ns, address, Popen)
        self.amps = set()       # amphora ids seen
        self.lbs = []           # LB ids made (cleanup)
        self.octad = None
        self.octad_log = None

    # -- set-up

    def setup(self):
        net = free_mgmt_cidr()
        self.controller = net + ".1"
        self.api_port = free_port()
        self.url = "http://127.0.0.1:%d" % self.api_port
        self.conf.write_text(
            "[octa]\nstate_dir = %s\n\n"
            "[api_settings]\nbind_host = 127.0.0.1\nbind_port = %d\n"
            "auth_strategy = noauth\n\n"
            "[controller_worker]\ncompute_driver = compute_netns_driver\n"
            "network_driver = network_local_driver\n"
            "amphora_driver = amphora_haproxy_rest_driver\n\n"
            "[health_manager]\nbind_ip = %s\nbind_port = %d\n"
            "heartbeat_key = %s\nheartbeat_interval = 1\n"
            % (self.state, self.api_port, self.controller,
               free_port(socket.SOCK_DGRAM), HB_KEY))
        self.manage("db", "upgrade")
        self.manage("certs", "init")
        self.networks.append("lb-mgmt-net")
        self.manage("network", "setup-mgmt", "--cidr", net + ".0/24")
        self.bridges.add(self.show("lb-mgmt-net")["bridge"])
        self.vipnet = self.network("vipnet-" + self.tag)
        self.vipsub = self.subnet(self.vipnet, VIP_CIDR, "203.0.113.1")
        self.memnet = self.network("memnet-" + self.tag)
        self.memsub = self.subnet(self.memnet, MEMBER_CIDR, None)
        self.client = self.host("c", self.vipnet["bridge"],
                                CLIENT_IP + "/24")
        self.outsider = self.host("o", self.vipnet["bridge"],
                                  OUTSIDER_IP + "/24")
        self.start_octad()

    def manage(self, *args, check=True):
        return run(MANAGE, "--config-file", self.conf, *args, check=check,
                   timeout=120)

    def show(self, name):
        info = {"subnets": []}
        for line in self.manage("network", "show", name).stdout.splitlines():
            if line.startswith("  "):
                f = line.split()
                info["subnets"].append({"id": f[0], "name": f[1],
                                        "cidr": f[2]})
            elif ": " in line:
                k, v = line.split(": ", 1)
                info[k] = v
        return info

    def network(self, name):
        self.networks.append(name)
        self.manage("network", "create", name)
        info = self.show(name)
        self.bridges.add(info["bridge"])
        return info

    def subnet(self, net, cidr, gateway):
        name = net["name"] + "-sub"
        args = ["subnet", "create", "--network", net["name"], "--cidr",
                cidr, "--name", name]
        if gateway:
            args += ["--gateway", gateway]
        self.manage(*args)
        return next(s["id"] for s in self.show(net["name"])["subnets"]
                    if s["name"] == name)

    def host(self, suffix, bridge, address):
        """A namespace of the test's own with eth0 on `bridge`."""
        ns = "octa-test-%s-%s" % (self.tag, suffix)
        veth = "ot%s%s" % (self.tag, suffix)
        self.namespaces.append(ns)
        ip("netns", "add", ns)
        self.links.append(veth)
        ip("link", "add", "name", veth, "type", "veth", "peer", "name",
           "eth0", "netns", ns)
        ip("link", "set", "dev", veth, "master", bridge, "up")
        ip("-n", ns, "addr", "add", address, "dev", "eth0")
        ip("-n", ns, "link", "set", "dev", "eth0", "up")
        ip("-n", ns, "link", "set", "dev", "lo", "up")
        return ns

    def backend(self, n, kind="http"):
        """Member N: 198.51.100.(10+N):80 in a namespace of its own."""
        if n in self.backends:
            return self.backends[n][1]
        address = "198.51.100.%d" % (10 + n)
        ns = self.host("b%d" % n, self.memnet["bridge"], address + "/24")
        script = HTTP_MEMBER if kind == "http" else PROXY_MEMBER
        p = subprocess.Popen([IP, "netns", "exec", ns, PYTHON, "-c", script,
                              "backend %d" % n, address, "80"],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=open(self.tmp / ("b%d.log" % n), "ab"))
        self.procs.append(p)
        self.backends[n] = (ns, address, p)

        def up():
            try:
                ns_connect(ns, address, 80, 1).close()
                return True
            except OSError:
                return False
        assert wait_for(up, 15), "backend %d did not start" % n
        return address

    def stop_backend(self, n):
        p = self.backends[n][2]
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)

    def start_octad(self):
        self.octad_log = open(self.log_path, "ab")
        self.octad = subprocess.Popen(
            [str(OCTAD), "--config-file", str(self.conf)],
            stdin=subprocess.DEVNULL, stdout=self.octad_log,
            stderr=subprocess.STDOUT, start_new_session=True,
            cwd=str(self.tmp))
        ok = wait_for(lambda: self.api("GET", "/", check_alive=False)[0]
                      == 200, 30, 0.1)
        assert ok, "octad did not answer:\n" + self.log_tail()

    def log_tail(self, n=60):
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def agent_logs(self, n=30):
        out = []
        for d in sorted((self.state / "amphorae").glob("*/agent.log")):
            lines = d.read_text(errors="replace").splitlines()
            out.append("== %s\n%s" % (d, "\n".join(lines[-n:])))
        return "\n".join(out)

    # -- API

    def api(self, method, path, body=None, timeout=30, check_alive=True):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json",
                     "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw.strip() else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")
        except OSError:
            if check_alive and self.octad.poll() is not None:
                pytest.fail("octad died (%s):\n%s" % (self.octad.returncode,
                                                      self.log_tail()))
            if not check_alive:
                return 0, None
            raise

    def ok(self, method, path, body=None, want=(200, 201, 202, 204)):
        st, out = self.api(method, path, body)
        assert st in want, "%s %s -> %d %r\n%s" % (method, path, st, out,
                                                   self.log_tail(20))
        return out

    def lb_status(self, lb_id):
        st, out = self.api("GET", "/v2/lbaas/loadbalancers/" + lb_id)
        if st == 404:
            return None
        assert st == 200, (st, out)
        return out["loadbalancer"]

    def wait_active(self, lb_id, timeout=ACTIVE_TIMEOUT):
        end = time.monotonic() + timeout
        lb = None
        while time.monotonic() < end:
            lb = self.lb_status(lb_id)
            assert lb is not None, "LB %s vanished" % lb_id
            if lb["provisioning_status"] == "ACTIVE":
                return lb
            if lb["provisioning_status"] == "ERROR":
                break
            time.sleep(0.05)
        pytest.fail("LB %s not ACTIVE: %r\n%s\n%s" % (
            lb_id, lb, self.log_tail(), self.agent_logs()))

    def wait_gone(self, lb_id, timeout=ACTIVE_TIMEOUT):
        return wait_for(lambda: self.lb_status(lb_id) is None, timeout, 0.1)

    def create_lb(self, body):
        """POST a load balancer (graph) and wait for ACTIVE; returns
        (lb, seconds to ACTIVE, the POST time)."""
        body = dict(body)
        body.setdefault("vip_subnet_id", self.vipsub)
        body.setdefault("name", "lbt-" + uuid.uuid4().hex[:6])
        t0 = time.monotonic()
        out = self.ok("POST", "/v2/lbaas/loadbalancers",
                      {"loadbalancer": body})
        lb_id = out["loadbalancer"]["id"]
        self.lbs.append(lb_id)
        lb = self.wait_active(lb_id)
        self.note_amps(lb_id)
        return lb, time.monotonic() - t0, t0

    def update(self, lb_id, method, path, body=None):
        out = self.ok(method, path, body)
        self.wait_active(lb_id)
        return out

    def amphorae(self, lb_id):
        out = self.ok("GET", "/v2/octavia/amphorae?loadbalancer_id=" + lb_id)
        return out["amphorae"]

    def note_amps(self, lb_id):
        for a in self.amphorae(lb_id):
            self.amps.add(a["id"])

    def lb_tree(self, lb_id):
        """{pool name: {"id", "members": {address: member}}}."""
        pools = {}
        for p in self.ok("GET", "/v2/lbaas/pools?loadbalancer_id=" +
                         lb_id)["pools"]:
            ms = self.ok("GET", "/v2/lbaas/pools/%s/members" %
                         p["id"])["members"]
            pools[p["name"]] = {"id": p["id"],
                                "members": {m["address"]: m for m in ms}}
        return pools

    def listener(self, lb_id):
        return self.ok("GET", "/v2/lbaas/listeners?loadbalancer_id=" +
                       lb_id)["listeners"][0]

    def cli(self, *args, timeout=120):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("OS_")}
        env["HOME"] = str(self.tmp)
        env.setdefault("LANG", "C.UTF-8")
        r = run(OPENSTACK, "--os-auth-type", "none", "--os-endpoint",
                self.url, "loadbalancer", *args, "-f", "json",
                timeout=timeout, env=env, cwd=str(self.tmp))
        return json.loads(r.stdout) if r.stdout.strip() else None

    def first_response(self, vip, t0, port=80, timeout=10):
        """Waits for a 200 from the VIP; seconds since t0."""
        def ok():
            try:
                return get(self.client, vip, port=port, timeout=2)[0] == 200
            except OSError:
                return False
        assert wait_for(ok, timeout, 0.05), "no answer from %s:%d\n%s" % (
            vip, port, self.agent_logs())
        return time.monotonic() - t0

    # -- leftovers of an amphora

    def amp_leftovers(self, amp_id):
        h = hex8(amp_id)
        left = []
        ns = "octa-amp-" + h
        if netns_exists(ns):
            left.append("namespace %s (pids %s)" % (ns, ns_pids(ns)))
        left += ["link " + n for n in link_names()
                 if n.startswith("oa" + h)]
        for p in ("/run/octa/" + amp_id, self.state / "amphorae" / amp_id):
            if os.path.exists(p):
                left.append(str(p))
        return left

    def delete_lb(self, lb_id):
        """Cascade delete and wait; the amphorae's leftovers, if any."""
        amps = [a["id"] for a in self.amphorae(lb_id)]
        lb = self.lb_status(lb_id)
        if lb is None:
            return []
        if lb["provisioning_status"].startswith("PENDING"):
            wait_for(lambda: not (self.lb_status(lb_id) or {}).get(
                "provisioning_status", "").startswith("PENDING"), 30, 0.1)
        st, out = self.api("DELETE", "/v2/lbaas/loadbalancers/%s"
                           "?cascade=true" % lb_id)
        assert st in (204, 404), (st, out)
        assert self.wait_gone(lb_id), "LB %s not deleted\n%s" % (
            lb_id, self.log_tail())
        left = []
        for a in amps:
            wait_for(lambda: not self.amp_leftovers(a), 10, 0.1)
            left += self.amp_leftovers(a)
        return left

    # -- teardown

    def cleanup(self):
        for lb_id in self.lbs:
            try:
                if self.octad and self.octad.poll() is None:
                    self.delete_lb(lb_id)
            except BaseException as e:      # cleanup goes on
                print("delete of LB %s: %r" % (lb_id, e), file=sys.stderr)
        if self.octad is not None:
            if self.octad.poll() is None:
                try:
                    os.killpg(self.octad.pid, signal.SIGTERM)
                    self.octad.wait(timeout=15)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            try:
                os.killpg(self.octad.pid, signal.SIGKILL)
            except OSError:
                pass
            if self.octad.poll() is None:
                self.octad.wait(timeout=10)
        if self.octad_log:
            self.octad_log.close()
        # the driver's own destroy for whatever an amphora left
        for amp_id in self.amps:
            if self.amp_leftovers(amp_id):
                self.manage("amphora-netns", "delete", amp_id, check=False)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for ns in self.namespaces:
            # only processes the test started live here; they are gone
            ip("netns", "del", ns, check=False)
        for name in self.links:
            if link_exists(name):
                ip("link", "del", "dev", name, check=False)
        for name in reversed(self.networks):
            self.manage("network", "delete", name, check=False)
        for br in self.bridges:
            if link_exists(br):
                ip("link", "del", "dev", br, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def world():
    w = World()
    try:
        w.setup()
        yield w
    finally:
        w.cleanup()


@pytest.fixture
def lbs(world):
    """The test's load balancers are deleted after it; their amphorae
    must leave nothing behind."""
    before = len(world.lbs)
    yield world
    left = []
    for lb_id in world.lbs[before:]:
        left += world.delete_lb(lb_id)
    assert not left, "left behind by the amphora driver: %s" % left


def member(world, n, **kw):
    m = {"address": world.backend(n), "protocol_port": 80,
         "subnet_id": world.memsub}
    m.update(kw)
    return m


def http_lb(world, members, pool_extra=None, listener_extra=None):
    pool = {"name": "p1", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
            "members": members}
    pool.update(pool_extra or {})
    listener = {"protocol": "HTTP", "protocol_port": 80,
                "default_pool": {"name": "p1"}}
    listener.update(listener_extra or {})
    return world.create_lb({"listeners": [listener], "pools": [pool]})


# ---------------------------------------------------------------- tests

def test_round_robin_made_with_the_cli(lbs, e2e_timing):
    w = lbs
    b1, b2 = w.backend(1), w.backend(2)
    t0 = time.monotonic()
    lb = w.cli("create", "--name", "lbt-cli-" + w.tag, "--vip-subnet-id",
               w.vipsub, "--wait")
    w.lbs.append(lb["id"])
    assert lb["provisioning_status"] == "ACTIVE", lb
    t_lb = time.monotonic() - t0
    lst = w.cli("listener", "create", "--protocol", "HTTP",
                "--protocol-port", "80", "--wait", lb["id"])
    pool = w.cli("pool", "create", "--listener", lst["id"], "--protocol",
                 "HTTP", "--lb-algorithm", "ROUND_ROBIN", "--wait")
    for addr in (b1, b2):
        w.cli("member", "create", "--subnet-id", w.memsub, "--address",
              addr, "--protocol-port", "80", "--wait", pool["id"])
    w.note_amps(lb["id"])
    vip = lb["vip_address"]
    t_active = time.monotonic() - t0
    t_traffic = w.first_response(vip, t0)

    got = names(w.client, vip, 10)
    assert set(got) == {"backend 1", "backend 2"}, got
    assert all(a != b for a, b in zip(got, got[1:])), got   # alternates
    # and with curl, from the client's namespace
    r = run(IP, "netns", "exec", w.client, CURL, "-sS", "--max-time", "5",
            "http://%s/" % vip)
    assert r.stdout.strip() in ("backend 1", "backend 2")
    e2e_timing("LB ACTIVE %.2fs; with listener, pool, 2 members (CLI, "
               "--wait) %.2fs; first response %.2fs" % (t_lb, t_active,
                                                        t_traffic))


def test_weights(lbs, e2e_timing):
    w = lbs
    lb, t_act, t0 = http_lb(w, [member(w, 1, weight=3),
                               member(w, 2, weight=1)])
    t_traffic = w.first_response(lb["vip_address"], t0)
    got = names(w.client, lb["vip_address"], 40)
    n1 = got.count("backend 1")
    assert got.count("backend 2") == 40 - n1, got
    assert 27 <= n1 <= 33, "3:1 over 40 requests: %d to backend 1" % n1
    e2e_timing("ACTIVE %.2fs, first response %.2fs" % (t_act, t_traffic))


def test_disabled_member_gets_no_traffic(lbs, e2e_timing):
    w = lbs
    lb, t_act, t0 = http_lb(w, [member(w, 1),
                               member(w, 2, admin_state_up=False)])
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    assert set(names(w.client, vip, 12)) == {"backend 1"}
    # enabled again, it gets its share
    pool = w.lb_tree(lb["id"])["p1"]
    m2 = pool["members"][w.backend(2)]
    # HAProxy reports a disabled server as MAINT: OFFLINE (heartbeats)
    path = "/v2/lbaas/pools/%s/members/%s" % (pool["id"], m2["id"])
    assert wait_for(lambda: w.ok("GET", path)["member"][
        "operating_status"] == "OFFLINE", 10, 0.2), w.ok("GET", path)
    w.update(lb["id"], "PUT", "/v2/lbaas/pools/%s/members/%s" % (
        pool["id"], m2["id"]), {"member": {"admin_state_up": True}})
    assert set(names(w.client, vip, 6)) == {"backend 1", "backend 2"}
    e2e_timing("ACTIVE %.2fs, first response %.2fs" % (t_act, t_traffic))


def test_dead_member_avoided_after_health_monitor(lbs, e2e_timing):
    w = lbs
    lb, t_act, t0 = http_lb(
        w, [member(w, 8), member(w, 9)],
        pool_extra={"healthmonitor": {"type": "HTTP", "delay": 1,
                                      "timeout": 1, "max_retries": 1,
                                      "url_path": "/"}})
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    pool = w.lb_tree(lb["id"])["p1"]
    path = "/v2/lbaas/pools/%s/members/" % pool["id"]
    dead = pool["members"][w.backend(8)]["id"]      # its own backends:
    live = pool["members"][w.backend(9)]["id"]      # 8 is stopped here

    def status(mid):
        return w.ok("GET", path + mid)["member"]["operating_status"]

    # heartbeats bring both ONLINE
    t1 = time.monotonic()
    assert wait_for(lambda: status(dead) == status(live) == "ONLINE", 15,
                    0.2), (status(dead), status(live), w.log_tail())
    t_online = time.monotonic() - t1
    assert set(names(w.client, vip, 4)) == {"backend 8", "backend 9"}

    w.stop_backend(8)
    t1 = time.monotonic()
    assert wait_for(lambda: status(dead) == "ERROR", 15, 0.2), (
        status(dead), w.log_tail(), w.agent_logs())
    t_error = time.monotonic() - t1
    assert status(live) == "ONLINE"
    lbv = w.lb_status(lb["id"])
    assert lbv["operating_status"] == "DEGRADED", lbv
    # every request is served, by the live member only
    assert set(names(w.client, vip, 12)) == {"backend 9"}
    e2e_timing("ACTIVE %.2fs, first response %.2fs, ONLINE after %.1fs, "
               "ERROR %.1fs after the member died" % (t_act, t_traffic,
                                                      t_online, t_error))


def test_l7_policies(lbs, e2e_timing):
    w = lbs
    pools = [{"name": "p%d" % n, "protocol": "HTTP",
              "lb_algorithm": "ROUND_ROBIN", "members": [member(w, n)]}
             for n in (1, 2, 3, 5)]
    lb, t_act, t0 = w.create_lb({
        "listeners": [{"protocol": "HTTP", "protocol_port": 80,
                       "default_pool": {"name": "p1"}}],
        "pools": pools})
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    lst = w.listener(lb["id"])
    tree = w.lb_tree(lb["id"])

    def policy(rules, **kw):
        body = dict(kw, listener_id=lst["id"])
        pol = w.update(lb["id"], "POST", "/v2/lbaas/l7policies",
                       {"l7policy": body})["l7policy"]
        for r in rules:
            w.update(lb["id"], "POST", "/v2/lbaas/l7policies/%s/rules" %
                     pol["id"], {"rule": r})
        return pol

    policy([{"type": "PATH", "compare_type": "STARTS_WITH",
             "value": "/api"}], action="REDIRECT_TO_POOL",
           redirect_pool_id=tree["p2"]["id"])
    policy([{"type": "HEADER", "compare_type": "EQUAL_TO",
             "key": "X-Route", "value": "three"}],
           action="REDIRECT_TO_POOL", redirect_pool_id=tree["p3"]["id"])
    policy([{"type": "HOST_NAME", "compare_type": "EQUAL_TO",
             "value": "five.example.test"}],
           action="REDIRECT_TO_POOL", redirect_pool_id=tree["p5"]["id"])
    policy([{"type": "PATH", "compare_type": "STARTS_WITH",
             "value": "/old"}], action="REDIRECT_TO_URL",
           redirect_url="http://www.example.test/new",
           redirect_http_code=302)
    policy([{"type": "PATH", "compare_type": "STARTS_WITH",
             "value": "/forbidden"}], action="REJECT")

    def one(path="/", headers=None):
        return get(w.client, vip, path, headers=headers)

    assert one("/")[0::2] == (200, "backend 1\n")
    assert one("/apis/x")[0::2] == (200, "backend 2\n")
    assert one("/api")[0::2] == (200, "backend 2\n")
    assert one("/x/api")[0::2] == (200, "backend 1\n")
    assert one("/", {"X-Route": "three"})[0::2] == (200, "backend 3\n")
    assert one("/", {"X-Route": "four"})[0::2] == (200, "backend 1\n")
    assert one("/", {"Host": "five.example.test"})[0::2] == \
        (200, "backend 5\n")
    assert one("/", {"Host": "six.example.test"})[0::2] == \
        (200, "backend 1\n")
    st, hdrs, _ = one("/old/page")
    assert st == 302 and hdrs["location"] == "http://www.example.test/new", \
        (st, hdrs)
    st, _, body = one("/forbidden/x")
    assert st == 403, (st, body)
    e2e_timing("ACTIVE %.2fs, first response %.2fs" % (t_act, t_traffic))


def _cert(d, cn):
    key, crt = d / (cn + ".key"), d / (cn + ".crt")
    run(OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
        "-days", "2", "-subj", "/CN=" + cn, "-addext",
        "subjectAltName=DNS:" + cn)
    return key, crt


def test_terminated_https_and_sni(lbs, e2e_timing):
    w = lbs
    d = w.tmp / "tls"
    d.mkdir(exist_ok=True)
    refs, ders = {}, {}
    for cn in ("www.example.test", "other.example.test"):
        key, crt = _cert(d, cn)
        out = w.manage("secret", "create", "--cert", crt, "--key", key,
                       "--name", cn).stdout.strip()
        ref = next(wd for wd in out.split() if "://" in wd)
        refs[cn] = ref
        ders[cn] = ssl.PEM_cert_to_DER_cert(crt.read_text())
    lb, t_act, t0 = http_lb(w, [member(w, 1)], listener_extra={
        "protocol": "TERMINATED_HTTPS", "protocol_port": 443,
        "default_tls_container_ref": refs["www.example.test"],
        "sni_container_refs": [refs["www.example.test"],
                               refs["other.example.test"]],
        "insert_headers": {"X-Forwarded-Proto": "true"}})
    vip = lb["vip_address"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    def served(sni):
        s = ns_connect(w.client, vip, 443)
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            return t.getpeercert(binary_form=True)

    def ok():
        try:
            return served("www.example.test") is not None
        except OSError:
            return False
    assert wait_for(ok, 10), w.agent_logs()
    t_traffic = time.monotonic() - t0
    assert served("www.example.test") == ders["www.example.test"]
    assert served("other.example.test") == ders["other.example.test"]
    assert served(None) == ders["www.example.test"]            # default
    assert served("unknown.example.test") == ders["www.example.test"]

    # curl checks the certificate against itself (not -k) by name
    for cn in ders:
        r = run(IP, "netns", "exec", w.client, CURL, "-sS", "--max-time",
                "5", "--cacert", d / (cn + ".crt"), "--resolve",
                "%s:443:%s" % (cn, vip), "https://%s/echo" % cn,
                check=False)
        assert r.returncode == 0, (cn, r.stderr)
        echo = json.loads(r.stdout)
        assert echo["name"] == "backend 1"
        assert echo["headers"].get("x-forwarded-proto") == "https", echo
    # the wrong name fails verification
    r = run(IP, "netns", "exec", w.client, CURL, "-sS", "--max-time", "5",
            "--cacert", d / "other.example.test.crt", "--resolve",
            "www.example.test:443:%s" % vip, "https://www.example.test/",
            check=False)
    assert r.returncode != 0
    # plain HTTP on the TLS port is not served
    with pytest.raises((OSError, http.client.HTTPException)):
        st = get(w.client, vip, port=443, timeout=3)[0]
        assert st == 400
        raise OSError("answered %d" % st)
    e2e_timing("ACTIVE %.2fs, first TLS handshake %.2fs" % (t_act,
                                                             t_traffic))


def test_proxy_protocol_pool(lbs, e2e_timing):
    w = lbs
    addr = w.backend(7, kind="proxy")
    lb, t_act, t0 = w.create_lb({
        "listeners": [{"protocol": "TCP", "protocol_port": 80,
                       "default_pool": {"name": "p1"}}],
        "pools": [{"name": "p1", "protocol": "PROXY",
                   "lb_algorithm": "ROUND_ROBIN",
                   "members": [{"address": addr, "protocol_port": 80,
                                "subnet_id": w.memsub}]}]})
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    s = ns_connect(w.client, vip, 80)
    try:
        sport = s.getsockname()[1]
        s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        end = time.monotonic() + 5
        while time.monotonic() < end:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    body = data.split(b"\r\n\r\n", 1)[-1].decode().strip()
    assert body == "PROXY TCP4 %s %s %d 80" % (CLIENT_IP, vip, sport), data
    e2e_timing("ACTIVE %.2fs, first response %.2fs" % (t_act, t_traffic))


def test_allowed_cidrs(lbs, e2e_timing):
    w = lbs
    lb, t_act, t0 = http_lb(w, [member(w, 1)], listener_extra={
        "allowed_cidrs": ["203.0.113.48/29"],
        "insert_headers": {"X-Forwarded-For": "true",
                           "X-Forwarded-Port": "true"}})
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    assert names(w.client, vip, 3) == ["backend 1"] * 3
    echo = json.loads(get(w.client, vip, "/echo")[2])
    assert echo["headers"].get("x-forwarded-for") == CLIENT_IP, echo
    assert echo["headers"].get("x-forwarded-port") == "80", echo
    for _ in range(3):
        with pytest.raises((OSError, http.client.HTTPException)):
            st = get(w.outsider, vip, timeout=3)[0]
            raise AssertionError("outsider served: %d" % st)
    # the outsider does reach the VIP: the refusal is the listener's
    lst = w.listener(lb["id"])
    w.update(lb["id"], "PUT", "/v2/lbaas/listeners/" + lst["id"],
             {"listener": {"allowed_cidrs": ["203.0.113.48/29",
                                             "203.0.113.60/32"]}})
    assert names(w.outsider, vip, 2) == ["backend 1"] * 2
    echo = json.loads(get(w.outsider, vip, "/echo")[2])
    assert echo["headers"].get("x-forwarded-for") == OUTSIDER_IP, echo
    e2e_timing("ACTIVE %.2fs, first response %.2fs" % (t_act, t_traffic))


def test_connection_limit(lbs, e2e_timing):
    """Listener connection_limit is the frontend's maxconn: HAProxy
    accepts that many connections and then stops accepting; further
    connections wait in the kernel's accept queue (the TCP handshake
    completes) without an answer until a slot is free."""
    w = lbs
    lb, t_act, t0 = http_lb(w, [member(w, 1)],
                            listener_extra={"connection_limit": 2})
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    hold = 2.0
    held = []
    try:
        for _ in range(2):
            s = ns_connect(w.client, vip, 80)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")   # not finished
            held.append(s)
        time.sleep(0.3)
        third = ns_connect(w.client, vip, 80, timeout=hold)
        held.append(third)
        third.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        t1 = time.monotonic()
        with pytest.raises(socket.timeout):
            data = third.recv(4096)
            raise AssertionError("third connection answered: %r" % data)
        assert time.monotonic() - t1 >= hold - 0.1
        # a slot frees: the queued connection is served at once
        held.pop(0).close()
        third.settimeout(5)
        t1 = time.monotonic()
        data = b""
        while True:
            chunk = third.recv(4096)
            if not chunk:
                break
            data += chunk
        waited = time.monotonic() - t1
        assert data.startswith(b"HTTP/1.0 200") or \
            data.startswith(b"HTTP/1.1 200"), data
        assert data.endswith(b"backend 1\n"), data
        assert waited < 2, waited
    finally:
        for s in held:
            s.close()
    e2e_timing("ACTIVE %.2fs, first response %.2fs" % (t_act, t_traffic))


def test_no_failed_requests_during_50_updates(lbs, e2e_timing):
    w = lbs
    lb, t_act, t0 = http_lb(w, [member(w, 1), member(w, 2)])
    vip = lb["vip_address"]
    t_traffic = w.first_response(vip, t0)
    pool = w.lb_tree(lb["id"])["p1"]
    m1 = pool["members"][w.backend(1)]["id"]
    lst = w.listener(lb["id"])

    stop = threading.Event()
    results = {"ok": 0, "failed": []}

    def loop():
        end = time.monotonic() + 150          # bounded on its own
        while not stop.is_set() and time.monotonic() < end:
            try:
                st, _, body = get(w.client, vip, timeout=5)
                if st == 200 and body.startswith("backend "):
                    results["ok"] += 1
                else:
                    results["failed"].append((time.monotonic(), st, body))
            except (OSError, http.client.HTTPException) as e:
                results["failed"].append((time.monotonic(), "exc", repr(e)))

    th = threading.Thread(target=loop, daemon=True)
    th.start()
    t1 = time.monotonic()
    try:
        for i in range(50):
            if i % 2 == 0:
                w.update(lb["id"], "PUT", "/v2/lbaas/pools/%s/members/%s" %
                         (pool["id"], m1), {"member": {"weight": 1 + i % 7}})
            else:
                w.update(lb["id"], "PUT", "/v2/lbaas/listeners/" +
                         lst["id"], {"listener": {
                             "timeout_client_data": 50000 + i}})
            assert th.is_alive()
    finally:
        stop.set()
        th.join(10)
    t_updates = time.monotonic() - t1
    assert not th.is_alive()
    assert results["failed"] == [], results["failed"][:5]
    assert results["ok"] >= 50, results
    e2e_timing("ACTIVE %.2fs, first response %.2fs; 50 updates %.1fs, %d "
               "requests, 0 failed" % (t_act, t_traffic, t_updates,
                                       results["ok"]))


def neigh_mac(ns, address):
    out = json.loads(ip("-n", ns, "-j", "neigh", "show", address).stdout
                     or "[]")
    return out[0].get("lladdr") if out else None


def vip_mac(world, lb_id):
    amp = world.amphorae(lb_id)[0]
    out = json.loads(ip("-n", "octa-amp-" + hex8(amp["id"]), "-j", "link",
                        "show", "dev", "eth1").stdout)
    return out[0]["address"]


def test_reused_vip_reaches_the_new_amphora(lbs, e2e_timing):
    """The next load balancer usually gets the VIP the previous one had
    (lowest free address), on an amphora with another MAC: the agent's
    gratuitous ARP updates the client's cache at once, and the bridges
    never answer ARP for the host's own addresses (arp_ignore)."""
    w = lbs
    for br in (w.vipnet["bridge"], w.memnet["bridge"]):
        with open("/proc/sys/net/ipv4/conf/%s/arp_ignore" % br) as f:
            assert f.read().strip() == "1", br
    lb1, _, t0 = http_lb(w, [member(w, 1)])
    vip = lb1["vip_address"]
    w.first_response(vip, t0)
    old = vip_mac(w, lb1["id"])
    assert neigh_mac(w.client, vip) == old
    assert w.delete_lb(lb1["id"]) == []
    lb2, t_act, t0 = http_lb(w, [member(w, 2)])
    if lb2["vip_address"] != vip:
        pytest.skip("the VIP was not reused (%s, then %s)" % (
            vip, lb2["vip_address"]))
    new = vip_mac(w, lb2["id"])
    assert new != old
    # announced before anyone asked: the cached entry follows
    assert neigh_mac(w.client, vip) == new
    t_traffic = w.first_response(vip, t0, timeout=3)
    assert names(w.client, vip, 2) == ["backend 2"] * 2
    # asked afresh, only the amphora answers
    ip("-n", w.client, "neigh", "flush", "dev", "eth0")
    assert names(w.client, vip, 2) == ["backend 2"] * 2
    assert neigh_mac(w.client, vip) == new
    e2e_timing("second LB on the same VIP: ACTIVE %.2fs, first response "
               "%.2fs" % (t_act, t_traffic))


def test_delete_removes_everything(world, e2e_timing):
    w = world
    lb, t_act, t0 = http_lb(w, [member(w, 1)])
    t_traffic = w.first_response(lb["vip_address"], t0)
    amps = w.amphorae(lb["id"])
    assert len(amps) == 1
    amp = amps[0]["id"]
    ns = "octa-amp-" + hex8(amp)
    assert netns_exists(ns)
    pids = ns_pids(ns)
    kinds = {p: comm(p) for p in pids}
    assert "octa-agent" in kinds.values() and "haproxy" in kinds.values(), \
        kinds
    veths = [n for n in link_names() if n.startswith("oa" + hex8(amp))]
    assert sorted(v[-1] for v in veths if v[-1] in "mv") == ["m", "v"], \
        veths
    assert any("n" in v[10:] for v in veths), veths    # member network
    assert os.path.isdir("/run/octa/" + amp)
    inside = sorted(x["ifname"] for x in json.loads(
        ip("-n", ns, "-j", "link", "show").stdout))
    assert inside == ["eth0", "eth1", "eth2", "lo"], inside
    ports_before = {n: int(w.show(n)["ports"])
                    for n in (w.vipnet["name"], w.memnet["name"],
                              "lb-mgmt-net")}
    assert all(v > 0 for v in ports_before.values()), ports_before

    t1 = time.monotonic()
    w.ok("DELETE", "/v2/lbaas/loadbalancers/%s?cascade=true" % lb["id"],
         want=(204,))
    assert w.wait_gone(lb["id"]), w.log_tail()
    t_del = time.monotonic() - t1
    assert wait_for(lambda: not netns_exists(ns), 10)
    assert [p for p in pids if alive(p)] == [], kinds
    assert [n for n in link_names() if n.startswith("oa" + hex8(amp))] == []
    assert not os.path.exists("/run/octa/" + amp)
    assert not (w.state / "amphorae" / amp).exists()
    assert ns not in ip("netns", "list").stdout
    for n in ports_before:
        assert w.show(n)["ports"] == "0", (n, w.show(n))
    e2e_timing("ACTIVE %.2fs, first response %.2fs, delete %.2fs" % (
        t_act, t_traffic, t_del))
