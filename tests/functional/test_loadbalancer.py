"""Load balancers: CLI and SDK life cycle, response fields, status model,
cascade delete, single-call graph create, status tree, stats.
Contract 1.4, 1.5, 1.8 (Load balancer), 1.9, 2."""

import time

import openstack.exceptions
import pytest

from octatest import (OPER_STATUSES, SUBNET_ID, assert_fault, cli_list,
                      create_graph, graph_body, ids, is_ip, is_timestamp,
                      is_uuid, unique)

LB_FIELDS = {
    "id", "name", "description", "provisioning_status", "operating_status",
    "admin_state_up", "project_id", "tenant_id", "created_at", "updated_at",
    "vip_address", "vip_port_id", "vip_subnet_id", "vip_network_id",
    "vip_sg_ids", "additional_vips", "listeners", "pools", "provider",
    "flavor_id", "vip_qos_policy_id", "tags", "availability_zone",
    "vip_vnic_type",
}


# ------------------------------------------------------------------ CLI

def test_cli_create_show_list(octa):
    name = unique("lb")
    out = octa.cli("create", "--name", name, "--description", "made by cli",
                   "--vip-subnet-id", SUBNET_ID, "--tag", "blue",
                   "--tag", "green")
    lb_id = out["id"]
    try:
        assert is_uuid(lb_id)
        assert out["name"] == name
        assert out["description"] == "made by cli"
        assert out["vip_subnet_id"] == SUBNET_ID
        assert out["provisioning_status"] == "PENDING_CREATE"
        assert out["operating_status"] == "OFFLINE"
        assert out["admin_state_up"] is True
        assert out["provider"] == "amphora"
        assert is_ip(out["vip_address"]), out
        assert is_uuid(out["vip_port_id"]), out
        assert sorted(cli_list(out["tags"])) == ["blue", "green"]

        octa.wait_active("loadbalancer", lb_id)
        shown = octa.cli("show", lb_id)
        assert shown["id"] == lb_id
        assert shown["provisioning_status"] == "ACTIVE"
        assert shown["operating_status"] in OPER_STATUSES
        assert shown["vip_address"] == out["vip_address"]
        # show by name goes through the list ?name= filter
        assert octa.cli("show", name)["id"] == lb_id

        listed = octa.cli("list", "--name", name)
        assert [x["id"] for x in listed] == [lb_id]
        row = listed[0]
        assert set(row) == {"id", "name", "project_id", "vip_address",
                            "provisioning_status", "operating_status",
                            "provider"}
        assert row["provisioning_status"] == "ACTIVE"
        assert lb_id in [x["id"] for x in octa.cli("list")]
        assert lb_id in [x["id"] for x in octa.cli(
            "list", "--provisioning-status", "ACTIVE")]
        assert lb_id in [x["id"] for x in octa.cli(
            "list", "--vip-subnet-id", SUBNET_ID)]
    finally:
        octa.cleanup_lb(lb_id)


def test_cli_create_wait(octa):
    """The client's own --wait polls show until ACTIVE."""
    name = unique("lb")
    out = octa.cli("create", "--name", name, "--vip-subnet-id", SUBNET_ID,
                   "--wait")
    try:
        assert out["provisioning_status"] == "ACTIVE"
    finally:
        octa.cleanup_lb(out["id"])


def test_cli_set_unset(octa, lb):
    lb_id = lb["id"]
    octa.cli("set", "--name", "renamed", "--description", "desc",
             "--disable", "--tag", "t1", "--tag", "t2", "--wait", lb_id)
    shown = octa.cli("show", lb_id)
    assert shown["name"] == "renamed"
    assert shown["description"] == "desc"
    assert shown["admin_state_up"] is False
    assert sorted(cli_list(shown["tags"])) == ["t1", "t2"]
    assert shown["provisioning_status"] == "ACTIVE"

    # set --tag adds to the existing tags (client merges, PUT replaces)
    octa.cli("set", "--tag", "t3", "--enable", "--wait", lb_id)
    shown = octa.cli("show", lb_id)
    assert sorted(cli_list(shown["tags"])) == ["t1", "t2", "t3"]
    assert shown["admin_state_up"] is True

    octa.cli("unset", "--name", "--description", "--tag", "t1", "--wait",
             lb_id)
    raw = octa.get("loadbalancer", lb_id)
    assert raw["name"] == ""             # null name renders as ""
    assert raw["description"] == ""
    assert sorted(raw["tags"]) == ["t2", "t3"]

    octa.cli("set", "--no-tag", "--wait", lb_id)
    assert octa.get("loadbalancer", lb_id)["tags"] == []


