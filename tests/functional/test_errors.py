"""Error handling (contract 1.6): every error is a JSON body
{"faultcode", "faultstring", "debuginfo"} with the right status, and a
rejected request writes nothing."""

import json

import pytest

from octatest import SUBNET_ID, assert_fault, unique

UNKNOWN = "4b0e5c1d-9a8f-4e7d-b6c5-a4f3e2d1c0b9"


def lb_body(**kw):
    body = {"vip_subnet_id": SUBNET_ID, "name": unique("err")}
    body.update(kw)
    return {"loadbalancer": body}


def assert_no_lb_named(octa, name):
    st, body = octa.lbaas("GET", "/loadbalancers?name=" + name)
    assert st == 200 and body["loadbalancers"] == [], body


# ------------------------------------------------------------ not found

@pytest.mark.parametrize("path,resource", [
    ("/v2/lbaas/loadbalancers/%s", "Load Balancer"),
    ("/v2/lbaas/listeners/%s", "Listener"),
    ("/v2/lbaas/pools/%s", "Pool"),
    ("/v2/lbaas/healthmonitors/%s", "Health Monitor"),
    ("/v2/lbaas/l7policies/%s", "L7 Policy"),
    ("/v2/lbaas/flavors/%s", "Flavor"),
    ("/v2/lbaas/flavorprofiles/%s", "Flavor Profile"),  # data model name
    ("/v2/octavia/amphorae/%s", "Amphora"),
    ("/v2.0/lbaas/loadbalancers/%s", "Load Balancer"),
])
def test_unknown_id_404_exact_body(octa, path, resource):
    st, body = octa.http("GET", path % UNKNOWN)
    assert st == 404
    assert body == {"faultcode": "Client",
                    "faultstring": "%s %s not found." % (resource, UNKNOWN),
                    "debuginfo": None}


def test_unknown_lb_exact_body(octa):
    """The brief's example, byte for byte after JSON parsing."""
    r = octa.http("GET", "/v2/lbaas/loadbalancers/%s" % UNKNOWN)
    assert r.status == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert json.loads(r.raw) == {
        "faultcode": "Client",
        "faultstring": "Load Balancer %s not found." % UNKNOWN,
        "debuginfo": None}


@pytest.mark.parametrize("method,path,body", [
    ("PUT", "/v2/lbaas/loadbalancers/%s", {"loadbalancer": {"name": "x"}}),
    ("DELETE", "/v2/lbaas/loadbalancers/%s", None),
    ("GET", "/v2/lbaas/loadbalancers/%s/stats", None),
    ("GET", "/v2/lbaas/loadbalancers/%s/status", None),
    ("PUT", "/v2/lbaas/loadbalancers/%s/failover", None),
    ("PUT", "/v2/lbaas/listeners/%s", {"listener": {"name": "x"}}),
    ("DELETE", "/v2/lbaas/pools/%s", None),
    ("GET", "/v2/lbaas/pools/%s/members", None),
    ("DELETE", "/v2/lbaas/healthmonitors/%s", None),
    ("GET", "/v2/lbaas/l7policies/%s/rules", None),
])
def test_unknown_id_other_methods_404(octa, method, path, body):
    assert_fault(octa.http(method, path % UNKNOWN, body), 404,
                 contains=UNKNOWN)


def test_not_a_uuid_in_path_is_404(octa):
    assert_fault(octa.lbaas("GET", "/loadbalancers/not-a-uuid"), 404,
                 faultstring="Load Balancer not-a-uuid not found.")


def test_child_of_other_parent_404(octa, lb):
    pool = octa.create_pool(lb["id"])
    m = octa.create_member(lb["id"], pool["id"])
    other = octa.create_pool(lb["id"])
    assert_fault(octa.lbaas("GET", "/pools/%s/members/%s" % (other["id"],
                                                             m["id"])), 404,
                 faultstring="Member %s not found." % m["id"])


