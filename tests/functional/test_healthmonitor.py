"""Health monitors (contract 1.8 Health monitor, 1.10, 9)."""

import openstack.exceptions
import pytest

from octatest import assert_fault, cli_list, is_timestamp, unique

HM_FIELDS = {
    "id", "name", "type", "delay", "timeout", "max_retries",
    "max_retries_down", "http_method", "url_path", "expected_codes",
    "admin_state_up", "project_id", "tenant_id", "pools",
    "provisioning_status", "operating_status", "created_at", "updated_at",
    "tags", "http_version", "domain_name",
}


@pytest.fixture
def pool(octa, lb):
    return octa.create_pool(lb["id"])


def post_hm(octa, body):
    return octa.lbaas("POST", "/healthmonitors", {"healthmonitor": body})


def test_cli_create_http_defaults(octa, lb, pool):
    name = unique("hm")
    out = octa.cli("healthmonitor", "create", "--name", name, "--delay", "5",
                   "--timeout", "3", "--max-retries", "2", "--type", "HTTP",
                   pool["id"])
    assert out["name"] == name
    assert out["type"] == "HTTP"
    assert out["delay"] == 5 and out["timeout"] == 3
    assert out["max_retries"] == 2
    assert out["max_retries_down"] == 3
    assert out["http_method"] == "GET"
    assert out["url_path"] == "/"
    assert out["expected_codes"] == "200"
    assert out["admin_state_up"] is True
    assert out["provisioning_status"] == "PENDING_CREATE"
    assert cli_list(out["pools"]) == [pool["id"]]
    octa.wait_active("loadbalancer", lb["id"])
    hm = octa.wait_active("healthmonitor", out["id"])
    assert set(hm) == HM_FIELDS, set(hm) ^ HM_FIELDS
    assert hm["operating_status"] == "ONLINE"       # enabled HM
    assert hm["pools"] == [{"id": pool["id"]}]
    assert hm["tenant_id"] == hm["project_id"] == lb["project_id"]
    assert hm["http_version"] is None and hm["domain_name"] is None
    assert is_timestamp(hm["created_at"])
    assert octa.get("pool", pool["id"])["healthmonitor_id"] == hm["id"]


def test_non_http_types_have_no_http_fields(octa, lb, pool):
    hm = octa.create_hm(lb["id"], pool["id"], type="TCP")
    assert hm["http_method"] is None
    assert hm["url_path"] is None
    assert hm["expected_codes"] is None
    for field, value in (("http_method", "GET"), ("url_path", "/x"),
                         ("expected_codes", "200")):
        r = octa.lbaas("PUT", "/healthmonitors/%s" % hm["id"],
                       {"healthmonitor": {field: value}})
        assert_fault(r, 400)


@pytest.mark.parametrize("hm_type", ["PING", "TCP", "TLS-HELLO", "HTTPS"])
def test_types_on_http_pool(octa, lb, pool, hm_type):
    hm = octa.create_hm(lb["id"], pool["id"], type=hm_type)
    assert hm["type"] == hm_type


@pytest.mark.parametrize("hm_type", ["UDP-CONNECT", "SCTP"])
def test_udp_types_rejected_on_tcp_family_pool(octa, lb, pool, hm_type):
    assert_fault(post_hm(octa, {"pool_id": pool["id"], "type": hm_type,
                                "delay": 5, "timeout": 3,
                                "max_retries": 3}), 400)


def test_udp_pool_hm_rules(octa, lb):
    udp = octa.create_pool(lb["id"], protocol="UDP")
    base = {"pool_id": udp["id"], "timeout": 3, "max_retries": 3}
    # PING and TLS-HELLO are not for UDP pools
    for t in ("PING", "TLS-HELLO", "HTTPS"):
        assert_fault(post_hm(octa, dict(base, type=t, delay=5)), 400)
    # UDP-CONNECT delay must be >= 3
    assert_fault(post_hm(octa, dict(base, type="UDP-CONNECT", delay=2)), 400)
    hm = octa.create_hm(lb["id"], udp["id"], type="UDP-CONNECT", delay=3)
    assert hm["type"] == "UDP-CONNECT"