def test_cli_delete(octa):
    lb = octa.create_lb()
    octa.cli("delete", "--wait", lb["id"])
    st, body = octa.lbaas("GET", "/loadbalancers/%s" % lb["id"])
    assert_fault((st, body), 404,
                 faultstring="Load Balancer %s not found." % lb["id"])
    assert lb["id"] not in [x["id"] for x in octa.cli("list")]
    err = octa.cli_fails("show", lb["id"])
    assert err.returncode != 0


def test_cli_stats(octa, lb):
    out = octa.cli("stats", "show", lb["id"])
    assert set(out) == {"active_connections", "bytes_in", "bytes_out",
                        "request_errors", "total_connections"}
    st, body = octa.lbaas("GET", "/loadbalancers/%s/stats" % lb["id"])
    assert st == 200
    assert set(body) == {"stats"}
    assert set(body["stats"]) == set(out)
    for v in body["stats"].values():
        assert isinstance(v, int) and v >= 0


def test_cli_status_tree(octa):
    lb = create_graph(octa)
    try:
        tree = octa.cli("status", "show", lb["id"])
        st, body = octa.lbaas("GET", "/loadbalancers/%s/status" % lb["id"])
        assert st == 200
        assert set(body) == {"statuses"}
        assert tree == body["statuses"]
        st2, body2 = octa.lbaas("GET",
                                "/loadbalancers/%s/statuses" % lb["id"])
        assert st2 == 200 and body2 == body
        check_status_tree(octa, lb, tree)
    finally:
        octa.cleanup_lb(lb["id"])


def check_status_tree(octa, lb, tree):
    assert set(tree) == {"loadbalancer"}
    t = tree["loadbalancer"]
    assert set(t) == {"id", "name", "operating_status",
                      "provisioning_status", "listeners"}
    assert t["id"] == lb["id"]
    assert t["name"] == lb["name"]
    assert t["provisioning_status"] == "ACTIVE"
    by_name = {x["name"]: x for x in t["listeners"]}
    assert set(by_name) == {lb["name"] + "-http", lb["name"] + "-tcp"}
    for li in t["listeners"]:
        assert set(li) == {"id", "name", "operating_status",
                           "provisioning_status", "pools"}
        assert li["provisioning_status"] == "ACTIVE"
        for p in li["pools"]:
            assert set(p) == {"id", "name", "provisioning_status",
                              "operating_status", "health_monitor",
                              "members"}
            assert p["provisioning_status"] == "ACTIVE"
            for m in p["members"]:
                assert set(m) == {"id", "name", "operating_status",
                                  "provisioning_status", "address",
                                  "protocol_port"}
                assert m["provisioning_status"] == "ACTIVE"
    http = by_name[lb["name"] + "-http"]
    # listener pools = default pool + redirect pools of enabled policies
    # that have rules
    assert sorted(p["name"] for p in http["pools"]) == sorted(
        [lb["name"] + "-web", lb["name"] + "-api"])
    web = [p for p in http["pools"] if p["name"] == lb["name"] + "-web"][0]
    hm = web["health_monitor"]
    assert set(hm) == {"id", "name", "type", "provisioning_status",
                       "operating_status"}
    assert hm["type"] == "HTTP"
    assert hm["name"] == ""
    assert sorted((m["address"], m["protocol_port"])
                  for m in web["members"]) == [("192.0.2.10", 80),
                                               ("192.0.2.11", 80)]
    api = [p for p in http["pools"] if p["name"] == lb["name"] + "-api"][0]
    assert api["health_monitor"] is None
    tcp = by_name[lb["name"] + "-tcp"]
    assert [p["name"] for p in tcp["pools"]] == [lb["name"] + "-tcp-pool"]
    assert tcp["pools"][0]["members"][0]["name"] == ""


