"""L7 policies and rules (contract 1.8 L7 policy / L7 rule, 9)."""

import openstack.exceptions
import pytest

from octatest import assert_fault, ids, is_timestamp, unique

POLICY_FIELDS = {
    "id", "name", "description", "provisioning_status", "operating_status",
    "admin_state_up", "project_id", "tenant_id", "action", "listener_id",
    "redirect_pool_id", "redirect_url", "redirect_prefix", "position",
    "rules", "created_at", "updated_at", "tags", "redirect_http_code",
}
RULE_FIELDS = {
    "id", "type", "compare_type", "key", "value", "invert",
    "provisioning_status", "operating_status", "created_at", "updated_at",
    "project_id", "tenant_id", "admin_state_up", "tags",
}


@pytest.fixture
def listener(octa, lb):
    return octa.create_listener(lb["id"])


@pytest.fixture
def pool(octa, lb):
    return octa.create_pool(lb["id"])


def positions(octa, listener_id):
    st, body = octa.lbaas("GET", "/l7policies?listener_id=" + listener_id)
    assert st == 200
    return {p["id"]: p["position"] for p in body["l7policies"]}


# --------------------------------------------------------------- policies

def test_cli_create_redirect_to_pool(octa, lb, listener, pool):
    name = unique("l7p")
    out = octa.cli("l7policy", "create", "--name", name, "--action",
                   "REDIRECT_TO_POOL", "--redirect-pool", pool["id"],
                   "--description", "to pool", listener["id"])
    assert out["name"] == name
    assert out["action"] == "REDIRECT_TO_POOL"
    assert out["redirect_pool_id"] == pool["id"]
    assert out["position"] == 1
    assert out["provisioning_status"] == "PENDING_CREATE"
    assert out["listener_id"] == listener["id"]
    octa.wait_active("loadbalancer", lb["id"])
    pol = octa.wait_active("l7policy", out["id"])
    assert set(pol) == POLICY_FIELDS, set(pol) ^ POLICY_FIELDS
    assert pol["operating_status"] == "ONLINE"
    assert pol["redirect_url"] is None and pol["redirect_prefix"] is None
    assert pol["redirect_http_code"] is None
    assert pol["rules"] == []
    assert pol["tenant_id"] == pol["project_id"] == lb["project_id"]
    assert is_timestamp(pol["created_at"])
    assert {"id": pol["id"]} in octa.get("listener", listener["id"])[
        "l7policies"]


def test_redirect_to_url_defaults_302(octa, lb, listener):
    pol = octa.create_l7policy(lb["id"], listener["id"],
                               action="REDIRECT_TO_URL",
                               redirect_url="https://example.com/x")
    assert pol["redirect_url"] == "https://example.com/x"
    assert pol["redirect_http_code"] == 302
    assert pol["redirect_pool_id"] is None
    pol2 = octa.create_l7policy(lb["id"], listener["id"],
                                action="REDIRECT_PREFIX",
                                redirect_prefix="https://example.com",
                                redirect_http_code=308)
    assert pol2["redirect_http_code"] == 308


@pytest.mark.parametrize("body", [
    {"action": "REDIRECT_TO_URL"},                       # url missing
    {"action": "REDIRECT_TO_POOL"},                      # pool missing
    {"action": "REDIRECT_PREFIX"},                       # prefix missing
    {"action": "DROP"},                                  # bad enum
    {},                                                  # action mandatory
    {"action": "REDIRECT_TO_URL", "redirect_url": "ftp://example.com/"},
    {"action": "REDIRECT_TO_URL", "redirect_url": "http://exa mple.com/"},
    {"action": "REDIRECT_TO_URL", "redirect_url": "http://x.com/\r\nX: y"},
    {"action": "REDIRECT_TO_URL", "redirect_url": "not a url"},
    {"action": "REDIRECT_TO_URL", "redirect_url": "http://x.com/",
     "redirect_http_code": 304},
    {"action": "REDIRECT_PREFIX", "redirect_prefix": "http://x.com/\x7f"},
    {"action": "REJECT", "position": 0},
    {"action": "REJECT", "position": 2147483648},
])
def test_invalid_policy_400(octa, lb, listener, body):
    body = dict(body, listener_id=listener["id"])
    r = octa.lbaas("POST", "/l7policies", {"l7policy": body})
    assert_fault(r, 400)
    assert positions(octa, listener["id"]) == {}


