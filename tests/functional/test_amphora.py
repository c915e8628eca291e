"""Amphora admin API (contract 1.4, 1.8 Amphora, 2): list, show, failover,
configure, stats, delete -- through the CLI, the SDK and raw HTTP."""

from octatest import assert_fault, ids, is_ip, is_uuid

AMP_FIELDS = {
    "id", "loadbalancer_id", "compute_id", "lb_network_ip", "vrrp_ip",
    "ha_ip", "vrrp_port_id", "ha_port_id", "cert_expiration", "cert_busy",
    "role", "status", "vrrp_interface", "vrrp_id", "vrrp_priority",
    "cached_zone", "created_at", "updated_at", "image_id", "compute_flavor",
}
STATS_FIELDS = {"id", "listener_id", "loadbalancer_id", "active_connections",
                "bytes_in", "bytes_out", "request_errors",
                "total_connections"}


def amps_of(octa, lb_id):
    st, body = octa.http("GET", "/v2/octavia/amphorae?loadbalancer_id=" +
                         lb_id)
    assert st == 200, body
    assert "amphorae_links" in body
    return body["amphorae"]


def test_cli_list_show(octa, lb):
    listed = octa.cli("amphora", "list", "--loadbalancer", lb["id"])
    # default topology SINGLE: one STANDALONE amphora
    assert len(listed) == 1, listed
    row = listed[0]
    assert set(row) == {"id", "loadbalancer_id", "status", "role",
                        "lb_network_ip", "ha_ip"}
    assert row["loadbalancer_id"] == lb["id"]
    assert row["status"] == "ALLOCATED"
    assert row["role"] == "STANDALONE"
    assert is_uuid(row["id"])

    shown = octa.cli("amphora", "show", row["id"])
    assert shown["id"] == row["id"]
    assert shown["loadbalancer_id"] == lb["id"]
    st, body = octa.http("GET", "/v2/octavia/amphorae/%s" % row["id"])
    assert st == 200 and set(body) == {"amphora"}
    amp = body["amphora"]
    assert set(amp) == AMP_FIELDS, set(amp) ^ AMP_FIELDS
    assert amp["status"] == "ALLOCATED"
    assert amp["cert_busy"] is False
    assert is_ip(amp["lb_network_ip"]) and is_ip(amp["ha_ip"])

    # long listing and filters
    long = octa.cli("amphora", "list", "--long", "--loadbalancer", lb["id"])
    assert {"compute_id", "cached_zone", "image_id"} <= set(long[0])
    assert row["id"] in [a["id"] for a in octa.cli(
        "amphora", "list", "--status", "ALLOCATED")]
    assert row["id"] in [a["id"] for a in octa.cli(
        "amphora", "list", "--role", "STANDALONE")]
    assert ids(amps_of(octa, lb["id"])) == [row["id"]]


def test_unknown_amphora_404(octa):
    aid = "3b4e2a10-0f1d-4c6b-a1c2-d3e4f5a6b7c8"
    assert_fault(octa.http("GET", "/v2/octavia/amphorae/%s" % aid), 404,
                 faultstring="Amphora %s not found." % aid)
    assert_fault(octa.http("PUT", "/v2/octavia/amphorae/%s/failover" % aid),
                 404)


def test_cli_failover_replaces_amphora(octa, lb):
    old = amps_of(octa, lb["id"])
    assert len(old) == 1
    octa.cli("amphora", "failover", "--wait", old[0]["id"])
    got = octa.wait_active("loadbalancer", lb["id"])
    new = amps_of(octa, lb["id"])
    assert len(new) == 1, new
    assert new[0]["id"] != old[0]["id"]
    assert new[0]["status"] == "ALLOCATED"
    assert new[0]["role"] == "STANDALONE"
    # the replaced amphora is DELETED: gone from lists and GET
    st, _ = octa.http("GET", "/v2/octavia/amphorae/%s" % old[0]["id"])
    assert st == 404
    st, body = octa.http("GET", "/v2/octavia/amphorae")
    assert old[0]["id"] not in ids(body["amphorae"])
    # the VIP survives failover
    assert got["vip_address"] == lb["vip_address"]


def test_failover_raw_202_then_active(octa, lb):
    amp = amps_of(octa, lb["id"])[0]
    r = octa.http("PUT", "/v2/octavia/amphorae/%s/failover" % amp["id"])
    assert r.status == 202, r.body
    assert r.raw == b""
    octa.wait_active("loadbalancer", lb["id"])
    assert len(amps_of(octa, lb["id"])) == 1