# ------------------------------------------------------------------ SDK

def test_sdk_life_cycle(octa):
    lbs = octa.sdk.load_balancer
    name = unique("lb")
    lb = lbs.create_load_balancer(name=name, vip_subnet_id=SUBNET_ID,
                                  description="sdk", tags=["x"])
    try:
        assert lb.provisioning_status == "PENDING_CREATE"
        lb = lbs.wait_for_load_balancer(lb.id, status="ACTIVE", wait=60,
                                        interval=0.2)
        assert lb.provisioning_status == "ACTIVE"
        got = lbs.get_load_balancer(lb.id)
        assert got.name == name
        assert got.description == "sdk"
        assert got.tags == ["x"]
        assert got.vip_subnet_id == SUBNET_ID
        assert lb.id in [x.id for x in lbs.load_balancers()]
        assert [x.id for x in lbs.load_balancers(name=name)] == [lb.id]

        upd = lbs.update_load_balancer(lb.id, name=name + "-2",
                                       is_admin_state_up=False)
        assert upd.name == name + "-2"
        assert upd.provisioning_status == "PENDING_UPDATE"
        lbs.wait_for_load_balancer(lb.id, status="ACTIVE", wait=60,
                                   interval=0.2)
        got = lbs.get_load_balancer(lb.id)
        assert got.name == name + "-2"
        assert got.is_admin_state_up is False

        stats = lbs.get_load_balancer_statistics(lb.id)
        assert stats.bytes_in == 0 or stats.bytes_in >= 0
    finally:
        lbs.delete_load_balancer(lb.id, cascade=True)
    octa.wait_gone("loadbalancer", lb.id)
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_load_balancer(lb.id)
    assert lbs.find_load_balancer(name + "-2") is None


# ------------------------------------------------------- raw HTTP / fields

def test_create_response_fields(octa):
    st, body = octa.lbaas("POST", "/loadbalancers", {
        "loadbalancer": {"vip_subnet_id": SUBNET_ID}})
    assert st == 201, body
    assert set(body) == {"loadbalancer"}
    lb = body["loadbalancer"]
    try:
        assert set(lb) == LB_FIELDS, set(lb) ^ LB_FIELDS
        assert is_uuid(lb["id"])
        assert lb["name"] == ""              # null -> ""
        assert lb["description"] == ""
        assert lb["admin_state_up"] is True
        assert lb["provisioning_status"] == "PENDING_CREATE"
        assert lb["operating_status"] == "OFFLINE"
        assert lb["tenant_id"] == lb["project_id"]
        assert lb["vip_subnet_id"] == SUBNET_ID
        assert is_ip(lb["vip_address"])
        assert is_uuid(lb["vip_port_id"])
        assert is_uuid(lb["vip_network_id"])
        assert lb["vip_qos_policy_id"] is None
        assert lb["vip_sg_ids"] == []
        assert lb["vip_vnic_type"] == "normal"
        assert lb["additional_vips"] == []
        assert lb["listeners"] == [] and lb["pools"] == []
        assert lb["provider"] == "amphora"
        assert lb["flavor_id"] is None
        assert lb["availability_zone"] is None
        assert lb["tags"] == []
        assert is_timestamp(lb["created_at"]), lb["created_at"]
        assert lb["updated_at"] is None

        got = octa.wait_active("loadbalancer", lb["id"])
        assert set(got) == LB_FIELDS
        assert got["name"] == "" and got["description"] == ""
        assert got["created_at"] == lb["created_at"]
        assert got["vip_address"] == lb["vip_address"]
        assert got["vip_port_id"] == lb["vip_port_id"]
    finally:
        octa.cleanup_lb(lb["id"])