def test_pool_and_url_together_400(octa, lb, listener, pool):
    # Without an action to decide between them, both targets are an error
    # (Octavia's sanitising keeps only the target an explicit action names).
    r = octa.lbaas("POST", "/l7policies", {"l7policy": {
        "listener_id": listener["id"], "action": "REJECT",
        "redirect_pool_id": pool["id"],
        "redirect_url": "http://example.com/"}})
    assert r.status in (201, 400), r.body
    r = octa.lbaas("POST", "/l7policies", {"l7policy": {
        "listener_id": listener["id"],
        "redirect_pool_id": pool["id"],
        "redirect_url": "http://example.com/"}})
    assert_fault(r, 400)


def test_policy_on_tcp_listener_not_supported(octa, lb):
    tcp = octa.create_listener(lb["id"], protocol="TCP", protocol_port=9000)
    r = octa.lbaas("POST", "/l7policies", {"l7policy": {
        "listener_id": tcp["id"], "action": "REJECT"}})
    assert_fault(r, 501, contains="amphora")


def test_redirect_pool_must_be_compatible(octa, lb, listener):
    tcp_pool = octa.create_pool(lb["id"], protocol="TCP")
    r = octa.lbaas("POST", "/l7policies", {"l7policy": {
        "listener_id": listener["id"], "action": "REDIRECT_TO_POOL",
        "redirect_pool_id": tcp_pool["id"]}})
    assert_fault(r, 400)


def test_positions_dense_and_renumbered(octa, lb, listener):
    lid = listener["id"]
    a = octa.create_l7policy(lb["id"], lid, name="a")
    b = octa.create_l7policy(lb["id"], lid, name="b")
    assert (a["position"], b["position"]) == (1, 2)
    # insert at the front: the others shift
    c = octa.cli("l7policy", "create", "--action", "REJECT", "--position",
                 "1", "--name", "c", lid)
    octa.wait_active("loadbalancer", lb["id"])
    assert positions(octa, lid) == {c["id"]: 1, a["id"]: 2, b["id"]: 3}
    # a position beyond the end appends at N+1
    d = octa.create_l7policy(lb["id"], lid, name="d", position=100)
    assert d["position"] == 4
    # move b to 1
    octa.cli("l7policy", "set", "--position", "1", "--wait", b["id"])
    assert positions(octa, lid) == {b["id"]: 1, c["id"]: 2, a["id"]: 3,
                                    d["id"]: 4}
    # delete the one at 2: the rest close the gap
    octa.cli("l7policy", "delete", "--wait", c["id"])
    assert positions(octa, lid) == {b["id"]: 1, a["id"]: 2, d["id"]: 3}
    # listing sorted by position
    st, body = octa.lbaas("GET", "/l7policies?listener_id=%s&sort=position"
                          % lid)
    assert ids(body["l7policies"]) == [b["id"], a["id"], d["id"]]


def test_action_follows_redirect_target_on_update(octa, lb, listener, pool):
    pol = octa.create_l7policy(lb["id"], listener["id"], action="REJECT")
    r = octa.lbaas("PUT", "/l7policies/%s" % pol["id"], {"l7policy": {
        "redirect_url": "http://example.com/new"}})
    assert r.status == 200, r.body
    assert r.body["l7policy"]["provisioning_status"] == "PENDING_UPDATE"
    octa.wait_active("loadbalancer", lb["id"])
    got = octa.wait_active("l7policy", pol["id"])
    assert got["action"] == "REDIRECT_TO_URL"
    assert got["redirect_url"] == "http://example.com/new"
    assert got["redirect_http_code"] == 302

    r = octa.lbaas("PUT", "/l7policies/%s" % pol["id"], {"l7policy": {
        "redirect_pool_id": pool["id"]}})
    assert r.status == 200, r.body
    octa.wait_active("loadbalancer", lb["id"])
    got = octa.wait_active("l7policy", pol["id"])
    assert got["action"] == "REDIRECT_TO_POOL"
    assert got["redirect_pool_id"] == pool["id"]
    assert got["redirect_url"] is None

    r = octa.lbaas("PUT", "/l7policies/%s" % pol["id"], {"l7policy": {
        "action": "REJECT"}})
    assert r.status == 200, r.body
    octa.wait_active("loadbalancer", lb["id"])
    got = octa.wait_active("l7policy", pol["id"])
    assert got["action"] == "REJECT"
    assert got["redirect_pool_id"] is None and got["redirect_url"] is None


