"""Members, incl. the batch update (contract 1.8 Member, 1.10, 2)."""

import openstack.exceptions
import pytest

from octatest import SUBNET_ID, assert_fault, ids, is_timestamp, unique

MEMBER_FIELDS = {
    "id", "name", "operating_status", "provisioning_status",
    "admin_state_up", "address", "protocol_port", "weight", "backup",
    "subnet_id", "project_id", "tenant_id", "created_at", "updated_at",
    "monitor_address", "monitor_port", "tags", "vnic_type",
}


@pytest.fixture
def pool(octa, lb):
    return octa.create_pool(lb["id"])


def members_of(octa, pool_id):
    st, body = octa.lbaas("GET", "/pools/%s/members" % pool_id)
    assert st == 200, body
    assert "members_links" in body
    return body["members"]


def test_cli_create_defaults(octa, lb, pool):
    name = unique("member")
    out = octa.cli("member", "create", "--name", name, "--address",
                   "192.0.2.50", "--protocol-port", "8080", pool["id"])
    assert out["name"] == name
    assert out["address"] == "192.0.2.50"
    assert out["protocol_port"] == 8080
    assert out["weight"] == 1
    assert out["backup"] is False
    assert out["admin_state_up"] is True
    assert out["provisioning_status"] == "PENDING_CREATE"
    # no health monitor on the pool
    assert out["operating_status"] == "NO_MONITOR"
    octa.wait_active("loadbalancer", lb["id"])
    m = octa.wait_active("member", out["id"], pool["id"])
    assert set(m) == MEMBER_FIELDS, set(m) ^ MEMBER_FIELDS
    assert m["tenant_id"] == m["project_id"] == lb["project_id"]
    assert m["subnet_id"] is None
    assert m["monitor_address"] is None and m["monitor_port"] is None
    assert m["vnic_type"] == "normal"
    assert m["tags"] == []
    assert is_timestamp(m["created_at"])
    assert {"id": m["id"]} in octa.get("pool", pool["id"])["members"]


def test_cli_show_list_set_unset_delete(octa, lb, pool):
    m = octa.create_member(lb["id"], pool["id"], address="192.0.2.51",
                           protocol_port=80, subnet_id=SUBNET_ID)
    assert m["subnet_id"] == SUBNET_ID
    shown = octa.cli("member", "show", pool["id"], m["id"])
    assert shown["id"] == m["id"]
    assert octa.cli("member", "show", pool["id"], m["name"])["id"] == m["id"]
    listed = octa.cli("member", "list", pool["id"])
    assert [x["id"] for x in listed] == [m["id"]]

    octa.cli("member", "set", "--name", "renamed", "--weight", "10",
             "--enable-backup", "--monitor-address", "192.0.2.99",
             "--monitor-port", "9000", "--disable", "--tag", "m",
             "--wait", pool["id"], m["id"])
    got = octa.get("member", m["id"], pool["id"])
    assert got["name"] == "renamed" and got["weight"] == 10
    assert got["backup"] is True
    assert got["monitor_address"] == "192.0.2.99"
    assert got["monitor_port"] == 9000
    assert got["admin_state_up"] is False
    assert got["tags"] == ["m"]
    assert got["provisioning_status"] == "ACTIVE"

    # unset = PUT null: weight -> 1, backup -> false, monitor_* -> null
    octa.cli("member", "unset", "--name", "--weight", "--backup",
             "--monitor-address", "--monitor-port", "--wait", pool["id"],
             m["id"])
    got = octa.get("member", m["id"], pool["id"])
    assert got["name"] == ""
    assert got["weight"] == 1
    assert got["backup"] is False
    assert got["monitor_address"] is None and got["monitor_port"] is None

    octa.cli("member", "delete", "--wait", pool["id"], m["id"])
    assert octa.get("member", m["id"], pool["id"]) is None
    assert_fault(octa.lbaas("GET", "/pools/%s/members/%s" % (
        pool["id"], m["id"])), 404,
        faultstring="Member %s not found." % m["id"])
    assert octa.wait_active("pool", pool["id"])["members"] == []


def test_duplicate_address_port_409(octa, lb, pool):
    octa.create_member(lb["id"], pool["id"], address="192.0.2.60",
                       protocol_port=80)
    r = octa.lbaas("POST", "/pools/%s/members" % pool["id"], {"member": {
        "address": "192.0.2.60", "protocol_port": 80}})
    assert_fault(r, 409, faultstring=(
        "Another member on this pool is already using ip 192.0.2.60 on "
        "protocol_port 80"))
    # other port: fine
    octa.create_member(lb["id"], pool["id"], address="192.0.2.60",
                       protocol_port=81)