@pytest.mark.parametrize("vip", [
    {"vip_subnet_id": SUBNET_ID, "vip_address": "203.0.113.50"},
    {"vip_network_id": "6f1d1c2e-9b0a-4f5e-8d7c-3b2a1f0e9d8c"},
    {"vip_port_id": "7a2e2d3f-0c1b-4a6f-9e8d-4c3b2a1f0e9d"},
])
def test_vip_variants(octa, vip):
    """One of vip_subnet_id / vip_network_id / vip_port_id; the API fills
    in the rest synchronously (contract 1.8 Load balancer)."""
    st, body = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": vip})
    assert st == 201, body
    lb = body["loadbalancer"]
    try:
        for k, v in vip.items():
            assert lb[k] == v, (k, lb)
        assert is_ip(lb["vip_address"])
        assert is_uuid(lb["vip_subnet_id"])
        assert is_uuid(lb["vip_network_id"])
        assert is_uuid(lb["vip_port_id"])
        octa.wait_active("loadbalancer", lb["id"])
    finally:
        octa.cleanup_lb(lb["id"])


def test_project_id_and_tenant_id_alias(octa):
    proj = "b7c3a1e2d4f54a6b8c9d0e1f2a3b4c5d"
    lb = octa.create_lb(project_id=proj)
    try:
        assert lb["project_id"] == proj and lb["tenant_id"] == proj
    finally:
        octa.cleanup_lb(lb["id"])
    proj2 = "c7c3a1e2d4f54a6b8c9d0e1f2a3b4c5d"
    lb2 = octa.create_lb(tenant_id=proj2)
    try:
        assert lb2["project_id"] == proj2 and lb2["tenant_id"] == proj2
        st, body = octa.lbaas("GET", "/loadbalancers?project_id=" + proj2)
        assert st == 200
        assert ids(body["loadbalancers"]) == [lb2["id"]]
    finally:
        octa.cleanup_lb(lb2["id"])


def test_put_returns_200_and_pending_update(octa, lb):
    st, body = octa.lbaas("PUT", "/loadbalancers/%s" % lb["id"], {
        "loadbalancer": {"name": "new", "description": "d",
                         "admin_state_up": False, "tags": ["a", "b"]}})
    assert st == 200, body
    got = body["loadbalancer"]
    assert got["provisioning_status"] == "PENDING_UPDATE"
    assert got["name"] == "new"
    assert got["description"] == "d"
    assert got["admin_state_up"] is False
    assert sorted(got["tags"]) == ["a", "b"]
    after = octa.wait_active("loadbalancer", lb["id"])
    assert after["name"] == "new" and after["admin_state_up"] is False
    assert is_timestamp(after["updated_at"])
    # PUT replaces the whole tag list
    st, body = octa.lbaas("PUT", "/loadbalancers/%s" % lb["id"], {
        "loadbalancer": {"tags": ["c"]}})
    assert st == 200
    assert octa.wait_active("loadbalancer", lb["id"])["tags"] == ["c"]


def test_put_immutable_field_is_400(octa, lb):
    r = octa.lbaas("PUT", "/loadbalancers/%s" % lb["id"], {
        "loadbalancer": {"vip_subnet_id": SUBNET_ID}})
    assert_fault(r, 400, contains=["Unknown attribute", "vip_subnet_id"])
    # nothing happened
    assert octa.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "ACTIVE"


def test_delete_with_children_needs_cascade(octa):
    lb = octa.create_lb()
    try:
        octa.create_listener(lb["id"])
        r = octa.lbaas("DELETE", "/loadbalancers/%s" % lb["id"])
        assert_fault(r, 400, faultstring=(
            "Validation failure: Cannot delete Load Balancer %s - it has "
            "children" % lb["id"]))
        assert octa.get("loadbalancer", lb["id"])["provisioning_status"] \
            == "ACTIVE"
    finally:
        octa.cleanup_lb(lb["id"])


