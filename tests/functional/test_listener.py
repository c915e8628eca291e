"""Listeners (contract 1.8 Listener, 1.10, 2)."""

import openstack.exceptions
import pytest

from octatest import assert_fault, cli_list, ids, is_timestamp, unique

LISTENER_FIELDS = {
    "id", "name", "description", "provisioning_status", "operating_status",
    "admin_state_up", "protocol", "protocol_port", "connection_limit",
    "default_tls_container_ref", "sni_container_refs", "project_id",
    "tenant_id", "default_pool_id", "l7policies", "insert_headers",
    "created_at", "updated_at", "loadbalancers", "timeout_client_data",
    "timeout_member_connect", "timeout_member_data", "timeout_tcp_inspect",
    "tags", "client_ca_tls_container_ref", "client_authentication",
    "client_crl_container_ref", "allowed_cidrs", "tls_ciphers",
    "tls_versions", "alpn_protocols", "hsts_max_age",
    "hsts_include_subdomains", "hsts_preload",
}


def test_cli_create_defaults(octa, lb):
    name = unique("listener")
    out = octa.cli("listener", "create", "--name", name, "--protocol",
                   "HTTP", "--protocol-port", "80", lb["id"])
    assert out["name"] == name
    assert out["protocol"] == "HTTP"
    assert out["protocol_port"] == 80
    assert out["provisioning_status"] == "PENDING_CREATE"
    assert out["admin_state_up"] is True
    assert out["connection_limit"] == -1
    assert out["timeout_client_data"] == 50000
    assert out["timeout_member_connect"] == 5000
    assert out["timeout_member_data"] == 50000
    assert out["timeout_tcp_inspect"] == 0
    assert cli_list(out["loadbalancers"]) == [lb["id"]]
    assert out["client_authentication"] == "NONE"
    octa.wait_active("listener", out["id"])
    assert octa.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "ACTIVE"

    raw = octa.get("listener", out["id"])
    assert set(raw) == LISTENER_FIELDS, set(raw) ^ LISTENER_FIELDS
    assert raw["tenant_id"] == raw["project_id"] == lb["project_id"]
    assert raw["loadbalancers"] == [{"id": lb["id"]}]
    assert raw["description"] == ""
    assert raw["insert_headers"] == {}
    assert raw["allowed_cidrs"] is None          # null, not []
    assert raw["sni_container_refs"] == []
    assert raw["l7policies"] == []
    assert raw["default_pool_id"] is None
    assert raw["default_tls_container_ref"] is None
    assert raw["tls_ciphers"] is None            # only TERMINATED_HTTPS
    assert raw["hsts_max_age"] is None
    assert raw["hsts_include_subdomains"] is False
    assert raw["hsts_preload"] is False
    assert raw["tags"] == []
    assert is_timestamp(raw["created_at"])

    # the LB lists it
    assert {"id": out["id"]} in octa.get("loadbalancer", lb["id"])[
        "listeners"]


def test_cli_show_list_set_unset_delete(octa, lb):
    li = octa.create_listener(lb["id"], protocol="TCP", protocol_port=443)
    lid = li["id"]
    shown = octa.cli("listener", "show", lid)
    assert shown["id"] == lid and shown["protocol"] == "TCP"
    assert octa.cli("listener", "show", li["name"])["id"] == lid

    listed = octa.cli("listener", "list", "--loadbalancer", lb["id"])
    assert [x["id"] for x in listed] == [lid]
    assert set(listed[0]) == {"id", "default_pool_id", "name", "project_id",
                              "protocol", "protocol_port", "admin_state_up"}

    octa.cli("listener", "set", "--name", "renamed", "--description", "d",
             "--connection-limit", "100", "--timeout-client-data", "1000",
             "--timeout-tcp-inspect", "7", "--disable", "--tag", "x",
             "--wait", lid)
    got = octa.get("listener", lid)
    assert got["name"] == "renamed" and got["description"] == "d"
    assert got["connection_limit"] == 100
    assert got["timeout_client_data"] == 1000
    assert got["timeout_tcp_inspect"] == 7
    assert got["admin_state_up"] is False
    assert got["tags"] == ["x"]
    assert got["provisioning_status"] == "ACTIVE"
    assert is_timestamp(got["updated_at"])

    # unset = PUT null = reset to default (contract 1.10)
    octa.cli("listener", "unset", "--name", "--description",
             "--connection-limit", "--timeout-client-data",
             "--timeout-tcp-inspect", "--wait", lid)
    got = octa.get("listener", lid)
    assert got["name"] == "" and got["description"] == ""
    assert got["connection_limit"] == -1
    assert got["timeout_client_data"] == 50000
    assert got["timeout_tcp_inspect"] == 0

    octa.cli("listener", "delete", "--wait", lid)
    assert octa.get("listener", lid) is None
    assert octa.wait_active("loadbalancer", lb["id"])["listeners"] == []
    assert_fault(octa.lbaas("GET", "/listeners/%s" % lid), 404,
                 faultstring="Listener %s not found." % lid)


