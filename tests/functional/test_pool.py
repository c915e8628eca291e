"""Pools (contract 1.8 Pool, 1.10, 2)."""

import openstack.exceptions
import pytest

from octatest import assert_fault, cli_list, ids, is_timestamp, unique

POOL_FIELDS = {
    "id", "name", "description", "provisioning_status", "operating_status",
    "admin_state_up", "protocol", "lb_algorithm", "session_persistence",
    "project_id", "tenant_id", "loadbalancers", "listeners", "created_at",
    "updated_at", "healthmonitor_id", "members", "tags", "tls_container_ref",
    "ca_tls_container_ref", "crl_container_ref", "tls_enabled",
    "tls_ciphers", "tls_versions", "alpn_protocols",
}


def test_cli_create_on_listener(octa, lb):
    li = octa.create_listener(lb["id"])
    name = unique("pool")
    out = octa.cli("pool", "create", "--name", name, "--protocol", "HTTP",
                   "--lb-algorithm", "ROUND_ROBIN", "--listener", li["id"],
                   "--session-persistence",
                   "type=APP_COOKIE,cookie_name=sessid",
                   "--description", "web pool")
    assert out["name"] == name
    assert out["provisioning_status"] == "PENDING_CREATE"
    assert out["lb_algorithm"] == "ROUND_ROBIN"
    assert cli_list(out["listeners"]) == [li["id"]]
    assert cli_list(out["loadbalancers"]) == [lb["id"]]
    pool = octa.wait_active("pool", out["id"])
    octa.wait_active("loadbalancer", lb["id"])
    assert set(pool) == POOL_FIELDS, set(pool) ^ POOL_FIELDS
    assert pool["tenant_id"] == pool["project_id"] == lb["project_id"]
    assert pool["session_persistence"] == {
        "type": "APP_COOKIE", "cookie_name": "sessid",
        "persistence_timeout": None, "persistence_granularity": None}
    assert pool["listeners"] == [{"id": li["id"]}]
    assert pool["loadbalancers"] == [{"id": lb["id"]}]
    assert pool["members"] == []
    assert pool["healthmonitor_id"] is None
    assert pool["tls_enabled"] is False
    assert pool["admin_state_up"] is True
    assert pool["description"] == "web pool"
    assert is_timestamp(pool["created_at"])
    # the pool became the listener's default pool
    assert octa.get("listener", li["id"])["default_pool_id"] == pool["id"]
    assert {"id": pool["id"]} in octa.get("loadbalancer", lb["id"])["pools"]


def test_cli_show_list_set_unset_delete(octa, lb):
    pool = octa.create_pool(lb["id"], protocol="TCP",
                            lb_algorithm="SOURCE_IP")
    pid = pool["id"]
    assert pool["session_persistence"] is None
    assert pool["listeners"] == []
    shown = octa.cli("pool", "show", pid)
    assert shown["id"] == pid and shown["protocol"] == "TCP"
    assert octa.cli("pool", "show", pool["name"])["id"] == pid
    listed = octa.cli("pool", "list", "--loadbalancer", lb["id"])
    assert [x["id"] for x in listed] == [pid]

    octa.cli("pool", "set", "--name", "renamed", "--description", "d",
             "--lb-algorithm", "LEAST_CONNECTIONS", "--session-persistence",
             "type=SOURCE_IP", "--disable", "--tag", "p", "--wait", pid)
    got = octa.get("pool", pid)
    assert got["name"] == "renamed" and got["description"] == "d"
    assert got["lb_algorithm"] == "LEAST_CONNECTIONS"
    assert got["session_persistence"]["type"] == "SOURCE_IP"
    assert got["admin_state_up"] is False
    assert got["tags"] == ["p"]
    assert got["provisioning_status"] == "ACTIVE"

    octa.cli("pool", "unset", "--name", "--description",
             "--session-persistence", "--wait", pid)
    got = octa.get("pool", pid)
    assert got["name"] == "" and got["description"] == ""
    assert got["session_persistence"] is None

    octa.cli("pool", "delete", "--wait", pid)
    assert octa.get("pool", pid) is None
    assert_fault(octa.lbaas("GET", "/pools/%s" % pid), 404,
                 faultstring="Pool %s not found." % pid)
    assert octa.wait_active("loadbalancer", lb["id"])["pools"] == []