@pytest.mark.parametrize("path", ["/v2/lbaas/bogus", "/v2/bogus", "/bogus",
                                  "/v2/lbaas/loadbalancers/%s/bogus" %
                                  UNKNOWN, "/v3/lbaas/loadbalancers"])
def test_unknown_path_404(octa, path):
    assert_fault(octa.http("GET", path), 404)


def test_wrong_method_405(octa):
    r = octa.lbaas("PATCH", "/loadbalancers")
    assert_fault(r, 405)
    r = octa.lbaas("DELETE", "/loadbalancers")
    assert_fault(r, 405)


# ------------------------------------------------------------- bad bodies

@pytest.mark.parametrize("raw", [
    "{", '{"loadbalancer": ', "not json at all", '{"loadbalancer": {]}',
    "\xff\xfe",
])
def test_malformed_json_400(octa, raw):
    assert_fault(octa.lbaas("POST", "/loadbalancers", raw), 400)


@pytest.mark.parametrize("body", [
    [], "just a string", 42, None, {}, {"listener": {"protocol": "HTTP"}},
    {"loadbalancer": "x"}, {"loadbalancer": []},
])
def test_wrong_body_shape_400(octa, body):
    raw = json.dumps(body)
    assert_fault(octa.lbaas("POST", "/loadbalancers", raw), 400)


def test_empty_body_400(octa):
    assert_fault(octa.lbaas("POST", "/loadbalancers", b""), 400)


def test_unknown_attribute_400(octa):
    body = lb_body(bogus_field=1)
    r = octa.lbaas("POST", "/loadbalancers", body)
    assert_fault(r, 400, contains=["Unknown attribute", "bogus_field"])
    assert_no_lb_named(octa, body["loadbalancer"]["name"])


@pytest.mark.parametrize("field,value,contains", [
    ("admin_state_up", "sometimes", "admin_state_up"),
    ("name", "x" * 256, "name"),
    ("description", "x" * 256, "description"),
    ("vip_subnet_id", "not-a-uuid", "vip_subnet_id"),
    ("vip_address", "300.1.1.1", "vip_address"),
    ("tags", "not-a-list", "tags"),
    ("tags", ["x" * 256], "tags"),
    ("project_id", "p" * 37, "project_id"),
    ("listeners", "nope", "listeners"),
])
def test_lb_invalid_field_400(octa, field, value, contains):
    body = lb_body(**{field: value})
    r = octa.lbaas("POST", "/loadbalancers", body)
    assert_fault(r, 400, contains=contains)
    if field != "name":
        assert_no_lb_named(octa, body["loadbalancer"]["name"])


def test_lb_without_vip_400(octa):
    r = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {"name": "x"}})
    assert_fault(r, 400, contains="VIP must contain one of")


def test_wsme_message_format(octa):
    r = octa.lbaas("POST", "/loadbalancers", lb_body(
        vip_subnet_id="not-a-uuid"))
    body = assert_fault(r, 400)
    assert body["faultstring"].startswith(
        "Invalid input for field/attribute vip_subnet_id. Value: "
        "'not-a-uuid'."), body


@pytest.mark.parametrize("port", [0, 65536, -1, "eighty"])
def test_listener_port_out_of_range_400(octa, lb, port):
    r = octa.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP",
        "protocol_port": port}})
    assert_fault(r, 400, contains="protocol_port")
    st, body = octa.lbaas("GET", "/listeners?loadbalancer_id=" + lb["id"])
    assert body["listeners"] == []
    assert octa.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "ACTIVE"


@pytest.mark.parametrize("port", [1, 65535])
def test_listener_port_bounds_ok(octa, lb, port):
    octa.create_listener(lb["id"], protocol="TCP", protocol_port=port)


@pytest.mark.parametrize("field,value", [
    ("protocol", "FTP"), ("protocol", "http"), ("connection_limit", -2),
    ("connection_limit", "lots"), ("timeout_client_data", -1),
    ("timeout_client_data", 2073600001), ("client_authentication", "SOME"),
    ("loadbalancer_id", "not-a-uuid"),
])
def test_listener_bad_values_400(octa, lb, field, value):
    body = {"loadbalancer_id": lb["id"], "protocol": "HTTP",
            "protocol_port": 80}
    body[field] = value
    assert_fault(octa.lbaas("POST", "/listeners", {"listener": body}), 400,
                 contains=field)


