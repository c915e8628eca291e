"""Quotas (contract 1.4, 1.8 Quota, 3).

In noauth mode every caller is admin and quotas are *never enforced*
(contract 1.1, 3): limits can be set, shown and reset, but a create over the
limit still succeeds.
"""

import uuid

import pytest

from octatest import assert_fault

RESOURCES = ("loadbalancer", "load_balancer", "listener", "member", "pool",
             "healthmonitor", "health_monitor", "l7policy", "l7rule")


def new_project():
    return uuid.uuid4().hex


def check_quota_body(q, project_id=None, **want):
    assert set(q) >= set(RESOURCES), q
    # both spellings always, same values
    assert q["loadbalancer"] == q["load_balancer"], q
    assert q["healthmonitor"] == q["health_monitor"], q
    for k, v in want.items():
        assert q[k] == v, (k, q)
    if project_id is not None:
        assert q["project_id"] == project_id
        assert q["tenant_id"] == project_id


def test_defaults_http(octa):
    st, body = octa.lbaas("GET", "/quotas/defaults")
    assert st == 200, body
    assert set(body) == {"quota"}
    q = body["quota"]
    check_quota_body(q)
    for r in RESOURCES:
        assert q[r] == -1, (r, q)


def test_defaults_cli(octa):
    out = octa.cli("quota", "defaults", "show")
    assert out == {"load_balancer": -1, "listener": -1, "pool": -1,
                   "health_monitor": -1, "member": -1, "l7policy": -1,
                   "l7rule": -1}


def test_project_default_route(octa):
    p = new_project()
    st, body = octa.lbaas("GET", "/quotas/%s/default" % p)
    assert st == 200, body
    check_quota_body(body["quota"])
    assert all(body["quota"][r] == -1 for r in RESOURCES)


def test_show_unknown_project_gives_defaults(octa):
    p = new_project()
    st, body = octa.lbaas("GET", "/quotas/%s" % p)
    assert st == 200, body
    check_quota_body(body["quota"], project_id=p)
    assert all(body["quota"][r] == -1 for r in RESOURCES)
    out = octa.cli("quota", "show", p)
    assert out["load_balancer"] == -1 and out["l7rule"] == -1


def test_set_show_list_reset_http(octa):
    p = new_project()
    st, body = octa.lbaas("PUT", "/quotas/%s" % p, {"quota": {
        "loadbalancer": 5, "listener": 10, "pool": 0, "member": 100}})
    assert st == 202, body
    check_quota_body(body["quota"], project_id=p, loadbalancer=5,
                     listener=10, pool=0, member=100, healthmonitor=-1,
                     l7policy=-1, l7rule=-1)
    st, body = octa.lbaas("GET", "/quotas/%s" % p)
    assert st == 200
    check_quota_body(body["quota"], project_id=p, loadbalancer=5,
                     listener=10, pool=0, member=100, healthmonitor=-1)

    # a second PUT changes only what it names
    st, body = octa.lbaas("PUT", "/quotas/%s" % p, {"quota": {
        "health_monitor": 3, "load_balancer": 6}})
    assert st == 202, body
    check_quota_body(body["quota"], project_id=p, loadbalancer=6,
                     healthmonitor=3, listener=10)

    st, body = octa.lbaas("GET", "/quotas")
    assert st == 200
    assert "quotas_links" in body
    mine = [q for q in body["quotas"] if q["project_id"] == p]
    assert len(mine) == 1
    check_quota_body(mine[0], project_id=p, loadbalancer=6, listener=10)
    st, body = octa.lbaas("GET", "/quotas?project_id=" + p)
    assert st == 200 and [q["project_id"] for q in body["quotas"]] == [p]

    r = octa.lbaas("DELETE", "/quotas/%s" % p)
    assert r.status == 202, r.body
    assert r.raw == b""
    st, body = octa.lbaas("GET", "/quotas/%s" % p)
    assert all(body["quota"][x] == -1 for x in RESOURCES), body