def test_cli_show_list_set_unset_delete(octa, lb, listener):
    pol = octa.create_l7policy(lb["id"], listener["id"],
                               action="REDIRECT_TO_URL",
                               redirect_url="http://example.com/",
                               redirect_http_code=301, description="d")
    shown = octa.cli("l7policy", "show", pol["id"])
    assert shown["redirect_http_code"] == 301
    assert octa.cli("l7policy", "show", pol["name"])["id"] == pol["id"]
    listed = octa.cli("l7policy", "list", "--listener", listener["id"])
    assert [x["id"] for x in listed] == [pol["id"]]
    octa.cli("l7policy", "set", "--name", "n2", "--disable", "--wait",
             pol["id"])
    got = octa.get("l7policy", pol["id"])
    assert got["name"] == "n2" and got["admin_state_up"] is False
    assert got["operating_status"] == "OFFLINE"
    octa.cli("l7policy", "unset", "--name", "--description",
             "--redirect-http-code", "--wait", pol["id"])
    got = octa.get("l7policy", pol["id"])
    assert got["name"] == "" and got["description"] == ""
    octa.cli("l7policy", "delete", "--wait", pol["id"])
    assert octa.get("l7policy", pol["id"]) is None
    assert_fault(octa.lbaas("GET", "/l7policies/%s" % pol["id"]), 404,
                 faultstring="L7 Policy %s not found." % pol["id"])


def test_pool_listeners_include_redirecting_listener(octa, lb, listener,
                                                     pool):
    """A pool's listeners = default-pool users + listeners whose enabled
    l7policy with at least one rule redirects to it (contract 1.8)."""
    pol = octa.create_l7policy(lb["id"], listener["id"],
                               action="REDIRECT_TO_POOL",
                               redirect_pool_id=pool["id"])
    assert octa.get("pool", pool["id"])["listeners"] == []
    octa.create_l7rule(lb["id"], pol["id"])
    assert octa.get("pool", pool["id"])["listeners"] == [
        {"id": listener["id"]}]


# ------------------------------------------------------------------ rules

def test_cli_rule_life_cycle(octa, lb, listener):
    pol = octa.create_l7policy(lb["id"], listener["id"])
    out = octa.cli("l7rule", "create", "--type", "PATH", "--compare-type",
                   "STARTS_WITH", "--value", "/api", pol["id"])
    assert out["type"] == "PATH"
    assert out["compare_type"] == "STARTS_WITH"
    assert out["value"] == "/api"
    assert out["invert"] is False
    assert out["provisioning_status"] == "PENDING_CREATE"
    octa.wait_active("loadbalancer", lb["id"])
    rule = octa.wait_active("l7rule", out["id"], pol["id"])
    assert set(rule) == RULE_FIELDS, set(rule) ^ RULE_FIELDS
    assert rule["key"] is None
    assert rule["operating_status"] == "ONLINE"
    assert rule["tenant_id"] == rule["project_id"] == lb["project_id"]
    assert octa.get("l7policy", pol["id"])["rules"] == [{"id": rule["id"]}]

    shown = octa.cli("l7rule", "show", pol["id"], rule["id"])
    assert shown["value"] == "/api"
    listed = octa.cli("l7rule", "list", pol["id"])
    assert [x["id"] for x in listed] == [rule["id"]]

    octa.cli("l7rule", "set", "--type", "HEADER", "--key", "X-Thing",
             "--value", "abc", "--compare-type", "EQUAL_TO", "--invert",
             "--wait", pol["id"], rule["id"])
    got = octa.get("l7rule", rule["id"], pol["id"])
    assert (got["type"], got["key"], got["value"]) == ("HEADER", "X-Thing",
                                                       "abc")
    assert got["invert"] is True
    assert got["provisioning_status"] == "ACTIVE"
    octa.cli("l7rule", "unset", "--invert", "--wait", pol["id"], rule["id"])
    assert octa.get("l7rule", rule["id"], pol["id"])["invert"] is False

    octa.cli("l7rule", "delete", "--wait", pol["id"], rule["id"])
    assert octa.get("l7rule", rule["id"], pol["id"]) is None
    assert_fault(octa.lbaas("GET", "/l7policies/%s/rules/%s" % (
        pol["id"], rule["id"])), 404,
        faultstring="L7 Rule %s not found." % rule["id"])
    assert octa.wait_active("l7policy", pol["id"])["rules"] == []