def test_delete_plain_lb_204(octa):
    lb = octa.create_lb()
    r = octa.lbaas("DELETE", "/loadbalancers/%s" % lb["id"])
    assert r.status == 204 and r.raw == b""
    # while it goes, it is PENDING_DELETE (or already gone)
    got = octa.get("loadbalancer", lb["id"])
    assert got is None or got["provisioning_status"] == "PENDING_DELETE", got
    octa.wait_gone("loadbalancer", lb["id"])
    # a DELETED LB is 404 for GET, PUT and DELETE, and never listed
    for method, body in (("GET", None), ("DELETE", None),
                         ("PUT", {"loadbalancer": {"name": "x"}})):
        r = octa.lbaas(method, "/loadbalancers/%s" % lb["id"], body)
        assert_fault(r, 404,
                     faultstring="Load Balancer %s not found." % lb["id"])
    st, body = octa.lbaas("GET", "/loadbalancers")
    assert lb["id"] not in ids(body["loadbalancers"])
    st, body = octa.lbaas("GET", "/loadbalancers?provisioning_status=DELETED")
    assert st == 200 and lb["id"] not in ids(body["loadbalancers"])


def test_cascade_delete_whole_graph(octa):
    lb = create_graph(octa)
    lb_id = lb["id"]
    children = []
    for li in lb["listeners"]:
        children.append(("listener", li["id"], None))
        for pol in li["l7policies"]:
            children.append(("l7policy", pol["id"], None))
            for rule in pol["rules"]:
                children.append(("l7rule", rule["id"], pol["id"]))
    for p in lb["pools"]:
        children.append(("pool", p["id"], None))
        if p["healthmonitor"]:
            children.append(("healthmonitor", p["healthmonitor"]["id"], None))
        for m in p["members"]:
            children.append(("member", m["id"], p["id"]))
    assert len(children) == 2 + 2 + 3 + 3 + 1 + 4

    octa.cli("delete", "--cascade", "--wait", lb_id)
    assert octa.get("loadbalancer", lb_id) is None
    for kind, cid, parent in children:
        if kind in ("member", "l7rule"):
            # the parent is gone too, so the collection path is 404
            st, _ = octa.http("GET", "/v2/lbaas/%s/%s" % (
                "pools" if kind == "member" else "l7policies", parent))
            assert st == 404, (kind, cid)
        else:
            assert octa.get(kind, cid) is None, (kind, cid)
    for coll in ("listeners", "pools", "healthmonitors", "l7policies"):
        st, body = octa.lbaas("GET", "/%s" % coll)
        assert st == 200
        assert not set(ids(body[coll])) & {c[1] for c in children}, coll


def test_cascade_any_boolish_value(octa):
    lb = octa.create_lb()
    octa.create_listener(lb["id"])
    r = octa.lbaas("DELETE", "/loadbalancers/%s?cascade=1" % lb["id"])
    assert r.status == 204, r.body
    octa.wait_gone("loadbalancer", lb["id"])