def test_pool_needs_lb_or_listener(octa):
    r = octa.lbaas("POST", "/pools", {"pool": {
        "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}})
    assert_fault(r, 400, contains="loadbalancer_id")


def test_listener_already_has_default_pool_409(octa, lb):
    li = octa.create_listener(lb["id"])
    octa.create_pool(lb["id"], listener_id=li["id"])
    r = octa.lbaas("POST", "/pools", {"pool": {
        "listener_id": li["id"], "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN"}})
    assert_fault(r, 409, faultstring="This listener already has a default "
                 "pool")


@pytest.mark.parametrize("listener_proto,pool_proto,ok", [
    ("HTTP", "HTTP", True), ("HTTP", "PROXY", True), ("HTTP", "TCP", False),
    ("HTTP", "HTTPS", False), ("TCP", "HTTP", True), ("TCP", "TCP", True),
    ("TCP", "PROXYV2", True), ("TCP", "UDP", False), ("UDP", "UDP", True),
    ("UDP", "TCP", False), ("HTTPS", "TCP", True), ("HTTPS", "HTTP", False),
])
def test_listener_pool_protocol_compatibility(octa, lb, listener_proto,
                                              pool_proto, ok):
    li = octa.create_listener(lb["id"], protocol=listener_proto,
                              protocol_port=1000)
    body = {"pool": {"listener_id": li["id"], "protocol": pool_proto,
                     "lb_algorithm": "ROUND_ROBIN"}}
    r = octa.lbaas("POST", "/pools", body)
    if ok:
        assert r.status == 201, r.body
        octa.wait_active("loadbalancer", lb["id"])
    else:
        assert_fault(r, 400)


def test_source_ip_port_is_supported(octa, lb):
    # Octavia's amphora driver refuses SOURCE_IP_PORT (501); octa renders
    # it as a hash of source address and port, so it is accepted.
    r = octa.lbaas("POST", "/pools", {"pool": {
        "loadbalancer_id": lb["id"], "protocol": "TCP",
        "lb_algorithm": "SOURCE_IP_PORT"}})
    assert r.status == 201, r.body
    assert r.body["pool"]["lb_algorithm"] == "SOURCE_IP_PORT"
    octa.wait_active("loadbalancer", lb["id"])


def test_session_persistence_validation(octa, lb):
    base = {"loadbalancer_id": lb["id"], "protocol": "HTTP",
            "lb_algorithm": "ROUND_ROBIN"}
    bad = [
        {"type": "APP_COOKIE"},                          # needs cookie_name
        {"type": "HTTP_COOKIE", "cookie_name": "x"},     # only APP_COOKIE
        {"type": "APP_COOKIE", "cookie_name": "a b"},    # whitespace
        {"type": "APP_COOKIE", "cookie_name": "a;b"},
        {"type": "SOURCE_IP", "persistence_timeout": 5},  # UDP/SCTP only
        {"type": "NOPE"},
        {"cookie_name": "x"},                            # type mandatory
    ]
    for sp in bad:
        r = octa.lbaas("POST", "/pools",
                       {"pool": dict(base, session_persistence=sp)})
        assert r.status == 400, (sp, r.body)
        assert_fault(r, 400)
    # UDP pools only take SOURCE_IP, and may set timeout/granularity
    r = octa.lbaas("POST", "/pools", {"pool": {
        "loadbalancer_id": lb["id"], "protocol": "UDP",
        "lb_algorithm": "ROUND_ROBIN",
        "session_persistence": {"type": "HTTP_COOKIE"}}})
    assert_fault(r, 400)
    p = octa.create_pool(lb["id"], protocol="UDP", session_persistence={
        "type": "SOURCE_IP", "persistence_timeout": 33,
        "persistence_granularity": "255.255.255.0"})
    assert p["session_persistence"] == {
        "type": "SOURCE_IP", "cookie_name": None,
        "persistence_timeout": 33,
        "persistence_granularity": "255.255.255.0"}


def test_put_200_and_session_persistence_null_removes(octa, lb):
    p = octa.create_pool(lb["id"], session_persistence={
        "type": "HTTP_COOKIE"})
    st, body = octa.lbaas("PUT", "/pools/%s" % p["id"], {"pool": {
        "session_persistence": None, "name": "x"}})
    assert st == 200, body
    assert body["pool"]["provisioning_status"] == "PENDING_UPDATE"
    octa.wait_active("loadbalancer", lb["id"])
    got = octa.wait_active("pool", p["id"])
    assert got["session_persistence"] is None
    assert got["name"] == "x"


def test_put_immutable_400(octa, lb):
    p = octa.create_pool(lb["id"])
    for field, value in (("protocol", "TCP"),
                         ("loadbalancer_id", lb["id"])):
        r = octa.lbaas("PUT", "/pools/%s" % p["id"], {"pool": {field: value}})
        assert_fault(r, 400, contains=["Unknown attribute", field])


def test_delete_pool_used_by_l7policy_409(octa, lb):
    li = octa.create_listener(lb["id"])
    pool = octa.create_pool(lb["id"])
    pol = octa.create_l7policy(lb["id"], li["id"],
                               action="REDIRECT_TO_POOL",
                               redirect_pool_id=pool["id"])
    r = octa.lbaas("DELETE", "/pools/%s" % pool["id"])
    assert_fault(r, 409, faultstring="Pool %s is in use by L7 policy %s" % (
        pool["id"], pol["id"]))
    assert octa.get("pool", pool["id"])["provisioning_status"] == "ACTIVE"


def test_delete_default_pool_clears_listener(octa, lb):
    li = octa.create_listener(lb["id"])
    pool = octa.create_pool(lb["id"], listener_id=li["id"])
    r = octa.lbaas("DELETE", "/pools/%s" % pool["id"])
    assert r.status == 204, r.body
    octa.wait_active("loadbalancer", lb["id"])
    octa.wait_gone("pool", pool["id"])
    assert octa.get("listener", li["id"])["default_pool_id"] is None


def test_delete_pool_deletes_members_and_hm(octa, lb):
    pool = octa.create_pool(lb["id"])
    m = octa.create_member(lb["id"], pool["id"])
    hm = octa.create_hm(lb["id"], pool["id"])
    octa.cli("pool", "delete", "--wait", pool["id"])
    assert octa.get("healthmonitor", hm["id"]) is None
    st, body = octa.lbaas("GET", "/healthmonitors")
    assert hm["id"] not in ids(body["healthmonitors"])
    st, _ = octa.lbaas("GET", "/pools/%s/members/%s" % (pool["id"], m["id"]))
    assert st == 404


def test_sdk_life_cycle(octa, lb):
    lbs = octa.sdk.load_balancer
    p = lbs.create_pool(name=unique("pool"), protocol="HTTP",
                        lb_algorithm="ROUND_ROBIN", loadbalancer_id=lb["id"])
    assert p.provisioning_status == "PENDING_CREATE"
    octa.wait_active("loadbalancer", lb["id"])
    got = lbs.get_pool(p.id)
    assert got.provisioning_status == "ACTIVE"
    assert got.loadbalancers == [{"id": lb["id"]}]
    assert p.id in [x.id for x in lbs.pools(loadbalancer_id=lb["id"])]
    lbs.update_pool(p.id, lb_algorithm="SOURCE_IP")
    octa.wait_active("loadbalancer", lb["id"])
    assert lbs.get_pool(p.id).lb_algorithm == "SOURCE_IP"
    lbs.delete_pool(p.id)
    octa.wait_active("loadbalancer", lb["id"])
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_pool(p.id)


def test_pool_create_locks_lb_and_listener(octad_factory):
    o = octad_factory("pool-lock")
    lb = o.create_lb()
    li = o.create_listener(lb["id"])
    o.restart(roles="api")
    st, body = o.lbaas("POST", "/pools", {"pool": {
        "listener_id": li["id"], "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN"}})
    assert st == 201, body
    assert body["pool"]["provisioning_status"] == "PENDING_CREATE"
    assert body["pool"]["operating_status"] == "OFFLINE"
    assert o.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    assert o.get("listener", li["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    o.restart(roles="")
    o.wait_active("loadbalancer", lb["id"])
    o.wait_active("listener", li["id"])
    o.wait_active("pool", body["pool"]["id"])