def test_second_hm_on_pool_409(octa, lb, pool):
    octa.create_hm(lb["id"], pool["id"])
    assert_fault(post_hm(octa, {"pool_id": pool["id"], "type": "TCP",
                                "delay": 5, "timeout": 3,
                                "max_retries": 3}), 409,
                 faultstring="This pool already has a health monitor")


@pytest.mark.parametrize("field,value", [
    ("max_retries", 0), ("max_retries", 11), ("max_retries_down", 0),
    ("max_retries_down", 11), ("delay", -1), ("timeout", -1),
    ("type", "FOO"), ("http_method", "FETCH"), ("http_version", 2.0),
    ("expected_codes", "2000"), ("expected_codes", "200-"),
    ("expected_codes", "abc"), ("url_path", "no-slash"),
    ("url_path", "/a b"), ("url_path", "http://host/x"),
    ("delay", "soon"), ("pool_id", "not-a-uuid"),
])
def test_invalid_values_400(octa, lb, pool, field, value):
    body = {"pool_id": pool["id"], "type": "HTTP", "delay": 5, "timeout": 3,
            "max_retries": 3}
    body[field] = value
    assert_fault(post_hm(octa, body), 400)
    assert octa.get("pool", pool["id"])["healthmonitor_id"] is None


@pytest.mark.parametrize("missing", ["pool_id", "type", "delay", "timeout",
                                     "max_retries"])
def test_missing_mandatory_400(octa, pool, missing):
    body = {"pool_id": pool["id"], "type": "HTTP", "delay": 5, "timeout": 3,
            "max_retries": 3}
    del body[missing]
    assert_fault(post_hm(octa, body), 400, contains=missing)


@pytest.mark.parametrize("codes", ["200", "200,202", "200, 202 ,204",
                                   "200-204"])
def test_expected_codes_accepted(octa, lb, pool, codes):
    hm = octa.create_hm(lb["id"], pool["id"], expected_codes=codes)
    assert hm["expected_codes"] == codes


def test_domain_name_rules(octa, lb, pool):
    base = {"pool_id": pool["id"], "type": "HTTP", "delay": 5, "timeout": 3,
            "max_retries": 3}
    # domain_name needs http_version, and it must be 1.1
    assert_fault(post_hm(octa, dict(base, domain_name="a.example.com")), 400)
    assert_fault(post_hm(octa, dict(base, domain_name="a.example.com",
                                    http_version=1.0)), 400)
    assert_fault(post_hm(octa, dict(base, domain_name="bad domain",
                                    http_version=1.1)), 400)
    hm = octa.create_hm(lb["id"], pool["id"], domain_name="a.example.com",
                        http_version=1.1)
    assert hm["domain_name"] == "a.example.com"
    assert hm["http_version"] == 1.1


def test_cli_set_unset_delete(octa, lb, pool):
    hm = octa.create_hm(lb["id"], pool["id"])
    octa.cli("healthmonitor", "set", "--name", "renamed", "--delay", "10",
             "--timeout", "4", "--max-retries", "5", "--max-retries-down",
             "6", "--url-path", "/health", "--expected-codes", "200,202",
             "--http-method", "HEAD", "--disable", "--wait", hm["id"])
    got = octa.get("healthmonitor", hm["id"])
    assert got["name"] == "renamed"
    assert (got["delay"], got["timeout"]) == (10, 4)
    assert (got["max_retries"], got["max_retries_down"]) == (5, 6)
    assert got["url_path"] == "/health"
    assert got["expected_codes"] == "200,202"
    assert got["http_method"] == "HEAD"
    assert got["admin_state_up"] is False
    assert got["provisioning_status"] == "ACTIVE"
    assert got["operating_status"] == "OFFLINE"     # disabled HM
    shown = octa.cli("healthmonitor", "show", hm["id"])
    assert shown["url_path"] == "/health"
    assert hm["id"] in [x["id"] for x in octa.cli("healthmonitor", "list")]

    # unset = PUT null = back to defaults (contract 1.10)
    octa.cli("healthmonitor", "unset", "--name", "--url-path",
             "--expected-codes", "--http-method", "--max-retries-down",
             "--wait", hm["id"])
    got = octa.get("healthmonitor", hm["id"])
    assert got["name"] == ""
    assert got["url_path"] == "/"
    assert got["expected_codes"] == "200"
    assert got["http_method"] == "GET"
    assert got["max_retries_down"] == 3

    octa.cli("healthmonitor", "delete", "--wait", hm["id"])
    assert octa.get("healthmonitor", hm["id"]) is None
    assert_fault(octa.lbaas("GET", "/healthmonitors/%s" % hm["id"]), 404,
                 faultstring="Health Monitor %s not found." % hm["id"])
    assert octa.wait_active("pool", pool["id"])["healthmonitor_id"] is None


