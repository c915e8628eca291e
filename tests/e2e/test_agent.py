"""test_agent.py - octa-agent on a real kernel with real HAProxy and
keepalived, driven over mutual TLS the way a controller drives an amphora
(contract section 4), with real traffic through the load balancer.

The world, made once for the module (the `world` fixture):

  host namespace                 namespace octa-test-agent-<rand>
  oat<rand>m 192.0.2.M1/28 <-veth-> eth0 192.0.2.M2/28: octa-agent :9443
  oat<rand>v 192.0.2.V1/28 <-veth-> vtmp (MAC 02:..:01) -> eth1 (plug/vip)
  oat<rand>n (no address)  <-veth-> ntmp (MAC 02:..:02) -> eth2 (plug/network)
                                    lo: the pool's only member, a python
                                        http.server on 127.0.0.1:8081

Addresses are /28 blocks of 192.0.2.0/24 (TEST-NET-1) that no interface of
the host uses yet; they live only on these veths.  Certificates come from
/usr/bin/openssl: an amphora CA issues the agent's certificate (CN and DNS
SAN = the amphora id; the client checks that name, as the controller
does), a controller CA issues the client certificate the agent requires.
Heartbeats come to a UDP socket bound on the host end of eth0 and are
checked with a re-implementation of the receiver (HMAC-SHA256 hex, zlib).

The tests run in file order and build on each other (upload, start,
reload, plug, heartbeats, certificates, VRRP, stop, delete).  Cleanup (the
fixture's finally) stops the load balancers through the agent, then kills
by PID the processes it started and every process left in its namespace
(HAProxy, keepalived), deletes the namespace and the veths and the
temporary directory, also when a test failed.  Every wait is bounded.

Needs root, iproute2, openssl, haproxy and build/octa-agent.  Run:

    /usr/bin/python3 -m pytest -q tests/e2e/test_agent.py
"""

import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("OCTA_BUILD", ROOT / "build"))
AGENT = BUILD / "octa-agent"
IP = next((p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")
           if os.access(p, os.X_OK)), None)
OPENSSL = "/usr/bin/openssl"
HAPROXY = "/usr/sbin/haproxy"
KEEPALIVED = "/usr/sbin/keepalived"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
AGENT_PORT = 9443
FRONT_PORT = 8000
MEMBER_PORT = 8081
HB_KEY = "agent-e2e-key"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
    pytest.mark.skipif(IP is None, reason="needs iproute2"),
    pytest.mark.skipif(not os.access(OPENSSL, os.X_OK),
                       reason="needs /usr/bin/openssl"),
    pytest.mark.skipif(not os.access(HAPROXY, os.X_OK),
                       reason="needs haproxy"),
]

# A member that says who answered; HTTP/1.0, one connection per request.
MEMBER = r'''
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"member-ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer.request_queue_size = 128
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H) \
    .serve_forever()
'''