def test_single_call_graph_create(octa):
    name = unique("graph")
    st, body = octa.lbaas("POST", "/loadbalancers", graph_body(name))
    assert st == 201, body
    lb = body["loadbalancer"]
    try:
        assert lb["provisioning_status"] == "PENDING_CREATE"
        assert lb["operating_status"] == "OFFLINE"
        # full form: whole objects, not {"id"} references
        assert len(lb["listeners"]) == 2 and len(lb["pools"]) == 3
        lis = {x["name"]: x for x in lb["listeners"]}
        pools = {x["name"]: x for x in lb["pools"]}
        assert set(pools) == {name + "-web", name + "-api",
                              name + "-tcp-pool"}
        for li in lb["listeners"]:
            assert li["provisioning_status"] == "PENDING_CREATE"
            assert li["operating_status"] == "OFFLINE"
            assert "loadbalancers" not in li
            assert is_uuid(li["id"])
        http = lis[name + "-http"]
        assert http["default_pool_id"] == pools[name + "-web"]["id"]
        assert lis[name + "-tcp"]["default_pool_id"] == \
            pools[name + "-tcp-pool"]["id"]
        assert len(http["l7policies"]) == 2
        pol = {p["name"]: p for p in http["l7policies"]}
        papi = pol[name + "-p-api"]
        assert papi["action"] == "REDIRECT_TO_POOL"
        assert papi["redirect_pool_id"] == pools[name + "-api"]["id"]
        assert papi["provisioning_status"] == "PENDING_CREATE"
        assert len(papi["rules"]) == 2
        for r in papi["rules"]:
            assert is_uuid(r["id"]) and "type" in r      # full rules
            assert r["provisioning_status"] == "PENDING_CREATE"
        assert sorted(p["position"] for p in http["l7policies"]) == [1, 2]
        web = pools[name + "-web"]
        assert web["provisioning_status"] == "PENDING_CREATE"
        hm = web["healthmonitor"]
        assert isinstance(hm, dict) and hm["type"] == "HTTP"
        assert hm["url_path"] == "/health"
        assert hm["provisioning_status"] == "PENDING_CREATE"
        assert len(web["members"]) == 2
        for m in web["members"]:
            assert m["provisioning_status"] == "PENDING_CREATE"
            # the HM is created before members, so they start OFFLINE
            assert m["operating_status"] == "OFFLINE", m
        wm = {m["name"]: m for m in web["members"]}
        assert wm["web2"]["weight"] == 5 and wm["web1"]["weight"] == 1
        api = pools[name + "-api"]
        assert api["healthmonitor"] is None
        assert api["members"][0]["operating_status"] == "NO_MONITOR"
        assert api["lb_algorithm"] == "LEAST_CONNECTIONS"

        octa.wait_active("loadbalancer", lb["id"])
        # the whole tree is ACTIVE afterwards
        for li in lb["listeners"]:
            got = octa.wait_active("listener", li["id"], timeout=5)
            for p in li["l7policies"]:
                octa.wait_active("l7policy", p["id"], timeout=5)
                for r in p["rules"]:
                    octa.wait_active("l7rule", r["id"], p["id"], timeout=5)
            assert sorted(x["id"] for x in got["l7policies"]) == sorted(
                p["id"] for p in li["l7policies"])
        for p in lb["pools"]:
            octa.wait_active("pool", p["id"], timeout=5)
            if p["healthmonitor"]:
                h = octa.wait_active("healthmonitor",
                                     p["healthmonitor"]["id"], timeout=5)
                assert h["operating_status"] == "ONLINE"
            for m in p["members"]:
                octa.wait_active("member", m["id"], p["id"], timeout=5)
        # normal GET renders children as {"id"} references
        got = octa.get("loadbalancer", lb["id"])
        assert sorted(got["listeners"], key=lambda x: x["id"]) == sorted(
            ({"id": x["id"]} for x in lb["listeners"]),
            key=lambda x: x["id"])
        assert sorted(got["pools"], key=lambda x: x["id"]) == sorted(
            ({"id": x["id"]} for x in lb["pools"]), key=lambda x: x["id"])
    finally:
        octa.cleanup_lb(lb["id"])


def test_graph_create_sdk(octa):
    """The SDK passes nested listeners/pools through unchanged."""
    name = unique("graph")
    body = graph_body(name)["loadbalancer"]
    lbs = octa.sdk.load_balancer
    lb = lbs.create_load_balancer(**body)
    try:
        assert len(lb.listeners) == 2 and len(lb.pools) == 3
        lbs.wait_for_load_balancer(lb.id, status="ACTIVE", wait=60,
                                   interval=0.2)
        assert len(list(lbs.listeners(load_balancer_id=lb.id))) == 2
        assert len(list(lbs.pools(loadbalancer_id=lb.id))) == 3
    finally:
        lbs.delete_load_balancer(lb.id, cascade=True)