def test_member_with_hm_starts_offline(octa, lb, pool):
    octa.create_hm(lb["id"], pool["id"])
    r = octa.lbaas("POST", "/pools/%s/members" % pool["id"], {"member": {
        "address": "192.0.2.61", "protocol_port": 80}})
    assert r.status == 201, r.body
    assert r.body["member"]["operating_status"] == "OFFLINE"
    octa.wait_active("loadbalancer", lb["id"])


@pytest.mark.parametrize("field,value", [
    ("weight", 257), ("weight", -1), ("weight", "heavy"),
    ("protocol_port", 0), ("protocol_port", 65536),
    ("monitor_port", 0), ("monitor_port", 65536),
    ("address", "not-an-ip"), ("address", "169.254.169.254"),
    ("monitor_address", "999.1.1.1"), ("subnet_id", "not-a-uuid"),
    ("backup", "maybe"),
])
def test_invalid_values_400(octa, lb, pool, field, value):
    body = {"address": "192.0.2.62", "protocol_port": 80}
    body[field] = value
    r = octa.lbaas("POST", "/pools/%s/members" % pool["id"],
                   {"member": body})
    assert_fault(r, 400)
    assert members_of(octa, pool["id"]) == []


def test_weight_bounds_accepted(octa, lb, pool):
    m0 = octa.create_member(lb["id"], pool["id"], weight=0,
                            address="192.0.2.63")
    m256 = octa.create_member(lb["id"], pool["id"], weight=256,
                              address="192.0.2.64")
    assert m0["weight"] == 0 and m256["weight"] == 256


def test_missing_mandatory_400(octa, pool):
    for body in ({"address": "192.0.2.65"}, {"protocol_port": 80}):
        r = octa.lbaas("POST", "/pools/%s/members" % pool["id"],
                       {"member": body})
        assert_fault(r, 400, contains="Mandatory field missing")


def test_unknown_pool_404(octa):
    pid = "0f4e7c1a-3a55-4d0c-9d5e-0b1c2d3e4f50"
    assert_fault(octa.lbaas("GET", "/pools/%s/members" % pid), 404,
                 faultstring="Pool %s not found." % pid)
    assert_fault(octa.lbaas("POST", "/pools/%s/members" % pid, {"member": {
        "address": "192.0.2.1", "protocol_port": 80}}), 404,
        faultstring="Pool %s not found." % pid)


# ---------------------------------------------------------- batch update

def _batch(octa, pool_id, members, additive_only=None):
    path = "/pools/%s/members" % pool_id
    if additive_only is not None:
        path += "?additive_only=%s" % additive_only
    return octa.lbaas("PUT", path, {"members": members})


def test_batch_update_create_update_delete(octa, lb, pool):
    a = octa.create_member(lb["id"], pool["id"], address="192.0.2.70",
                           protocol_port=80, weight=1)
    b = octa.create_member(lb["id"], pool["id"], address="192.0.2.71",
                           protocol_port=80)
    r = _batch(octa, pool["id"], [
        {"address": "192.0.2.70", "protocol_port": 80, "weight": 7,
         "name": "a2"},
        {"address": "192.0.2.72", "protocol_port": 80, "name": "c"},
    ])
    assert r.status == 202, r.body
    assert r.raw == b""
    octa.wait_active("loadbalancer", lb["id"])
    octa.wait_active("pool", pool["id"])
    got = {(m["address"], m["protocol_port"]): m
           for m in members_of(octa, pool["id"])}
    assert set(got) == {("192.0.2.70", 80), ("192.0.2.72", 80)}
    assert got[("192.0.2.70", 80)]["id"] == a["id"]          # updated
    assert got[("192.0.2.70", 80)]["weight"] == 7
    assert got[("192.0.2.70", 80)]["name"] == "a2"
    assert got[("192.0.2.72", 80)]["name"] == "c"             # created
    for m in got.values():
        assert m["provisioning_status"] == "ACTIVE"
    assert octa.get("member", b["id"], pool["id"]) is None    # deleted


def test_batch_update_additive_only(octa, lb, pool):
    a = octa.create_member(lb["id"], pool["id"], address="192.0.2.80")
    r = _batch(octa, pool["id"], [
        {"address": "192.0.2.81", "protocol_port": 80}], additive_only="true")
    assert r.status == 202, r.body
    octa.wait_active("loadbalancer", lb["id"])
    octa.wait_active("pool", pool["id"])
    addrs = sorted(m["address"] for m in members_of(octa, pool["id"]))
    assert addrs == ["192.0.2.80", "192.0.2.81"]
    assert octa.get("member", a["id"], pool["id"])["provisioning_status"] \
        == "ACTIVE"