@pytest.mark.parametrize("rule", [
    {"type": "HEADER", "compare_type": "EQUAL_TO", "value": "x"},  # no key
    {"type": "HEADER", "compare_type": "EQUAL_TO", "key": "bad key",
     "value": "x"},
    {"type": "COOKIE", "compare_type": "EQUAL_TO", "key": "c;d",
     "value": "x"},
    {"type": "PATH", "compare_type": "EQUAL_TO", "value": "/a\nb"},
    {"type": "PATH", "compare_type": "EQUAL_TO", "value": "/a b"},
    {"type": "HOST_NAME", "compare_type": "REGEX", "value": "(unclosed"},
    {"type": "FILE_TYPE", "compare_type": "CONTAINS", "value": "jpg"},
    {"type": "SSL_CONN_HAS_CERT", "compare_type": "STARTS_WITH",
     "value": "true"},
    {"type": "SSL_CONN_HAS_CERT", "compare_type": "EQUAL_TO",
     "value": "yes"},
    {"type": "SSL_VERIFY_RESULT", "compare_type": "EQUAL_TO",
     "value": "-1"},
    {"type": "SSL_DN_FIELD", "compare_type": "EQUAL_TO", "value": "x"},
    {"type": "NOPE", "compare_type": "EQUAL_TO", "value": "x"},
    {"type": "PATH", "compare_type": "LIKE", "value": "x"},
    {"type": "PATH", "compare_type": "EQUAL_TO"},                   # value
    {"type": "PATH", "compare_type": "EQUAL_TO", "value": "x" * 256},
])
def test_invalid_rule_400(octa, lb, listener, rule):
    pol = octa.create_l7policy(lb["id"], listener["id"])
    r = octa.lbaas("POST", "/l7policies/%s/rules" % pol["id"],
                   {"rule": rule})
    assert_fault(r, 400)
    assert octa.get("l7policy", pol["id"])["rules"] == []


@pytest.mark.parametrize("rule", [
    {"type": "HOST_NAME", "compare_type": "ENDS_WITH",
     "value": ".example.com"},
    {"type": "FILE_TYPE", "compare_type": "EQUAL_TO", "value": "jpg"},
    {"type": "COOKIE", "compare_type": "CONTAINS", "key": "session",
     "value": "abc"},
    {"type": "SSL_CONN_HAS_CERT", "compare_type": "EQUAL_TO",
     "value": "TRUE"},
    {"type": "SSL_VERIFY_RESULT", "compare_type": "EQUAL_TO", "value": "0"},
    {"type": "SSL_DN_FIELD", "compare_type": "EQUAL_TO", "key": "CN",
     "value": "client"},
    {"type": "PATH", "compare_type": "REGEX", "value": "^/(a|b)$"},
    {"type": "HEADER", "compare_type": "EQUAL_TO", "key": "Host",
     "value": "\"with space\""},
])
def test_valid_rules(octa, lb, listener, rule):
    pol = octa.create_l7policy(lb["id"], listener["id"])
    got = octa.create_l7rule(lb["id"], pol["id"], **rule)
    for k, v in rule.items():
        assert got[k] == v, (k, got)