def test_lb_failover_replaces_amphora(octa, lb):
    old = amps_of(octa, lb["id"])
    octa.cli("failover", "--wait", lb["id"])
    new = amps_of(octa, lb["id"])
    assert len(new) == 1 and new[0]["id"] != old[0]["id"]


def test_configure(octa, lb):
    amp = amps_of(octa, lb["id"])[0]
    octa.cli("amphora", "configure", amp["id"])
    r = octa.http("PUT", "/v2/octavia/amphorae/%s/config" % amp["id"])
    assert r.status == 202, r.body
    assert r.raw == b""


def test_delete_only_in_error_409(octa, lb):
    amp = amps_of(octa, lb["id"])[0]
    r = octa.http("DELETE", "/v2/octavia/amphorae/%s" % amp["id"])
    assert_fault(r, 409, faultstring="Amphora %s is immutable and cannot be "
                 "updated." % amp["id"])
    err = octa.cli_fails("amphora", "delete", amp["id"])
    assert err.returncode != 0
    assert octa.get("amphora", amp["id"])["status"] == "ALLOCATED"


def test_stats(octa, lb):
    """Stats rows exist only once an amphora has reported (heartbeats):
    before that the API says 404 "Amphora stats for <id> not found."."""
    li = octa.create_listener(lb["id"])
    amp = amps_of(octa, lb["id"])[0]
    r = octa.http("GET", "/v2/octavia/amphorae/%s/stats" % amp["id"])
    if r.status == 404:
        assert_fault(r, 404, faultstring="Amphora stats for %s not found." %
                     amp["id"])
        octa.cli_fails("amphora", "stats", "show", amp["id"])
        return
    assert r.status == 200, r.body
    assert set(r.body) == {"amphora_stats"}
    for s in r.body["amphora_stats"]:
        assert set(s) == STATS_FIELDS, s
        assert s["id"] == amp["id"]
        assert s["loadbalancer_id"] == lb["id"]
    assert li["id"] in [s["listener_id"] for s in r.body["amphora_stats"]]
    out = octa.cli("amphora", "stats", "show", amp["id"])
    assert set(out) == {"active_connections", "bytes_in", "bytes_out",
                        "request_errors", "total_connections"}
    out = octa.cli("amphora", "stats", "show", "--listener", li["id"],
                   amp["id"])
    assert all(isinstance(v, int) for v in out.values())


def test_amphora_filters_and_fields(octa, lb):
    amp = amps_of(octa, lb["id"])[0]
    st, body = octa.http("GET", "/v2/octavia/amphorae?loadbalancer_id=%s"
                         "&fields=id&fields=status" % lb["id"])
    assert st == 200
    assert body["amphorae"] == [{"id": amp["id"], "status": "ALLOCATED"}]
    st, body = octa.http("GET", "/v2/octavia/amphorae?bogus=1")
    assert_fault((st, body), 400)


def test_cascade_delete_removes_amphorae(octa):
    lb = octa.create_lb()
    amp = amps_of(octa, lb["id"])[0]
    octa.delete_lb(lb["id"])
    st, _ = octa.http("GET", "/v2/octavia/amphorae/%s" % amp["id"])
    assert st == 404
    assert amps_of(octa, lb["id"]) == []


def test_sdk(octa, lb):
    lbs = octa.sdk.load_balancer
    amps = list(lbs.amphorae(loadbalancer_id=lb["id"]))
    assert len(amps) == 1
    a = lbs.get_amphora(amps[0].id)
    assert a.loadbalancer_id == lb["id"]
    assert a.status == "ALLOCATED"
    lbs.configure_amphora(a.id)
    lbs.failover_amphora(a.id)
    octa.wait_active("loadbalancer", lb["id"])
    new = list(lbs.amphorae(loadbalancer_id=lb["id"]))
    assert len(new) == 1 and new[0].id != a.id


def test_failover_needs_active_lb(octad_factory):
    o = octad_factory("amp-lock")
    lb = o.create_lb()
    amp = amps_of(o, lb["id"])[0]
    o.restart(roles="api")
    st, body = o.lbaas("PUT", "/loadbalancers/%s" % lb["id"],
                       {"loadbalancer": {"name": "x"}})
    assert st == 200, body
    r = o.http("PUT", "/v2/octavia/amphorae/%s/failover" % amp["id"])
    assert_fault(r, 409)
    r = o.lbaas("PUT", "/loadbalancers/%s/failover" % lb["id"])
    assert_fault(r, 409, faultstring="Invalid state PENDING_UPDATE of "
                 "loadbalancer resource %s" % lb["id"])