@pytest.mark.parametrize("missing", ["protocol", "protocol_port",
                                     "loadbalancer_id"])
def test_listener_missing_mandatory_400(octa, lb, missing):
    body = {"loadbalancer_id": lb["id"], "protocol": "HTTP",
            "protocol_port": 80}
    del body[missing]
    r = octa.lbaas("POST", "/listeners", {"listener": body})
    b = assert_fault(r, 400, contains=[missing, "Mandatory field missing"])
    assert b["faultstring"] == ("Invalid input for field/attribute %s. "
                                "Value: 'None'. Mandatory field missing." %
                                missing)


@pytest.mark.parametrize("field,value", [
    ("lb_algorithm", "RANDOM"), ("protocol", "FTP"),
    ("lb_algorithm", None),
])
def test_pool_bad_enum_400(octa, lb, field, value):
    body = {"loadbalancer_id": lb["id"], "protocol": "HTTP",
            "lb_algorithm": "ROUND_ROBIN"}
    body[field] = value
    assert_fault(octa.lbaas("POST", "/pools", {"pool": body}), 400,
                 contains=field)


def test_member_weight_257_400(octa, lb):
    pool = octa.create_pool(lb["id"])
    r = octa.lbaas("POST", "/pools/%s/members" % pool["id"], {"member": {
        "address": "192.0.2.1", "protocol_port": 80, "weight": 257}})
    assert_fault(r, 400, contains="weight")


def test_update_body_errors(octa, lb):
    path = "/loadbalancers/%s" % lb["id"]
    assert_fault(octa.lbaas("PUT", path, "{"), 400)
    assert_fault(octa.lbaas("PUT", path, {"loadbalancer": {"bogus": 1}}),
                 400, contains=["Unknown attribute", "bogus"])
    assert_fault(octa.lbaas("PUT", path, {"loadbalancer": {
        "admin_state_up": "perhaps"}}), 400)
    assert_fault(octa.lbaas("PUT", path, {"listener": {"name": "x"}}), 400)
    got = octa.get("loadbalancer", lb["id"])
    assert got["provisioning_status"] == "ACTIVE"
    assert got["name"] == lb["name"]


def test_body_too_large_413(octa):
    big = json.dumps(lb_body(description="x" * 200000))
    r = octa.lbaas("POST", "/loadbalancers", big)
    assert_fault(r, 413)


def test_errors_are_json_content_type(octa):
    for method, path, body in (
            ("GET", "/v2/lbaas/loadbalancers/%s" % UNKNOWN, None),
            ("POST", "/v2/lbaas/loadbalancers", "{"),
            ("GET", "/v2/lbaas/loadbalancers?bogus=1", None)):
        r = octa.http(method, path, body)
        assert r.status >= 400
        assert r.headers["Content-Type"].startswith("application/json"), (
            path, dict(r.headers))


def test_cli_reports_server_fault(octa):
    """octaviaclient shows the faultstring of an error to the user."""
    err = octa.cli_fails("show", UNKNOWN)
    assert err.returncode != 0
    err = octa.cli_fails("listener", "create", "--protocol", "HTTP",
                         "--protocol-port", "80", UNKNOWN)
    assert err.returncode != 0


def test_server_survives_garbage(octa):
    """A burst of bad requests leaves the API healthy."""
    for raw in ("{" * 1000, "[" * 5000, '{"loadbalancer": ' * 500,
                '"' + "\\u0000" * 100 + '"', "\x00" * 64):
        r = octa.lbaas("POST", "/loadbalancers", raw)
        assert 400 <= r.status < 500, (raw[:20], r.status)
    st, body = octa.http("GET", "/")
    assert st == 200