def test_rule_put_to_path_clears_key(octa, lb, listener):
    pol = octa.create_l7policy(lb["id"], listener["id"])
    rule = octa.create_l7rule(lb["id"], pol["id"], type="HEADER",
                              compare_type="EQUAL_TO", key="X-A",
                              value="1")
    r = octa.lbaas("PUT", "/l7policies/%s/rules/%s" % (pol["id"],
                                                      rule["id"]),
                   {"rule": {"type": "PATH", "value": "/p"}})
    assert r.status == 200, r.body
    assert r.body["rule"]["provisioning_status"] == "PENDING_UPDATE"
    octa.wait_active("loadbalancer", lb["id"])
    got = octa.wait_active("l7rule", rule["id"], pol["id"])
    assert got["type"] == "PATH" and got["key"] is None


def test_too_many_rules_409(octa, lb):
    """Max 50 rules per policy; built with one graph create."""
    name = unique("graph")
    rules = [{"type": "PATH", "compare_type": "STARTS_WITH",
              "value": "/p%d" % i} for i in range(50)]
    st, body = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {
        "name": name, "vip_subnet_id": lb["vip_subnet_id"],
        "listeners": [{"protocol": "HTTP", "protocol_port": 80,
                       "l7policies": [{"action": "REJECT",
                                       "rules": rules}]}]}})
    assert st == 201, body
    g = body["loadbalancer"]
    try:
        pol = g["listeners"][0]["l7policies"][0]
        assert len(pol["rules"]) == 50
        octa.wait_active("loadbalancer", g["id"])
        r = octa.lbaas("POST", "/l7policies/%s/rules" % pol["id"], {
            "rule": {"type": "PATH", "compare_type": "EQUAL_TO",
                     "value": "/one-too-many"}})
        assert_fault(r, 409, faultstring="Too many rules on L7 policy %s" %
                     pol["id"])
    finally:
        octa.cleanup_lb(g["id"])


def test_rule_needs_active_policy(octad_factory):
    o = octad_factory("l7-lock")
    lb = o.create_lb()
    li = o.create_listener(lb["id"])
    pol = o.create_l7policy(lb["id"], li["id"])
    o.restart(roles="api")
    st, body = o.lbaas("POST", "/l7policies/%s/rules" % pol["id"], {
        "rule": {"type": "PATH", "compare_type": "EQUAL_TO", "value": "/"}})
    assert st == 201, body
    rule = body["rule"]
    assert rule["provisioning_status"] == "PENDING_CREATE"
    assert o.get("l7policy", pol["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    assert o.get("listener", li["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    assert o.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    o.restart(roles="")
    o.wait_active("loadbalancer", lb["id"])
    o.wait_active("l7policy", pol["id"])
    o.wait_active("l7rule", rule["id"], pol["id"])


def test_sdk_life_cycle(octa, lb, listener):
    lbs = octa.sdk.load_balancer
    pol = lbs.create_l7_policy(listener_id=listener["id"], action="REJECT",
                               name=unique("l7p"))
    assert pol.provisioning_status == "PENDING_CREATE"
    octa.wait_active("loadbalancer", lb["id"])
    assert lbs.get_l7_policy(pol.id).position == 1
    rule = lbs.create_l7_rule(pol.id, type="HOST_NAME",
                              compare_type="EQUAL_TO",
                              rule_value="www.example.com")
    octa.wait_active("loadbalancer", lb["id"])
    got = lbs.get_l7_rule(rule.id, pol.id)
    assert got.rule_value == "www.example.com"
    assert got.provisioning_status == "ACTIVE"
    assert [x.id for x in lbs.l7_rules(pol.id)] == [rule.id]
    lbs.update_l7_rule(rule.id, pol.id, rule_value="api.example.com")
    octa.wait_active("loadbalancer", lb["id"])
    assert lbs.get_l7_rule(rule.id, pol.id).rule_value == "api.example.com"
    lbs.update_l7_policy(pol.id, name="sdk2")
    octa.wait_active("loadbalancer", lb["id"])
    assert lbs.get_l7_policy(pol.id).name == "sdk2"
    assert pol.id in [x.id for x in lbs.l7_policies()]
    lbs.delete_l7_rule(rule.id, pol.id)
    octa.wait_active("loadbalancer", lb["id"])
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_l7_rule(rule.id, pol.id)
    lbs.delete_l7_policy(pol.id)
    octa.wait_active("loadbalancer", lb["id"])
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_l7_policy(pol.id)
