"""test_netns.py - the local world's plumbing on a real kernel
(docs/local-world.md): networks and subnets made with octa-manage are
bridges, the netns compute driver builds an amphora namespace (veths,
addresses, MACs, agent process) and destroys it completely, the
management address answers a ping from a test namespace attached to the
bridge, and the API checks VIP and member subnets against the local tables
when network_local_driver is configured.

Needs root and iproute2 (skipped otherwise).  Run:

    /usr/bin/python3 -m pytest -q tests/e2e/test_netns.py

Addresses are only used inside namespaces and bridges these tests make;
every namespace, bridge, veth and process they make is removed at the end
of the test, also when it fails (the `world` fixture's finally).  All
waiting loops are bounded.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("OCTA_BUILD", ROOT / "build"))
MANAGE = BUILD / "octa-manage"
OCTAD = BUILD / "octad"
IP = next((p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")
           if os.access(p, os.X_OK)), None)
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
    pytest.mark.skipif(IP is None, reason="needs iproute2"),
]

# An ICMP echo from inside a namespace (Debian's minimal images have no
# ping): raw socket, 10 tries of 0.5 s, exit 0 on a reply from the target.
PING = r'''
import os, socket, struct, sys, time
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
dst = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.5)
ident = os.getpid() & 0xffff
for seq in range(1, 11):
    data = b"octa-e2e"
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + data), ident, seq) + data
    s.sendto(pkt, (dst, 0))
    end = time.time() + 0.5
    while time.time() < end:
        try:
            buf, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        ihl = (buf[0] & 0x0f) * 4
        t, c, _, i, q = struct.unpack("!BBHHH", buf[ihl:ihl + 8])
        if t == 0 and i == ident and addr[0] == dst:
            print("reply from %s seq %d" % (dst, q))
            sys.exit(0)
sys.exit(1)
'''


def ip(*args, check=True):
    r = subprocess.run([IP] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError("ip %s: %s" % (" ".join(map(str, args)),
                                            r.stderr.strip()))
    return r


def link_exists(name, ns=None):
    args = (["-n", ns] if ns else []) + ["link", "show", "dev", name]
    return ip(*args, check=False).returncode == 0


def netns_exists(name):
    return os.path.exists("/run/netns/" + name)


def link_info(name, ns=None):
    """`ip -j link show dev NAME` as a dict (None if absent)."""
    args = (["-n", ns] if ns else []) + ["-d", "-j", "link", "show", "dev",
                                         name]
    r = ip(*args, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)[0]


def addrs(name, ns=None):
    """The addresses (ip/prefixlen) on an interface."""
    args = (["-n", ns] if ns else []) + ["-j", "addr", "show", "dev", name]
    out = json.loads(ip(*args).stdout)
    return ["%s/%d" % (a["local"], a["prefixlen"])
            for a in out[0].get("addr_info", [])]


def ns_pids(ns):
    if not netns_exists(ns):
        return []
    r = ip("netns", "pids", ns, check=False)
    return [int(p) for p in r.stdout.split()]


def alive(pid):
    """True if the process exists and is not a zombie (this container's
    init may leave reparented processes unreaped)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def hex8(i):
    return i.replace("-", "")[:8]