def run(*args, check=True, timeout=60):
    r = subprocess.run([str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("%s: %s%s" % (" ".join(map(str, args)),
                                           r.stdout, r.stderr))
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


def free_blocks(n):
    """n /28 blocks of 192.0.2.0/24 that no host interface uses."""
    used = ip("-4", "-o", "addr", "show").stdout
    free = [b for b in range(16)
            if not any((" 192.0.2.%d/" % (b * 16 + k)) in used
                       for k in range(16))]
    if len(free) < n:
        pytest.skip("192.0.2.0/24 is busy on this host")
    random.shuffle(free)
    return ["192.0.2.%d" % (b * 16) for b in free[:n]]


def plus(net, k):
    a, b, c, d = net.split(".")
    return "%s.%s.%s.%d" % (a, b, c, int(d) + k)


# ---- certificates ----

def make_ca(d, name):
    key, crt = d / (name + ".key"), d / (name + ".pem")
    run(OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
        "-days", "2", "-subj", "/CN=octa-test-" + name)
    return key, crt


def issue(d, name, ca, cn, ext):
    key, csr, crt = (d / (name + ".key"), d / (name + ".csr"),
                     d / (name + ".crt"))
    extf = d / (name + ".ext")
    extf.write_text(ext)
    run(OPENSSL, "req", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
        "-subj", "/CN=" + cn)
    run(OPENSSL, "x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0],
        "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", extf)
    pem = d / (name + ".pem")
    pem.write_text(crt.read_text() + key.read_text())
    pem.chmod(0o600)
    return pem


# ---- the agent's client ----

class AgentConn(http.client.HTTPSConnection):
    """HTTPS to the agent's address, the certificate checked against the
    amphora id, as the controller does (curl's CONNECT_TO in octa)."""

    def __init__(self, addr, amp_id, ctx, timeout=60):
        super().__init__(amp_id, AGENT_PORT, context=ctx, timeout=timeout)
        self._addr = addr

    def connect(self):
        sock = socket.create_connection((self._addr, self.port),
                                        self.timeout)
        self.sock = self._context.wrap_socket(sock,
                                              server_hostname=self.host)


class World:
    def __init__(self):
        self.tag = uuid.uuid4().hex[:5]
        self.ns = "octa-test-agent-" + self.tag
        self.tmp = Path(tempfile.mkdtemp(prefix="octa-agt-", dir="/tmp"))
        self.base = self.tmp / "base"
        self.amp = str(uuid.uuid4())
        self.lb = str(uuid.uuid4())
        self.listener = str(uuid.uuid4())
        self.pool = str(uuid.uuid4())
        self.member = str(uuid.uuid4())
        self.links = []
        self.procs = []
        self.agent = None
        self.ns_made = False
        self.hb = None
        self.version = 0

    # -- setup --

    def make_net(self):
        mgmt, vip, member = free_blocks(3)
        self.host_m, self.amp_m = plus(mgmt, 1), plus(mgmt, 2)
        self.host_v, self.vrrp_ip, self.vip = (plus(vip, 1), plus(vip, 2),
                                               plus(vip, 6))
        self.vip_cidr = vip + "/28"
        self.member_ip, self.member_cidr = plus(member, 2), member + "/28"
        self.mac_v = "02:00:%s:%s:%s:01" % (self.tag[0:2], self.tag[2:4],
                                          "0" + self.tag[4])
        self.mac_n = self.mac_v[:-2] + "02"
        ip("netns", "add", self.ns)
        self.ns_made = True
        ip("-n", self.ns, "link", "set", "dev", "lo", "up")
        for suffix, inner, mac, host_addr in (
                ("m", "eth0", None, self.host_m + "/28"),
                ("v", "vtmp", self.mac_v, self.host_v + "/28"),
                ("n", "ntmp", self.mac_n, None)):
            host = "oat%s%s" % (self.tag, suffix)
            self.links.append(host)
            ip("link", "add", "name", host, "type", "veth", "peer", "name",
               inner, "netns", self.ns)
            if mac:
                ip("-n", self.ns, "link", "set", "dev", inner, "address",
                   mac)
            if host_addr:
                ip("addr", "add", host_addr, "dev", host)
            ip("link", "set", "dev", host, "up")
        ip("-n", self.ns, "addr", "add", self.amp_m + "/28", "dev", "eth0")
        ip("-n", self.ns, "link", "set", "dev", "eth0", "up")

    def make_certs(self):
        d = self.tmp / "certs"
        d.mkdir()
        self.server_ca = make_ca(d, "server_ca")
        self.client_ca = make_ca(d, "client_ca")
        self.other_ca = make_ca(d, "other_ca")
        srv_ext = ("subjectAltName=DNS:%s\n"
                   "extendedKeyUsage=serverAuth,clientAuth\n" % self.amp)
        self.server_pem = issue(d, "server", self.server_ca, self.amp,
                                srv_ext)
        self.new_server_pem = issue(d, "server2", self.server_ca, self.amp,
                                    srv_ext)
        cli_ext = "extendedKeyUsage=clientAuth\n"
        self.client_pem = issue(d, "client", self.client_ca, "controller",
                                cli_ext)
        self.stranger_pem = issue(d, "stranger", self.other_ca,
                                  "controller", cli_ext)
        self.agent_cert = self.tmp / "agent-server.pem"
        shutil.copy(self.server_pem, self.agent_cert)
        self.agent_cert.chmod(0o600)

    def conf_text(self, key=HB_KEY, interval=1):
        return (
            "[DEFAULT]\ndebug = false\n"
            "[amphora_agent]\n"
            "amphora_id = %s\nagent_server_ca = %s\n"
            "agent_server_cert = %s\nagent_request_read_timeout = 30\n"
            "[haproxy_amphora]\nbase_path = %s\nbind_host = %s\n"
            "bind_port = %d\nhaproxy_cmd = %s\n"
            "[health_manager]\ncontroller_ip_port_list = %s:%d\n"
            "heartbeat_interval = %d\nheartbeat_key = %s\n"
            "[controller_worker]\nloadbalancer_topology = SINGLE\n"
            % (self.amp, self.client_ca[1], self.agent_cert, self.base,
               self.amp_m, AGENT_PORT, HAPROXY, self.host_m, self.hb_port,
               interval, key))

    def start_hb_socket(self):
        self.hb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.hb.bind((self.host_m, 0))
        self.hb_port = self.hb.getsockname()[1]

    def start_member(self):
        log = open(self.tmp / "member.log", "ab")
        p = subprocess.Popen([IP, "netns", "exec", self.ns, PYTHON, "-c",
                              MEMBER, str(MEMBER_PORT)], stdout=log,
                             stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(p)

    def start_agent(self):
        self.conf = self.tmp / "agent.conf"
        if not self.conf.exists():
            self.conf.write_text(self.conf_text())
        log = open(self.tmp / "agent.log", "ab")
        self.agent = subprocess.Popen(
            [IP, "netns", "exec", self.ns, str(AGENT), "--config-file",
             str(self.conf)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(self.agent)
        ok = wait_for(lambda: self.try_call("GET", "/") == 200, 15, 0.1)
        assert ok, "octa-agent did not answer:\n" + self.agent_log()

    def stop_agent(self):
        self.agent.send_signal(signal.SIGTERM)
        self.agent.wait(timeout=15)

    def agent_log(self):
        p = self.tmp / "agent.log"
        return p.read_text(errors="replace")[-6000:] if p.exists() else ""

    # -- talking to the agent --

    def ctx(self, client=None):
        c = ssl.create_default_context(cafile=str(self.server_ca[1]))
        if client is not None:
            c.load_cert_chain(str(client))
        return c

    def call(self, method, path, body=None, client="default", timeout=60):
        """(status, headers, parsed JSON or text)."""
        if client == "default":
            client = self.client_pem
        conn = AgentConn(self.amp_m, self.amp, self.ctx(client), timeout)
        try:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                hdrs = {"Content-Type": "application/json"}
            else:
                data = body.encode() if isinstance(body, str) else body
                hdrs = {"Content-Type": "application/octet-stream"}
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            raw = r.read()
            ctype = r.getheader("Content-Type", "")
            out = json.loads(raw) if "json" in ctype else raw.decode()
            return r.status, r, out
        finally:
            conn.close()

    def try_call(self, method, path):
        try:
            return self.call(method, path, timeout=2)[0]
        except (OSError, ssl.SSLError, http.client.HTTPException):
            return 0

    # -- HAProxy configurations --

    def haproxy_cfg(self, version, bind=None, extra=""):
        binds = bind or [self.amp_m]
        return (
            "# Configuration for loadbalancer %(lb)s\n"
            "global\n"
            "    user nobody\n"
            "    group nogroup\n"
            "    stats socket %(base)s/%(lb)s.sock mode 0666 level user "
            "expose-fd listeners\n"
            "    server-state-file %(base)s/%(lb)s/servers-state\n"
            "    maxconn 5000\n\n"
            "defaults\n"
            "    log global\n"
            "    retries 3\n"
            "    option redispatch\n"
            "    timeout connect 5s\n"
            "    timeout client 50s\n"
            "    timeout server 50s\n\n"
            "frontend %(li)s\n"
            "    maxconn 5000\n"
            "%(binds)s"
            "    mode http\n"
            "    http-response set-header X-Config-Version %(v)d\n"
            "%(extra)s"
            "    default_backend %(pool)s:%(li)s\n\n"
            "backend %(pool)s:%(li)s\n"
            "    mode http\n"
            "    balance roundrobin\n"
            "    load-server-state-from-file global\n"
            "    server %(m)s 127.0.0.1:%(mp)d weight 1 check inter 1s "
            "fall 3 rise 1\n"
            % {"lb": self.lb, "base": self.base, "li": self.listener,
               "pool": self.pool, "m": self.member, "mp": MEMBER_PORT,
               "v": version, "extra": extra,
               "binds": "".join("    bind %s:%d\n" % (b, FRONT_PORT)
                                for b in binds)})

    def upload(self, text):
        return self.call("PUT", "/1.0/loadbalancer/%s/%s/haproxy" %
                         (self.amp, self.lb), text)

    def action(self, what, lb=None):
        return self.call("PUT", "/1.0/loadbalancer/%s/%s" %
                         (lb or self.lb, what))

    def deploy(self, bind=None):
        self.version += 1
        st, _, body = self.upload(self.haproxy_cfg(self.version, bind))
        assert st == 202, body
        st, _, body = self.action("reload")
        assert st == 202, body
        return self.version

    # -- traffic --

    def get(self, addr, timeout=5):
        """(status, X-Config-Version) of GET / through the frontend."""
        conn = http.client.HTTPConnection(addr, FRONT_PORT, timeout=timeout)
        try:
            conn.request("GET", "/", headers={"Connection": "close"})
            r = conn.getresponse()
            r.read()
            return r.status, r.getheader("X-Config-Version")
        finally:
            conn.close()

    def haproxy_pid(self):
        p = self.base / self.lb / (self.lb + ".pid")
        try:
            return int(p.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    # -- heartbeats --

    def heartbeats(self, n, timeout, key=HB_KEY):
        """Up to n verified heartbeat messages; bad MACs are counted."""
        msgs, bad = [], 0
        end = time.monotonic() + timeout
        while len(msgs) < n and time.monotonic() < end:
            self.hb.settimeout(max(0.05, end - time.monotonic()))
            try:
                pkt, _ = self.hb.recvfrom(65536)
            except socket.timeout:
                break
            body, mac = pkt[:-64], pkt[-64:]
            want = hmac.new(key.encode(), body,
                            hashlib.sha256).hexdigest().encode()
            if not hmac.compare_digest(want, mac):
                bad += 1
                continue
            msgs.append(json.loads(zlib.decompress(body)))
        return msgs, bad

    def drain_heartbeats(self):
        self.hb.setblocking(False)
        try:
            while True:
                self.hb.recvfrom(65536)
        except (BlockingIOError, OSError):
            pass
        self.hb.setblocking(True)

    # -- cleanup --

    def cleanup(self):
        if self.agent is not None and self.agent.poll() is None:
            for path in ("/1.0/listeners/" + self.lb, "/1.0/vrrp/stop"):
                try:
                    self.call("DELETE" if "listeners" in path else "PUT",
                              path, timeout=20)
                except Exception:
                    pass
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=10)
        if self.ns_made:
            # HAProxy and keepalived daemonise: whatever is left in our
            # namespace was started for this test.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                r = ip("netns", "pids", self.ns, check=False)
                pids = [int(x) for x in r.stdout.split()]
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
                wait_for(lambda: not any(alive(p) for p in pids), 5)
            ip("netns", "del", self.ns, check=False)
        for link in self.links:
            ip("link", "del", "dev", link, check=False)
        if self.hb is not None:
            self.hb.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def world():
    if not AGENT.exists():
        pytest.fail("octa-agent not found at %s (ninja -C build, or set "
                    "OCTA_BUILD)" % AGENT)
    w = World()
    try:
        w.make_net()
        w.make_certs()
        w.start_hb_socket()
        w.start_member()
        w.start_agent()
        yield w
    finally:
        w.cleanup()
        assert not os.path.exists("/run/netns/" + w.ns)


# ---- the API surface ----

def test_version_info_details(world):
    st, _, body = world.call("GET", "/")
    assert (st, body) == (200, {"api_version": "1.0"})

    st, _, info = world.call("GET", "/1.0/info")
    assert st == 200
    assert info["api_version"] == "1.0"
    assert info["hostname"] == socket.gethostname()
    # the package version, as dpkg reports it ("2.6.12-1+deb12u4")
    ver = run(HAPROXY, "-v").stdout.split()[2]
    assert info["haproxy_version"] == ver
    assert info["haproxy_version"].split(".")[:2] == ver.split(".")[:2]
    assert "keepalived_version" in info and "ipvsadm_version" in info

    st, _, d = world.call("GET", "/1.0/details")
    assert st == 200
    for k in ("hostname", "haproxy_version", "api_version", "networks",
              "active", "haproxy_count", "cpu", "cpu_count", "memory",
              "disk", "load", "active_tuned_profiles", "topology",
              "topology_status", "listeners", "packages",
              "lvs_listener_process_count", "keepalived_version",
              "ipvsadm_version"):
        assert k in d, k
    assert d["active"] is True and d["topology"] == "SINGLE"
    assert d["topology_status"] == "OK" and d["haproxy_count"] == 0
    assert d["listeners"] == [] and d["packages"] == {}
    # /proc/net/dev of the amphora's namespace: eth0 only
    assert set(d["networks"]) == {"eth0"}
    assert d["networks"]["eth0"]["network_rx"] > 0
    assert isinstance(d["cpu"]["total"], int)
    assert isinstance(d["cpu"]["user"], str)
    assert d["memory"]["total"] > d["memory"]["free"] > 0
    assert d["disk"]["available"] > 0 and len(d["load"]) == 3

    st, _, lst = world.call("GET", "/1.0/listeners")
    assert (st, lst) == (200, [])


def test_framework_errors(world):
    st, _, body = world.call("GET", "/1.0/nothing")
    assert st == 404
    assert body == {"error": "404 Not Found: The requested URL was not "
                    "found on the server. If you entered the URL manually "
                    "please check your spelling and try again.",
                    "http_code": 404}
    st, _, body = world.call("POST", "/1.0/info")
    assert st == 405 and body["http_code"] == 405
    st, _, body = world.call("GET", "/1.0/info/")
    assert st == 404
    st, _, body = world.call("POST", "/1.0/plug/vip/" + world.vip, "{bad")
    assert (st, body) == (400, {"error": "400 Bad Request: Invalid subnet "
                                "information", "http_code": 400})
    st, _, body = world.call("POST", "/1.0/plug/network", [1, 2])
    assert (st, body) == (400, {"error": "400 Bad Request: Invalid port "
                                "information", "http_code": 400})


def test_client_without_certificate_is_refused(world):
    for client in (None, world.stranger_pem):
        with pytest.raises((ssl.SSLError, ConnectionResetError,
                            BrokenPipeError, http.client.HTTPException)):
            world.call("GET", "/1.0/info", client=client, timeout=5)
    # plain HTTP gets no answer either
    conn = http.client.HTTPConnection(world.amp_m, AGENT_PORT, timeout=5)
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/")
        conn.getresponse().read()
    conn.close()
    # the agent is still fine
    assert world.call("GET", "/")[0] == 200


# ---- HAProxy ----

def test_upload_start_and_traffic(world):
    text = world.haproxy_cfg(1)
    world.version = 1
    st, resp, body = world.upload(text)
    assert (st, body) == (202, {"message": "OK"})
    assert resp.getheader("ETag") == hashlib.md5(text.encode()).hexdigest()
    # uploading does not start anything
    assert world.haproxy_pid() is None

    st, resp, cfg = world.call("GET", "/1.0/loadbalancer/%s/haproxy"
                               % world.lb)
    assert st == 200 and "group" not in cfg  # the agent picks the group
    assert cfg == text.replace("    group nogroup\n", "")
    assert resp.getheader("ETag") == hashlib.md5(cfg.encode()).hexdigest()
    mode = (world.base / world.lb / "haproxy.cfg").stat().st_mode & 0o777
    assert mode == 0o600

    st, _, body = world.action("start")
    assert st == 202, body
    assert body == {"message": "OK", "details": "Configuration file is "
                    "valid\nhaproxy daemon for %s started" % world.lb}
    pid = world.haproxy_pid()
    assert pid and alive(pid)

    assert wait_for(lambda: world.get(world.amp_m) == (200, "1"), 10)
    for _ in range(5):
        assert world.get(world.amp_m) == (200, "1")

    st, _, lst = world.call("GET", "/1.0/listeners")
    assert lst == [{"status": "ACTIVE", "uuid": world.listener,
                    "type": "HTTP"}]
    st, _, d = world.call("GET", "/1.0/details")
    assert d["haproxy_count"] == 1 and d["listeners"] == [world.listener]
    # start of a running HAProxy changes nothing
    assert world.action("START")[0] == 202
    assert world.haproxy_pid() == pid


def test_unknown_lb_and_action(world):
    other = str(uuid.uuid4())
    st, _, body = world.action("reload", lb=other)
    assert (st, body) == (404, {"message": "Loadbalancer Not Found",
                                "details": "No loadbalancer with UUID: "
                                + other})
    st, _, body = world.call("GET", "/1.0/loadbalancer/%s/haproxy" % other)
    assert st == 404 and body["message"] == "Loadbalancer Not Found"
    st, _, body = world.action("restart")
    assert (st, body) == (400, {"message": "Invalid Request",
                                "details": "Unknown action: restart"})
    # a name that would leave the base directory is never a file name
    st, _, body = world.call("PUT", "/1.0/loadbalancer/%s/..%%2F..%%2Fx/"
                             "haproxy" % world.amp, "global\n")
    assert st == 404
    st, _, body = world.call("PUT", "/1.0/loadbalancer/%s/x.y/haproxy"
                             % world.amp, "global\n")
    assert st == 400


def test_broken_config_is_refused_and_old_one_serves(world):
    before = world.call("GET", "/1.0/loadbalancer/%s/haproxy" % world.lb)[2]
    pid = world.haproxy_pid()
    bad = world.haproxy_cfg(99).replace("balance roundrobin",
                                        "balance no-such-algorithm")
    st, _, body = world.upload(bad)
    assert st == 400, body
    assert body["message"] == "Invalid request"
    assert "balance only supports" in body["details"]   # HAProxy's words
    assert "ALERT" in body["details"]
    failed = world.base / world.lb / "haproxy.cfg.new-failed"
    assert "no-such-algorithm" in failed.read_text()
    # the running configuration and process are untouched
    assert world.call("GET", "/1.0/loadbalancer/%s/haproxy"
                      % world.lb)[2] == before
    assert world.haproxy_pid() == pid
    for _ in range(5):
        assert world.get(world.amp_m) == (200, str(world.version))
    # and a reload still reloads the good one
    assert world.action("reload")[0] == 202
    assert world.get(world.amp_m) == (200, str(world.version))


def test_reloads_under_load_lose_nothing(world):
    stop = threading.Event()
    results = {"ok": 0, "fail": [], "versions": set()}

    def loop():
        end = time.monotonic() + 120      # bounded even if stop is lost
        while not stop.is_set() and time.monotonic() < end:
            try:
                st, v = world.get(world.amp_m)
                if st == 200:
                    results["ok"] += 1
                    results["versions"].add(v)
                else:
                    results["fail"].append("status %d" % st)
            except Exception as e:          # a refused or reset request
                results["fail"].append(repr(e))

    threads = [threading.Thread(target=loop) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        master = world.haproxy_pid()
        for _ in range(20):
            v = world.deploy()
            assert wait_for(lambda: world.get(world.amp_m)[1] == str(v), 5)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert results["fail"] == [], results["fail"][:5]
    assert results["ok"] > 100, results
    assert len(results["versions"]) >= 10
    # master-worker: the master stays, its workers change
    assert world.haproxy_pid() == master
    state = world.base / world.lb / "servers-state"
    assert world.member in state.read_text()


def test_reload_that_cannot_bind_fails_and_old_workers_serve(world):
    # `haproxy -c` accepts it; binding an address the amphora does not
    # have fails only in the reload itself.
    v = world.version + 1
    text = world.haproxy_cfg(v, bind=[world.amp_m, "203.0.113.9"])
    st, _, body = world.upload(text)
    assert st == 202, body
    st, _, body = world.action("reload")
    assert st == 500, body
    assert body["message"] == "Error reloading haproxy"
    assert world.get(world.amp_m) == (200, str(world.version))
    # a good configuration recovers
    world.deploy()
    assert wait_for(lambda: world.get(world.amp_m) ==
                    (200, str(world.version)), 10)


def test_agent_restart_keeps_haproxy(world):
    pid = world.haproxy_pid()
    world.stop_agent()
    # the load balancer does not depend on its agent
    assert world.get(world.amp_m) == (200, str(world.version))
    world.start_agent()
    assert world.call("GET", "/1.0/details")[2]["haproxy_count"] == 1
    v = world.deploy()
    assert world.haproxy_pid() == pid
    assert wait_for(lambda: world.get(world.amp_m) == (200, str(v)), 10)


# ---- certificates ----

def test_certificates(world):
    pem = world.client_pem.read_text()
    md5 = hashlib.md5(pem.encode()).hexdigest()
    name = hashlib.sha1(pem.encode()).hexdigest() + ".pem"
    path = "/1.0/loadbalancer/%s/certificates/%s" % (world.lb, name)

    st, _, body = world.call("GET", path)
    assert (st, body) == (404, {"message": "Certificate Not Found",
                                "details": "No certificate with filename: "
                                + name})
    st, resp, body = world.call("PUT", path, pem)
    assert (st, body) == (200, {"message": "OK"})
    assert resp.getheader("ETag") == md5
    f = world.base / "certs" / world.lb / name
    assert f.read_text() == pem and f.stat().st_mode & 0o777 == 0o600
    st, resp, body = world.call("GET", path)
    assert (st, body) == (200, {"md5sum": md5})
    assert resp.getheader("ETag") == md5

    for bad in ("cert.txt", "x.PEM", ".hidden.pem", "a..pem"):
        st, _, body = world.call(
            "PUT", "/1.0/loadbalancer/%s/certificates/%s" % (world.lb, bad),
            pem)
        assert (st, body) == (400, {"message": "Filename has wrong format"})
    st, _, _ = world.call("PUT", "/1.0/loadbalancer/%s/certificates/"
                          "..%%2F..%%2Fescape.pem" % world.lb, pem)
    assert st == 404
    assert not (world.base / "escape.pem").exists()

    assert world.call("DELETE", path)[:3:2] == (200, {"message": "OK"})
    assert not f.exists()
    assert world.call("DELETE", path)[0] == 200
    assert world.call("GET", path)[0] == 404


def test_own_certificate_rotation(world):
    def served_cert():
        conn = AgentConn(world.amp_m, world.amp, world.ctx(world.client_pem))
        try:
            conn.connect()
            return conn.sock.getpeercert(binary_form=True)
        finally:
            conn.close()

    old = served_cert()
    st, _, body = world.call("PUT", "/1.0/certificate", "not a pem\n")
    assert st == 400, body
    assert served_cert() == old
    st, _, body = world.call("PUT", "/1.0/certificate",
                             world.new_server_pem.read_text())
    assert (st, body) == (202, {"message": "OK"})
    assert served_cert() != old
    assert world.agent_cert.read_text() == world.new_server_pem.read_text()
    assert world.call("GET", "/")[0] == 200


# ---- networks ----

def ns_link(world, name):
    r = ip("-n", world.ns, "-j", "-d", "link", "show", "dev", name,
           check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def ns_addrs(world, name):
    out = json.loads(ip("-n", world.ns, "-4", "-j", "addr", "show", "dev",
                        name).stdout)
    return {"%s/%d" % (a["local"], a["prefixlen"])
            for a in out[0].get("addr_info", [])}


def test_plug_vip(world):
    body = {"subnet_cidr": world.vip_cidr, "gateway": world.host_v,
            "mac_address": world.mac_v, "vrrp_ip": world.vrrp_ip,
            "host_routes": [], "additional_vips": [], "mtu": 1400}
    # validation first
    st, _, out = world.call("POST", "/1.0/plug/vip/300.1.2.3", body)
    assert st == 400 and out["message"].startswith("Invalid VIP: ")
    bad = dict(body, subnet_cidr=world.vip + "/28")     # host bits set
    st, _, out = world.call("POST", "/1.0/plug/vip/" + world.vip, bad)
    assert st == 400 and "has host bits set" in out["message"]
    bad = dict(body, vrrp_ip="nope")
    st, _, out = world.call("POST", "/1.0/plug/vip/" + world.vip, bad)
    assert st == 400 and out["message"].startswith("Invalid VRRP Address")
    bad = dict(body, mac_address="02:00:00:00:00:99")
    st, _, out = world.call("POST", "/1.0/plug/vip/" + world.vip, bad)
    assert (st, out) == (404, {"details":
                               "No suitable network interface found"})

    st, _, out = world.call("POST", "/1.0/plug/vip/" + world.vip, body)
    assert (st, out) == (202, {"message": "OK", "details": "VIPs plugged on "
                               "interface eth1: " + world.vip})
    link = ns_link(world, "eth1")
    assert link["address"] == world.mac_v and link["mtu"] == 1400
    assert "UP" in link["flags"] and ns_link(world, "vtmp") is None
    assert ns_addrs(world, "eth1") == {world.vip + "/32",
                                       world.vrrp_ip + "/28"}
    routes = ip("-n", world.ns, "route", "show", "default").stdout
    assert "via %s dev eth1" % world.host_v in routes
    rules = ip("-n", world.ns, "rule", "show").stdout
    assert "from %s lookup 1" % world.vip in rules
    table1 = ip("-n", world.ns, "route", "show", "table", "1").stdout
    assert "src " + world.vip in table1

    # plugged once: 409, and nothing changes
    st, _, out = world.call("POST", "/1.0/plug/vip/" + world.vip, body)
    assert (st, out) == (409, {"message": "Interface already exists"})

    st, _, out = world.call("GET", "/1.0/interface/" + world.vip)
    assert (st, out) == (200, {"message": "OK", "interface": "eth1"})
    st, _, out = world.call("GET", "/1.0/interface/" + world.amp_m)
    assert out["interface"] == "eth0"
    st, _, out = world.call("GET", "/1.0/interface/not-an-ip")
    assert (st, out) == (400, {"message": "Invalid IP address"})
    st, _, out = world.call("GET", "/1.0/interface/203.0.113.77")
    assert (st, out) == (404, {"message": "Error interface not found for "
                               "IP address"})

    # real traffic to the VIP from the host side of eth1
    v = world.deploy(bind=[world.amp_m, world.vip])
    assert wait_for(lambda: world.get(world.vip) == (200, str(v)), 10)
    for _ in range(5):
        assert world.get(world.vip) == (200, str(v))
    st, _, d = world.call("GET", "/1.0/details")
    assert set(d["networks"]) == {"eth0", "eth1"}
    assert d["networks"]["eth1"]["network_rx"] > 0


def test_plug_network(world):
    body = {"mac_address": world.mac_n, "mtu": 1450,
            "fixed_ips": [{"ip_address": world.member_ip,
                           "subnet_cidr": world.member_cidr,
                           "host_routes": []}]}
    st, _, out = world.call("POST", "/1.0/plug/network",
                            dict(body, fixed_ips=[{"ip_address": "x",
                                                   "subnet_cidr": "y"}]))
    assert (st, out) == (400, {"message": "Invalid network port"})
    st, _, out = world.call("POST", "/1.0/plug/network",
                            dict(body, mac_address="02:00:00:00:00:98"))
    assert st == 404

    st, _, out = world.call("POST", "/1.0/plug/network", body)
    assert (st, out) == (202, {"message": "OK",
                               "details": "Plugged on interface eth2"})
    link = ns_link(world, "eth2")
    assert link["address"] == world.mac_n and link["mtu"] == 1450
    assert ns_addrs(world, "eth2") == {
        world.member_ip + "/" + world.member_cidr.split("/")[1]}
    # again: the same interface, updated in place
    st, _, out = world.call("POST", "/1.0/plug/network", body)
    assert (st, out) == (202, {"message": "OK",
                               "details": "Updated existing interface eth2"})
    plugged = (world.base / "plugged_interfaces").read_text().splitlines()
    assert plugged == ["%s eth1" % world.mac_v, "%s eth2" % world.mac_n]


# ---- heartbeats ----

def test_heartbeats(world):
    world.drain_heartbeats()
    first, bad = world.heartbeats(1, 5)
    assert bad == 0 and len(first) == 1, "no heartbeat:\n" + \
        world.agent_log()
    for _ in range(7):
        assert world.get(world.amp_m)[0] == 200
    msgs, bad = world.heartbeats(3, 10)
    assert bad == 0 and len(msgs) == 3
    seqs = [first[0]["seq"]] + [m["seq"] for m in msgs]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    m = msgs[-1]
    assert m["id"] == world.amp and m["ver"] == 3
    lst = m["listeners"][world.listener]
    assert lst["status"] == "OPEN"
    assert set(lst["stats"]) == {"tx", "rx", "conns", "totconns", "ereq"}
    pool = m["pools"]["%s:%s" % (world.pool, world.listener)]
    assert pool["status"] == "UP"
    assert pool["members"] == {world.member: "UP"}
    # deltas: the 7 requests are counted once over the messages after them
    assert sum(x["listeners"][world.listener]["stats"]["totconns"]
               for x in msgs) == 7
    assert sum(x["listeners"][world.listener]["stats"]["rx"]
               for x in msgs) > 0
    # the counters survive in the base directory
    counters = json.loads((world.base / "stats_counters.json").read_text())
    assert world.listener in counters


def test_config_update_changes_heartbeat_key(world):
    new_key = "rotated-" + world.tag
    st, _, out = world.call("PUT", "/1.0/config",
                            world.conf_text(key=new_key))
    assert (st, out) == (202, {"message": "OK"})
    world.drain_heartbeats()
    time.sleep(1.2)
    world.drain_heartbeats()
    msgs, bad = world.heartbeats(2, 5, key=new_key)
    assert len(msgs) == 2 and bad == 0
    assert new_key in world.conf.read_text()
    # a file that does not parse is refused and the old one stays
    st, _, out = world.call("PUT", "/1.0/config", "[broken\n")
    assert st == 500
    assert out["message"] == "Unable to update amphora-agent configuration."
    assert new_key in world.conf.read_text()
    # back to the key the other tests use
    assert world.call("PUT", "/1.0/config", world.conf_text())[0] == 202
    world.drain_heartbeats()
    time.sleep(1.2)
    world.drain_heartbeats()
    assert len(world.heartbeats(1, 5)[0]) == 1


# ---- keepalived ----

@pytest.mark.skipif(not os.access(KEEPALIVED, os.X_OK),
                    reason="needs keepalived")
def test_vrrp(world):
    check = world.base / "vrrp" / "check_script.sh"
    conf = (
        "global_defs {\n    router_id octa_%s\n"
        "    script_user root\n}\n"
        "vrrp_script check_script {\n    script \"%s\"\n"
        "    interval 1\n    fall 2\n    rise 2\n}\n"
        "vrrp_instance %s {\n    state MASTER\n    interface eth1\n"
        "    virtual_router_id 1\n    priority 100\n    nopreempt\n"
        "    accept\n    advert_int 1\n    unicast_src_ip %s\n"
        "    unicast_peer {\n        %s\n    }\n"
        "    track_script {\n        check_script\n    }\n}\n"
        % (world.tag, check, world.lb.replace("-", ""), world.vrrp_ip,
           world.host_v))
    st, resp, out = world.call("PUT", "/1.0/vrrp/upload", conf)
    assert (st, out) == (200, {"message": "OK"})
    assert resp.getheader("ETag") == hashlib.md5(conf.encode()).hexdigest()
    assert os.path.islink(check)

    # the check: every HAProxy that should run answers
    def check_rc():
        return subprocess.run([IP, "netns", "exec", world.ns, str(check)],
                              timeout=20).returncode
    assert check_rc() == 0

    st, _, out = world.call("PUT", "/1.0/vrrp/start")
    assert (st, out) == (202, {"message": "OK",
                               "details": "keepalived started"}), \
        world.agent_log()
    pidf = world.base / "vrrp" / "octavia-keepalived.pid"
    assert wait_for(lambda: pidf.exists(), 5)
    pid = int(pidf.read_text().split()[0])
    assert alive(pid)
    # start of a running keepalived is a reload
    st, _, out = world.call("PUT", "/1.0/vrrp/start")
    assert out["details"] == "keepalived reloaded"
    assert world.call("PUT", "/1.0/vrrp/bogus")[0] == 400
    world.drain_heartbeats()
    assert len(world.heartbeats(1, 5)[0]) == 1

    # keepalived configured but dead: the amphora goes silent
    st, _, out = world.call("PUT", "/1.0/vrrp/stop")
    assert (st, out) == (202, {"message": "OK",
                               "details": "keepalived stoped"})
    assert wait_for(lambda: not alive(pid), 10)
    time.sleep(0.3)
    world.drain_heartbeats()
    assert world.heartbeats(1, 3)[0] == []
    st, _, out = world.call("PUT", "/1.0/vrrp/reload")
    assert st == 202 and out["details"] == "keepalived started"
    assert len(world.heartbeats(1, 5)[0]) == 1
    assert world.call("PUT", "/1.0/vrrp/stop")[0] == 202
    world.vrrp_check_rc = check_rc


# ---- stop and delete ----

def test_stop_start_delete(world):
    pid = world.haproxy_pid()
    st, _, out = world.action("stop")
    assert (st, out) == (202, {"message": "OK", "details": "Listener %s "
                               "stoped" % world.lb})
    assert wait_for(lambda: not alive(pid), 10)
    with pytest.raises(OSError):
        world.get(world.amp_m, timeout=2)
    assert world.call("GET", "/1.0/details")[2]["haproxy_count"] == 0
    if hasattr(world, "vrrp_check_rc"):
        assert world.vrrp_check_rc() == 1     # nothing should run
    # reload of a stopped load balancer starts it
    st, _, out = world.action("reload")
    assert st == 202 and out["details"].endswith("started")
    assert wait_for(lambda: world.get(world.amp_m)[0] == 200, 10)

    pid = world.haproxy_pid()
    name = "0123456789abcdef.pem"
    assert world.call("PUT", "/1.0/loadbalancer/%s/certificates/%s"
                      % (world.lb, name), "x\n")[0] == 200
    st, _, out = world.call("DELETE", "/1.0/listeners/" + world.lb)
    assert (st, out) == (200, {"message": "OK"})
    assert wait_for(lambda: not alive(pid), 10)
    assert not (world.base / world.lb).exists()
    assert not (world.base / (world.lb + ".sock")).exists()
    assert not (world.base / "certs" / world.lb).exists()
    assert world.call("GET", "/1.0/loadbalancer/%s/haproxy"
                      % world.lb)[0] == 404
    assert world.call("GET", "/1.0/listeners")[2] == []
    # deleting what is gone is fine
    assert world.call("DELETE", "/1.0/listeners/" + world.lb)[0] == 200
    assert world.call("DELETE", "/1.0/listeners/" + str(uuid.uuid4()))[0] \
        == 200