def test_graph_create_is_all_or_nothing(octa):
    """A bad object deep in the graph rejects the whole request and writes
    nothing (one transaction)."""
    name = unique("graph")
    body = graph_body(name)
    body["loadbalancer"]["pools"][0]["members"][1]["protocol_port"] = 0
    r = octa.lbaas("POST", "/loadbalancers", body)
    assert_fault(r, 400)
    st, lst = octa.lbaas("GET", "/loadbalancers?name=" + name)
    assert st == 200 and lst["loadbalancers"] == []
    st, lst = octa.lbaas("GET", "/pools?name=%s-web" % name)
    assert st == 200 and lst["pools"] == []


def test_graph_create_unknown_pool_reference(octa):
    body = graph_body()
    body["loadbalancer"]["listeners"][0]["default_pool"] = {
        "name": "no-such-pool"}
    r = octa.lbaas("POST", "/loadbalancers", body)
    assert_fault(r, 400)


def test_failover_lb_cli(octa, lb):
    octa.cli("failover", "--wait", lb["id"])
    assert octa.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "ACTIVE"
    r = octa.lbaas("PUT", "/loadbalancers/%s/failover" % lb["id"])
    assert r.status == 202 and r.raw == b"", r
    octa.wait_active("loadbalancer", lb["id"])


# ------------------------------------------------------- status model: 409
# A unit running only the api role has no worker, so objects stay in their
# PENDING_* state for as long as we like: the 409s are deterministic.  Then a
# full unit on the same state dir must finish the queued work.

def test_mutations_while_pending_are_409(octad_factory):
    o = octad_factory("apionly", roles="api")
    lb = o.create_lb(wait=False)
    lb_id = lb["id"]
    assert lb["provisioning_status"] == "PENDING_CREATE"
    time.sleep(0.5)
    assert o.get("loadbalancer", lb_id)["provisioning_status"] == \
        "PENDING_CREATE"

    invalid = "Invalid state PENDING_CREATE of loadbalancer resource %s" % \
        lb_id
    assert_fault(o.lbaas("PUT", "/loadbalancers/%s" % lb_id,
                         {"loadbalancer": {"name": "x"}}), 409,
                 faultstring=invalid)
    assert_fault(o.lbaas("DELETE", "/loadbalancers/%s" % lb_id), 409,
                 faultstring=invalid)
    assert_fault(o.lbaas("DELETE", "/loadbalancers/%s?cascade=true" % lb_id),
                 409, faultstring=invalid)
    assert_fault(o.lbaas("PUT", "/loadbalancers/%s/failover" % lb_id), 409,
                 faultstring=invalid)
    immutable = "Load Balancer %s is immutable and cannot be updated." % \
        lb_id
    assert_fault(o.lbaas("POST", "/listeners", {"listener": {
        "loadbalancer_id": lb_id, "protocol": "HTTP",
        "protocol_port": 80}}), 409, faultstring=immutable)
    assert_fault(o.lbaas("POST", "/pools", {"pool": {
        "loadbalancer_id": lb_id, "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN"}}), 409, faultstring=immutable)
    # the CLI reports the conflict and fails
    err = o.cli_fails("set", "--name", "y", lb_id)
    assert "409" in err.stderr or "Invalid state" in err.stderr, err.stderr
    # nothing changed
    got = o.get("loadbalancer", lb_id)
    assert got["provisioning_status"] == "PENDING_CREATE"
    assert got["name"] == lb["name"]
    st, body = o.lbaas("GET", "/listeners?loadbalancer_id=" + lb_id)
    assert body["listeners"] == []

    # a full unit on the same database finishes the create
    o.restart(roles="")
    o.wait_active("loadbalancer", lb_id)
    st, body = o.lbaas("PUT", "/loadbalancers/%s" % lb_id,
                       {"loadbalancer": {"name": "now-ok"}})
    assert st == 200, body
    assert body["loadbalancer"]["provisioning_status"] == "PENDING_UPDATE"
    o.wait_active("loadbalancer", lb_id)