def test_put_null_means_default(octa):
    p = new_project()
    octa.lbaas("PUT", "/quotas/%s" % p, {"quota": {"listener": 4}})
    st, body = octa.lbaas("PUT", "/quotas/%s" % p,
                          {"quota": {"listener": None}})
    assert st == 202, body
    assert body["quota"]["listener"] == -1


def test_delete_without_record_404(octa):
    r = octa.lbaas("DELETE", "/quotas/%s" % new_project())
    assert_fault(r, 404)


@pytest.mark.parametrize("field,value", [
    ("loadbalancer", -2), ("listener", 2000000001), ("pool", "many"),
    ("member", "1.5"), ("bogus", 1),
])
def test_put_invalid_400(octa, field, value):
    p = new_project()
    r = octa.lbaas("PUT", "/quotas/%s" % p, {"quota": {field: value}})
    assert_fault(r, 400)


def test_bounds_accepted(octa):
    p = new_project()
    st, body = octa.lbaas("PUT", "/quotas/%s" % p, {"quota": {
        "loadbalancer": 2000000000, "listener": -1, "pool": 0}})
    assert st == 202, body
    check_quota_body(body["quota"], loadbalancer=2000000000, listener=-1,
                     pool=0)


def test_noauth_never_enforces(octa):
    """Quota 0 for a project, yet creating in that project succeeds:
    noauth skips quota checks entirely."""
    p = new_project()
    st, body = octa.lbaas("PUT", "/quotas/%s" % p, {"quota": {
        "loadbalancer": 0, "listener": 0, "pool": 0, "member": 0,
        "healthmonitor": 0}})
    assert st == 202, body
    lb = octa.create_lb(project_id=p)
    try:
        assert lb["project_id"] == p
        li = octa.create_listener(lb["id"])
        pool = octa.create_pool(lb["id"], listener_id=li["id"])
        octa.create_member(lb["id"], pool["id"])
        octa.create_hm(lb["id"], pool["id"])
    finally:
        octa.cleanup_lb(lb["id"])


def test_cli_set_show_list_unset_reset(octa):
    """The quota set/reset/unset commands resolve the project through the
    identity API first (GET <endpoint>/projects/<id>); in noauth mode octad
    has to answer that the way it answers /v2.0/subnets."""
    p = new_project()
    out = octa.cli("quota", "set", "--loadbalancer", "7", "--member", "70",
                   "--l7policy", "2", p)
    assert out["load_balancer"] == 7 and out["member"] == 70
    assert out["l7policy"] == 2 and out["listener"] == -1
    shown = octa.cli("quota", "show", p)
    assert shown["load_balancer"] == 7 and shown["l7policy"] == 2
    listed = octa.cli("quota", "list", "--project", p)
    assert len(listed) == 1 and listed[0]["project_id"] == p
    assert listed[0]["load_balancer"] == 7
    octa.cli("quota", "unset", "--loadbalancer", p)
    assert octa.cli("quota", "show", p)["load_balancer"] == -1
    assert octa.cli("quota", "show", p)["member"] == 70
    octa.cli("quota", "reset", p)
    shown = octa.cli("quota", "show", p)
    assert shown["member"] == -1 and shown["l7policy"] == -1


def test_sdk(octa):
    q = octa.sdk.load_balancer
    p = new_project()
    d = q.get_quota_default()
    assert d.load_balancers == -1 and d.health_monitors == -1
    upd = q.update_quota(p, load_balancers=3, listeners=4, pools=5,
                         members=6, health_monitors=7)
    assert (upd.load_balancers, upd.listeners, upd.pools, upd.members,
            upd.health_monitors) == (3, 4, 5, 6, 7)
    got = q.get_quota(p)
    assert got.load_balancers == 3 and got.health_monitors == 7
    assert p in [x.project_id for x in q.quotas()]
    q.delete_quota(p)
    assert q.get_quota(p).load_balancers == -1