def test_put_200_locks_lb_and_listener(octa, lb):
    li = octa.create_listener(lb["id"])
    st, body = octa.lbaas("PUT", "/listeners/%s" % li["id"],
                          {"listener": {"connection_limit": 5}})
    assert st == 200, body
    assert body["listener"]["provisioning_status"] == "PENDING_UPDATE"
    assert body["listener"]["connection_limit"] == 5
    octa.wait_active("loadbalancer", lb["id"])
    assert octa.wait_active("listener", li["id"])["connection_limit"] == 5


def test_put_immutable_protocol_400(octa, lb):
    li = octa.create_listener(lb["id"])
    for field, value in (("protocol", "TCP"), ("protocol_port", 81),
                         ("loadbalancer_id", lb["id"])):
        r = octa.lbaas("PUT", "/listeners/%s" % li["id"],
                       {"listener": {field: value}})
        assert_fault(r, 400, contains=["Unknown attribute", field])


def test_duplicate_port_same_l4_protocol_409(octa, lb):
    octa.create_listener(lb["id"], protocol="HTTP", protocol_port=80)
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TCP",
        "protocol_port": 80}})
    assert_fault(r, 409, faultstring=(
        "Another Listener on this Load Balancer is already using protocol "
        "HTTP and protocol_port 80"))
    # UDP shares no L4 protocol with HTTP: fine
    octa.create_listener(lb["id"], protocol="UDP", protocol_port=80)
    # the same port on another LB is fine too
    other = octa.create_lb()
    try:
        octa.create_listener(other["id"], protocol="HTTP", protocol_port=80)
    finally:
        octa.cleanup_lb(other["id"])


def test_insert_headers_rules(octa, lb):
    li = octa.create_listener(lb["id"], insert_headers={
        "X-Forwarded-For": "true", "X-Forwarded-Port": "true"})
    assert li["insert_headers"] == {"X-Forwarded-For": "true",
                                    "X-Forwarded-Port": "true"}
    # not allowed on TCP listeners
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 81,
        "insert_headers": {"X-Forwarded-For": "true"}}})
    assert_fault(r, 400)
    # unknown header
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 82,
        "insert_headers": {"X-Evil": "true"}}})
    assert_fault(r, 400)
    # SSL headers only on TERMINATED_HTTPS
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 83,
        "insert_headers": {"X-SSL-Client-CN": "true"}}})
    assert_fault(r, 400)


def test_allowed_cidrs_normalised(octa, lb):
    li = octa.create_listener(lb["id"], protocol="TCP", protocol_port=22,
                              allowed_cidrs=["192.0.2.77/24", "10.0.0.0/8"])
    assert sorted(li["allowed_cidrs"]) == ["10.0.0.0/8", "192.0.2.0/24"]
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 23,
        "allowed_cidrs": ["not-a-cidr"]}})
    assert_fault(r, 400)


def test_tls_listener_needs_certificate(octa, lb):
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TERMINATED_HTTPS",
        "protocol_port": 443}})
    assert_fault(r, 400)


def test_udp_listener_rejects_insert_headers(octa, lb):
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "UDP", "protocol_port": 53,
        "insert_headers": {"X-Forwarded-For": "true"}}})
    assert_fault(r, 400)


def test_default_pool_must_be_same_lb_and_compatible(octa, lb):
    tcp_pool = octa.create_pool(lb["id"], protocol="TCP")
    # HTTP listener cannot use a TCP pool
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 80,
        "default_pool_id": tcp_pool["id"]}})
    assert_fault(r, 400)
    # a pool of another LB is not found
    other = octa.create_lb()
    try:
        r = octa.lbaas("POST", "/listeners", {"listener": {
            "loadbalancer_id": other["id"], "protocol": "TCP",
            "protocol_port": 80, "default_pool_id": tcp_pool["id"]}})
        assert_fault(r, 404,
                     faultstring="Pool %s not found." % tcp_pool["id"])
    finally:
        octa.cleanup_lb(other["id"])
    # TCP listener with the TCP pool: fine, pool lists the listener
    li = octa.create_listener(lb["id"], protocol="TCP", protocol_port=80,
                              default_pool_id=tcp_pool["id"])
    assert li["default_pool_id"] == tcp_pool["id"]
    assert octa.get("pool", tcp_pool["id"])["listeners"] == [
        {"id": li["id"]}]