def test_batch_update_empty_list_deletes_all(octa, lb, pool):
    octa.create_member(lb["id"], pool["id"], address="192.0.2.85")
    octa.create_member(lb["id"], pool["id"], address="192.0.2.86")
    r = _batch(octa, pool["id"], [])
    assert r.status == 202, r.body
    octa.wait_active("loadbalancer", lb["id"])
    octa.wait_active("pool", pool["id"])
    assert members_of(octa, pool["id"]) == []


def test_batch_update_noop_is_202(octa, lb, pool):
    r = _batch(octa, pool["id"], [])
    assert r.status == 202, r.body
    # nothing to do: the LB is not even locked
    assert octa.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "ACTIVE"


def test_batch_update_same_member_twice_400(octa, lb, pool):
    octa.create_member(lb["id"], pool["id"], address="192.0.2.90")
    r = _batch(octa, pool["id"], [
        {"address": "192.0.2.90", "protocol_port": 80, "weight": 2},
        {"address": "192.0.2.90", "protocol_port": 80, "weight": 3}])
    assert_fault(r, 400)
    assert octa.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "ACTIVE"
    assert [m["weight"] for m in members_of(octa, pool["id"])] == [1]


def test_batch_update_invalid_member_400(octa, lb, pool):
    r = _batch(octa, pool["id"], [{"address": "192.0.2.91",
                                   "protocol_port": 0}])
    assert_fault(r, 400)
    r = _batch(octa, pool["id"], [{"address": "169.254.169.254",
                                   "protocol_port": 80}])
    assert_fault(r, 400)
    assert members_of(octa, pool["id"]) == []


def test_batch_update_locks(octad_factory):
    """API-only unit: the batch leaves everything PENDING_* until a worker
    runs it."""
    o = octad_factory("batch-lock")
    lb = o.create_lb()
    li = o.create_listener(lb["id"])
    pool = o.create_pool(lb["id"], listener_id=li["id"])
    a = o.create_member(lb["id"], pool["id"], address="192.0.2.100")
    b = o.create_member(lb["id"], pool["id"], address="192.0.2.101")
    o.restart(roles="api")
    r = _batch(o, pool["id"], [
        {"address": "192.0.2.100", "protocol_port": 80, "weight": 9},
        {"address": "192.0.2.102", "protocol_port": 80}])
    assert r.status == 202, r.body
    assert o.get("loadbalancer", lb["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    assert o.get("listener", li["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    assert o.get("pool", pool["id"])["provisioning_status"] == \
        "PENDING_UPDATE"
    states = {m["address"]: m["provisioning_status"]
              for m in members_of(o, pool["id"])}
    assert states == {"192.0.2.100": "PENDING_UPDATE",
                      "192.0.2.101": "PENDING_DELETE",
                      "192.0.2.102": "PENDING_CREATE"}
    o.restart(roles="")
    o.wait_active("loadbalancer", lb["id"])
    o.wait_active("listener", li["id"])
    o.wait_active("pool", pool["id"])
    o.wait_gone("member", b["id"], pool["id"])
    got = {m["address"]: m for m in members_of(o, pool["id"])}
    assert set(got) == {"192.0.2.100", "192.0.2.102"}
    assert got["192.0.2.100"]["weight"] == 9
    assert got["192.0.2.100"]["id"] == a["id"]
    assert all(m["provisioning_status"] == "ACTIVE" for m in got.values())


# ------------------------------------------------------------------ SDK

def test_sdk_life_cycle(octa, lb, pool):
    lbs = octa.sdk.load_balancer
    m = lbs.create_member(pool["id"], address="192.0.2.110",
                          protocol_port=443, weight=3, name=unique("member"))
    assert m.provisioning_status == "PENDING_CREATE"
    assert m.weight == 3
    octa.wait_active("loadbalancer", lb["id"])
    got = lbs.get_member(m.id, pool["id"])
    assert got.provisioning_status == "ACTIVE"
    assert got.address == "192.0.2.110"
    assert [x.id for x in lbs.members(pool["id"])] == [m.id]
    lbs.update_member(m.id, pool["id"], weight=4, backup=True)
    octa.wait_active("loadbalancer", lb["id"])
    got = lbs.get_member(m.id, pool["id"])
    assert got.weight == 4 and got.backup is True
    lbs.delete_member(m.id, pool["id"])
    octa.wait_active("loadbalancer", lb["id"])
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_member(m.id, pool["id"])
    assert ids(members_of(octa, pool["id"])) == []