@pytest.mark.parametrize("field", ["delay", "timeout", "max_retries"])
def test_put_null_mandatory_400(octa, lb, pool, field):
    hm = octa.create_hm(lb["id"], pool["id"])
    r = octa.lbaas("PUT", "/healthmonitors/%s" % hm["id"],
                   {"healthmonitor": {field: None}})
    assert_fault(r, 400, faultstring="None is not a valid option for %s" %
                 field)


def test_put_immutable_400(octa, lb, pool):
    hm = octa.create_hm(lb["id"], pool["id"])
    for field, value in (("type", "TCP"), ("pool_id", pool["id"])):
        r = octa.lbaas("PUT", "/healthmonitors/%s" % hm["id"],
                       {"healthmonitor": {field: value}})
        assert_fault(r, 400, contains=["Unknown attribute", field])


def test_hm_delete_sets_members_no_monitor(octa, lb, pool):
    hm = octa.create_hm(lb["id"], pool["id"])
    m = octa.create_member(lb["id"], pool["id"])
    assert m["operating_status"] == "OFFLINE"
    r = octa.lbaas("DELETE", "/healthmonitors/%s" % hm["id"])
    assert r.status == 204 and r.raw == b""
    octa.wait_active("loadbalancer", lb["id"])
    octa.wait_gone("healthmonitor", hm["id"])
    assert octa.get("member", m["id"], pool["id"])["operating_status"] == \
        "NO_MONITOR"


def test_sdk_life_cycle(octa, lb, pool):
    lbs = octa.sdk.load_balancer
    hm = lbs.create_health_monitor(pool_id=pool["id"], type="HTTP", delay=5,
                                   timeout=3, max_retries=2,
                                   url_path="/ping", name=unique("hm"))
    assert hm.provisioning_status == "PENDING_CREATE"
    octa.wait_active("loadbalancer", lb["id"])
    got = lbs.get_health_monitor(hm.id)
    assert got.provisioning_status == "ACTIVE"
    assert got.url_path == "/ping"
    assert got.pools == [{"id": pool["id"]}]
    assert hm.id in [x.id for x in lbs.health_monitors()]
    lbs.update_health_monitor(hm.id, delay=9)
    octa.wait_active("loadbalancer", lb["id"])
    assert lbs.get_health_monitor(hm.id).delay == 9
    lbs.delete_health_monitor(hm.id)
    octa.wait_active("loadbalancer", lb["id"])
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_health_monitor(hm.id)


def test_hm_needs_active_pool(octad_factory):
    o = octad_factory("hm-lock")
    lb = o.create_lb()
    pool = o.create_pool(lb["id"])
    o.restart(roles="api")
    st, body = o.lbaas("POST", "/healthmonitors", {"healthmonitor": {
        "pool_id": pool["id"], "type": "TCP", "delay": 5, "timeout": 3,
        "max_retries": 3}})
    assert st == 201, body
    hm = body["healthmonitor"]
    assert hm["provisioning_status"] == "PENDING_CREATE"
    assert hm["operating_status"] == "OFFLINE"
    assert o.get("pool", pool["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    assert o.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    # the pool is not ACTIVE: members and HMs are refused
    r = o.lbaas("POST", "/pools/%s/members" % pool["id"], {"member": {
        "address": "192.0.2.5", "protocol_port": 80}})
    assert_fault(r, 409)
    o.restart(roles="")
    o.wait_active("loadbalancer", lb["id"])
    o.wait_active("pool", pool["id"])
    assert o.wait_active("healthmonitor", hm["id"])["operating_status"] == \
        "ONLINE"