def test_listener_stats_cli(octa, lb):
    li = octa.create_listener(lb["id"])
    out = octa.cli("listener", "stats", "show", li["id"])
    assert set(out) == {"active_connections", "bytes_in", "bytes_out",
                        "request_errors", "total_connections"}
    st, body = octa.lbaas("GET", "/listeners/%s/stats" % li["id"])
    assert st == 200 and set(body) == {"stats"}
    assert set(body["stats"]) == set(out)


def test_unknown_lb_404(octa):
    lb_id = "8d3f1a52-6c1b-4f7e-9c55-3f2b8b0f4a11"
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb_id, "protocol": "HTTP", "protocol_port": 80}})
    assert_fault(r, 404, faultstring="Load Balancer %s not found." % lb_id)


def test_list_filter_by_loadbalancer(octa, lb):
    a = octa.create_listener(lb["id"], protocol_port=80)
    b = octa.create_listener(lb["id"], protocol_port=81)
    st, body = octa.lbaas("GET", "/listeners?loadbalancer_id=" + lb["id"])
    assert st == 200
    assert sorted(ids(body["listeners"])) == sorted([a["id"], b["id"]])
    assert body["listeners_links"] == []
    st, body = octa.lbaas("GET", "/listeners?protocol_port=81&"
                          "loadbalancer_id=" + lb["id"])
    assert ids(body["listeners"]) == [b["id"]]


def test_sdk_life_cycle(octa, lb):
    lbs = octa.sdk.load_balancer
    li = lbs.create_listener(name=unique("listener"), protocol="HTTP",
                             protocol_port=8080, loadbalancer_id=lb["id"],
                             connection_limit=10, tags=["sdk"])
    assert li.provisioning_status == "PENDING_CREATE"
    assert li.connection_limit == 10
    octa.wait_active("loadbalancer", lb["id"])
    got = lbs.get_listener(li.id)
    assert got.provisioning_status == "ACTIVE"
    assert got.protocol_port == 8080
    assert got.tags == ["sdk"]
    assert got.load_balancers == [{"id": lb["id"]}]
    # openstacksdk filters listeners by load_balancer_id (the DB name);
    # Octavia accepts any data-model attribute as a filter
    assert li.id in [x.id for x in lbs.listeners(load_balancer_id=lb["id"])]
    upd = lbs.update_listener(li.id, connection_limit=20, name="sdk2")
    assert upd.connection_limit == 20
    octa.wait_active("loadbalancer", lb["id"])
    assert lbs.get_listener(li.id).name == "sdk2"
    stats = lbs.get_listener_statistics(li.id)
    assert stats.total_connections >= 0
    lbs.delete_listener(li.id)
    octa.wait_active("loadbalancer", lb["id"])
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_listener(li.id)


def test_create_response_is_pending_and_locks_lb(octad_factory):
    """Deterministic status writes: the api-only unit has no worker."""
    o = octad_factory("listener-lock")
    lb = o.create_lb()
    o.restart(roles="api")
    st, body = o.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP",
        "protocol_port": 80}})
    assert st == 201, body
    li = body["listener"]
    assert li["provisioning_status"] == "PENDING_CREATE"
    assert li["operating_status"] == "OFFLINE"
    assert li["updated_at"] is None
    assert o.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    # a second mutation is refused while the LB is locked
    r = o.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP",
        "protocol_port": 81}})
    assert_fault(r, 409, faultstring=(
        "Load Balancer %s is immutable and cannot be updated." % lb["id"]))
    r = o.lbaas("PUT", "/listeners/%s" % li["id"],
                {"listener": {"name": "x"}})
    assert_fault(r, 409)
    r = o.lbaas("DELETE", "/listeners/%s" % li["id"])
    assert_fault(r, 409)
    o.restart(roles="")
    o.wait_active("loadbalancer", lb["id"])
    assert o.wait_active("listener", li["id"])["name"] == ""