def free_cidr():
    """A /24 of 172.31.0.0/16 that no interface of the host uses."""
    used = ip("-4", "-o", "addr", "show").stdout
    for third in range(250, 200, -1):
        if (" 172.31.%d." % third) not in used:
            return "172.31.%d" % third
    pytest.skip("no free 172.31.x.0/24 on this host")


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """One private octa state directory and everything made in it."""

    def __init__(self, base):
        if not MANAGE.exists():
            pytest.fail("octa-manage not found at %s (ninja -C build, or "
                        "set OCTA_BUILD)" % MANAGE)
        self.base = Path(base)
        self.state = self.base / "state"
        self.conf = self.base / "octa.conf"
        self.agent = self.base / "fake-agent"
        # a stand-in for octa-agent: the plumbing test needs a process in
        # the namespace, not a real agent
        self.agent.write_text("#!/bin/sh\necho \"fake agent: $*\"\n"
                              "exec sleep 600\n")
        self.agent.chmod(0o755)
        self.net24 = free_cidr()
        self.extra = {}
        self.write_config()
        self.amps = []          # amphora ids built
        self.networks = []      # network names made
        self.bridges = set()    # their bridges
        self.namespaces = []    # test namespaces made here
        self.links = []         # test veths made here
        self.procs = []         # Popen objects started here
        self.octad = None

    def write_config(self, **extra):
        self.extra.update(extra)
        sections = {
            "octa": {"state_dir": str(self.state)},
            "controller_worker": {"agent_binary": str(self.agent)},
            "health_manager": {"bind_ip": self.net24 + ".1"},
        }
        for sec, kv in self.extra.items():
            sections.setdefault(sec, {}).update(kv)
        text = ""
        for sec, kv in sections.items():
            text += "[%s]\n" % sec
            text += "".join("%s = %s\n" % (k, v) for k, v in kv.items())
        self.conf.write_text(text)

    def manage(self, *args, check=True):
        r = subprocess.run([str(MANAGE), "--config-file", str(self.conf)] +
                           [str(a) for a in args], capture_output=True,
                           text=True, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError("octa-manage %s failed (%d): %s%s" % (
                " ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
        return r

    def network(self, name):
        self.networks.append(name)
        self.manage("network", "create", name)
        info = self.show(name)
        self.bridges.add(info["bridge"])
        return info

    def show(self, name):
        out = self.manage("network", "show", name).stdout
        info = {"subnets": []}
        for line in out.splitlines():
            if line.startswith("  "):
                f = line.split()
                info["subnets"].append({"id": f[0], "name": f[1],
                                        "cidr": f[2], "gateway": f[4]})
            elif ": " in line:
                k, v = line.split(": ", 1)
                info[k] = v
        return info

    def setup_mgmt(self):
        self.networks.append("lb-mgmt-net")
        self.manage("network", "setup-mgmt", "--cidr", self.net24 + ".0/24")
        info = self.show("lb-mgmt-net")
        self.bridges.add(info["bridge"])
        return info

    def amphora(self, *extra):
        amp_id = str(uuid.uuid4())
        self.amps.append(amp_id)
        out = self.manage("amphora-netns", "create", amp_id, *extra).stdout
        return json.loads(out)

    def test_host(self, bridge, address):
        """A namespace of the test's own with one veth on `bridge`."""
        tag = uuid.uuid4().hex[:6]
        ns, host = "octa-e2e-" + tag, "oe%sh" % tag
        self.namespaces.append(ns)
        self.links.append(host)
        ip("netns", "add", ns)
        ip("link", "add", "name", host, "type", "veth", "peer", "name",
           "eth0", "netns", ns)
        ip("link", "set", "dev", host, "master", bridge, "up")
        ip("-n", ns, "addr", "add", address, "dev", "eth0")
        ip("-n", ns, "link", "set", "dev", "eth0", "up")
        ip("-n", ns, "link", "set", "dev", "lo", "up")
        return ns

    def ping(self, ns, target):
        return subprocess.run([IP, "netns", "exec", ns, PYTHON, "-c", PING,
                               target], capture_output=True, text=True,
                              timeout=30)

    def start_octad(self, roles):
        self.api_port = free_port()
        self.write_config(
            api_settings={"bind_host": "127.0.0.1",
                          "bind_port": str(self.api_port),
                          "auth_strategy": "noauth"},
            controller_worker={"agent_binary": str(self.agent),
                               "compute_driver": "compute_noop_driver",
                               "network_driver": "network_local_driver",
                               "amphora_driver": "amphora_noop_driver"},
            health_manager={"bind_ip": "127.0.0.1",
                            "bind_port": str(free_port(socket.SOCK_DGRAM))})
        log = open(self.base / "octad.log", "ab")
        self.octad = subprocess.Popen(
            [str(OCTAD), "--config-file", str(self.conf), "--roles", roles],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        ok = wait_for(lambda: self.http("GET", "/")[0] == 200, 20, 0.1)
        assert ok, "octad did not answer:\n" + self.octad_log()

    def octad_log(self):
        p = self.base / "octad.log"
        return p.read_text(errors="replace")[-4000:] if p.exists() else ""

    def http(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.api_port, path), data=data,
            method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None
        except OSError:
            return 0, None

    def cleanup(self):
        errors = []
        if self.octad is not None and self.octad.poll() is None:
            try:
                os.killpg(self.octad.pid, signal.SIGTERM)
                self.octad.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.octad.pid, signal.SIGKILL)
                self.octad.wait(timeout=10)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        for amp_id in self.amps:
            self.manage("amphora-netns", "delete", amp_id, check=False)
            # belt and braces: whatever the driver might have left
            ns = "octa-amp-" + hex8(amp_id)
            for pid in ns_pids(ns):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if netns_exists(ns):
                errors.append("namespace %s left" % ns)
                ip("netns", "del", ns, check=False)
            for suffix in ("m", "v"):
                name = "oa%s%s" % (hex8(amp_id), suffix)
                if link_exists(name):
                    errors.append("link %s left" % name)
                    ip("link", "del", "dev", name, check=False)
        for ns in self.namespaces:
            for pid in ns_pids(ns):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            ip("netns", "del", ns, check=False)
        for name in self.links:
            if link_exists(name):
                ip("link", "del", "dev", name, check=False)
        for name in reversed(self.networks):
            self.manage("network", "delete", name, check=False)
        for br in self.bridges:
            if link_exists(br):
                ip("link", "del", "dev", br, check=False)
        return errors


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    try:
        yield w
    finally:
        left = w.cleanup()
    # the driver's delete should have left nothing for the fixture to do
    assert not left, left


# ------------------------------------------------------------------ tests

def test_network_and_subnets_make_a_bridge(world):
    info = world.network("e2e-net")
    br = info["bridge"]
    assert re.fullmatch(r"octa-br-[0-9a-f]{7}", br)
    assert br == "octa-br-" + hex8(info["id"])[:7]
    link = link_info(br)
    assert link is not None, "bridge %s missing" % br
    assert link.get("linkinfo", {}).get("info_kind") == "bridge"
    assert "UP" in link["flags"]

    world.manage("subnet", "create", "--network", "e2e-net", "--cidr",
                 "203.0.113.0/24", "--name", "e2e-v4")
    world.manage("subnet", "create", "--network", info["id"], "--cidr",
                 "2001:db8:e2e::/64", "--gateway", "2001:db8:e2e::fffe")
    subs = world.show("e2e-net")["subnets"]
    assert [(s["cidr"], s["gateway"]) for s in subs] == [
        ("203.0.113.0/24", "203.0.113.1"),
        ("2001:db8:e2e::/64", "2001:db8:e2e::fffe")]
    assert "e2e-v4" in world.manage("subnet", "list").stdout

    # refused: overlap, a second network of the same name
    r = world.manage("subnet", "create", "--network", "e2e-net", "--cidr",
                     "203.0.113.128/25", check=False)
    assert r.returncode == 1 and "overlaps" in r.stderr
    r = world.manage("network", "create", "e2e-net", check=False)
    assert r.returncode == 1 and "already exists" in r.stderr

    world.manage("network", "delete", "e2e-net")
    assert not link_exists(br)
    r = world.manage("network", "show", "e2e-net", check=False)
    assert r.returncode == 1


def test_setup_mgmt_is_idempotent(world):
    first = world.setup_mgmt()
    br = first["bridge"]
    controller = world.net24 + ".1/24"
    assert addrs(br) == [controller]
    again = world.setup_mgmt()
    assert again["id"] == first["id"]
    assert again["subnets"] == first["subnets"]
    assert addrs(br) == [controller]
    # the address comes back if it went (a restart of networking)
    ip("addr", "flush", "dev", br)
    world.setup_mgmt()
    assert addrs(br) == [controller]


def test_amphora_build_ping_destroy(world):
    world.manage("certs", "init")   # the amphora's server certificate
    mgmt = world.setup_mgmt()
    vipnet = world.network("e2e-vip")
    world.manage("subnet", "create", "--network", "e2e-vip", "--cidr",
                 "203.0.113.0/24", "--name", "e2e-vip-sub")
    amp = world.amphora("--vip-subnet", "e2e-vip-sub")
    amp_id = amp["id"]
    ns = "octa-amp-" + hex8(amp_id)
    assert amp["compute_id"] == ns
    lb_ip = amp["lb_network_ip"]
    assert lb_ip.startswith(world.net24 + ".")
    assert lb_ip != world.net24 + ".1"

    # the namespace: lo up, eth0 with the management port, eth1 with the
    # VRRP port's MAC (no address: the agent's plug/vip puts it there)
    assert netns_exists(ns)
    assert "UP" in link_info("lo", ns)["flags"]
    eth0 = link_info("eth0", ns)
    assert eth0["address"] == amp["mgmt_port"]["mac_address"]
    assert "UP" in eth0["flags"]
    assert lb_ip + "/24" in addrs("eth0", ns)
    eth1 = link_info("eth1", ns)
    assert eth1["address"] == amp["vrrp_port"]["mac_address"]
    assert amp["vrrp_ip"].startswith("203.0.113.")
    assert amp["vrrp_interface"] == "eth1"

    # host ends on the right bridges
    m = link_info("oa%sm" % hex8(amp_id))
    v = link_info("oa%sv" % hex8(amp_id))
    assert m["master"] == mgmt["bridge"] and "UP" in m["flags"]
    assert v["master"] == vipnet["bridge"] and "UP" in v["flags"]

    # the agent: started in the namespace, recorded, configured
    d = world.state / "amphorae" / amp_id
    pid = int((d / "agent.pid").read_text())
    assert wait_for(lambda: pid in ns_pids(ns), 5)
    conf = (d / "agent.conf").read_text()
    assert "amphora_id = %s" % amp_id in conf
    assert "bind_host = %s" % lb_ip in conf
    assert "controller_ip_port_list = %s.1:5555" % world.net24 in conf
    assert "BEGIN CERTIFICATE" in (d / "server.pem").read_text()
    assert (d / "server.pem").stat().st_mode & 0o077 == 0
    assert "fake agent: --config-file %s" % (d / "agent.conf") in \
        (d / "agent.log").read_text()

    # reachable from a host of the test's own on the management bridge,
    # and from the controller's address
    tester = world.test_host(mgmt["bridge"], world.net24 + ".250/24")
    r = world.ping(tester, lb_ip)
    assert r.returncode == 0, r.stdout + r.stderr
    r = world.ping(ns, world.net24 + ".250")
    assert r.returncode == 0, r.stdout + r.stderr

    # a second build changes nothing: same agent, same address
    again = json.loads(world.manage(
        "amphora-netns", "create", amp_id, "--vip-subnet",
        "e2e-vip-sub").stdout)
    assert again["lb_network_ip"] == lb_ip
    assert again["vrrp_ip"] == amp["vrrp_ip"]
    assert int((d / "agent.pid").read_text()) == pid

    # the VIP network has a port now: it cannot be deleted
    r = world.manage("network", "delete", "e2e-vip", check=False)
    assert r.returncode == 1 and "port" in r.stderr

    # another process in the namespace (haproxy, say) goes too
    extra = subprocess.Popen([IP, "netns", "exec", ns, "sleep", "600"])
    world.procs.append(extra)
    assert wait_for(lambda: extra.pid in ns_pids(ns), 5)

    world.manage("amphora-netns", "delete", amp_id)
    assert extra.wait(timeout=10) is not None
    assert not alive(pid)
    assert not netns_exists(ns)
    assert not link_exists("oa%sm" % hex8(amp_id))
    assert not link_exists("oa%sv" % hex8(amp_id))
    assert not d.exists()
    # the bridges stay (they are the networks'), the ports are gone
    assert link_exists(mgmt["bridge"]) and link_exists(vipnet["bridge"])
    assert world.show("e2e-vip")["ports"] == "0"
    world.manage("network", "delete", "e2e-vip")
    assert not link_exists(vipnet["bridge"])
    # deleting again is fine
    world.manage("amphora-netns", "delete", amp_id)


def test_half_made_amphora_is_finished_and_removed(world):
    world.setup_mgmt()
    amp_id = str(uuid.uuid4())
    world.amps.append(amp_id)
    ns = "octa-amp-" + hex8(amp_id)
    # what a crash half-way through build could leave: the namespace
    # with nothing in it, and a stray process in it
    ip("netns", "add", ns)
    stray = subprocess.Popen([IP, "netns", "exec", ns, "sleep", "600"])
    world.procs.append(stray)
    assert wait_for(lambda: stray.pid in ns_pids(ns), 5)
    world.manage("amphora-netns", "delete", amp_id)
    assert stray.wait(timeout=10) is not None
    assert not netns_exists(ns)

    # build over a half state: namespace present, no veth
    ip("netns", "add", ns)
    amp = json.loads(world.manage("amphora-netns", "create", amp_id,
                                  "--no-agent").stdout)
    assert amp["lb_network_ip"] + "/24" in addrs("eth0", ns)
    assert not (world.state / "amphorae" / amp_id / "agent.pid").exists()
    # a host end without its peer is replaced on the next build
    ip("-n", ns, "link", "del", "dev", "eth0")
    assert not link_exists("oa%sm" % hex8(amp_id))
    amp2 = json.loads(world.manage("amphora-netns", "create", amp_id,
                                   "--no-agent").stdout)
    assert amp2["lb_network_ip"] == amp["lb_network_ip"]
    assert link_exists("oa%sm" % hex8(amp_id))
    world.manage("amphora-netns", "delete", amp_id)
    assert not netns_exists(ns)
    assert not link_exists("oa%sm" % hex8(amp_id))


def test_api_checks_against_local_tables(world):
    vipnet = world.network("e2e-api")
    world.manage("subnet", "create", "--network", "e2e-api", "--cidr",
                 "203.0.113.0/29", "--name", "e2e-api-sub")
    sub = world.show("e2e-api")["subnets"][0]
    world.start_octad("api")

    # the Neutron stand-in answers from the tables, by id and by name
    st, body = world.http("GET", "/v2.0/subnets?id=" + sub["id"])
    assert st == 200 and [s["cidr"] for s in body["subnets"]] == [
        "203.0.113.0/29"]
    st, body = world.http("GET", "/v2.0/subnets?name=e2e-api-sub")
    assert [s["id"] for s in body["subnets"]] == [sub["id"]]
    st, body = world.http("GET", "/v2.0/networks/" + vipnet["id"])
    assert st == 200 and body["network"]["subnets"] == [sub["id"]]
    st, _ = world.http("GET", "/v2.0/subnets/" + str(uuid.uuid4()))
    assert st == 404

    missing = str(uuid.uuid4())
    st, body = world.http("POST", "/v2/lbaas/loadbalancers", {
        "loadbalancer": {"vip_subnet_id": missing}})
    assert st == 400
    assert body["faultstring"] == "Subnet %s not found." % missing
    st, body = world.http("POST", "/v2/lbaas/loadbalancers", {
        "loadbalancer": {"vip_network_id": missing}})
    assert st == 400
    assert body["faultstring"] == "Network %s not found." % missing
    st, body = world.http("POST", "/v2/lbaas/loadbalancers", {
        "loadbalancer": {"vip_subnet_id": sub["id"],
                         "vip_address": "198.51.100.9"}})
    assert st == 400 and "not a valid IP" in body["faultstring"]

    st, body = world.http("POST", "/v2/lbaas/loadbalancers", {
        "loadbalancer": {"vip_network_id": vipnet["id"],
                         "vip_address": "203.0.113.4"}})
    assert st == 201, body
    lb = body["loadbalancer"]
    assert lb["vip_subnet_id"] == sub["id"]
    assert lb["vip_address"] == "203.0.113.4"
    st, body = world.http("GET", "/v2.0/ports/" + lb["vip_port_id"])
    assert st == 200
    assert body["port"]["fixed_ips"] == [{"subnet_id": sub["id"],
                                          "ip_address": "203.0.113.4"}]
    st, body = world.http("POST", "/v2/lbaas/loadbalancers", {
        "loadbalancer": {"vip_subnet_id": sub["id"],
                         "vip_address": "203.0.113.4"}})
    assert st == 409 and "already in use" in body["faultstring"]

    # member subnets are checked too (a single-call create: the LB above
    # never goes ACTIVE without a worker)
    def graph(subnet_id):
        return world.http("POST", "/v2/lbaas/loadbalancers", {
            "loadbalancer": {"vip_subnet_id": sub["id"], "listeners": [{
                "name": "l1", "protocol": "TCP", "protocol_port": 80,
                "default_pool": {
                    "name": "p1", "protocol": "TCP",
                    "lb_algorithm": "ROUND_ROBIN",
                    "members": [{"address": "203.0.113.6",
                                 "protocol_port": 80,
                                 "subnet_id": subnet_id}]}}]}})
    st, body = graph(missing)
    assert st == 400
    assert body["faultstring"] == "Subnet %s not found." % missing
    st, body = graph(sub["id"])
    assert st == 201, body
    assert body["loadbalancer"]["vip_address"] == "203.0.113.2"
