"""Providers and their capabilities (contract 1.4, 1.8 provider)."""

import urllib.parse

import pytest

from octatest import assert_fault

PROVIDERS = {"amphora": "The Octavia Amphora driver.",
             "octavia": "Deprecated alias of the Octavia Amphora driver."}
FLAVOR_CAPS = {"loadbalancer_topology", "compute_flavor", "amp_image_tag",
               "sriov_vip", "allow_member_sriov"}
AZ_CAPS = {"compute_zone", "volume_zone", "management_network",
           "valid_vip_networks"}


def test_provider_list_http(octa):
    st, body = octa.lbaas("GET", "/providers")
    assert st == 200, body
    assert set(body) == {"providers"}          # no links key
    got = {p["name"]: p["description"] for p in body["providers"]}
    assert got == PROVIDERS
    for p in body["providers"]:
        assert set(p) == {"name", "description"}


def test_provider_list_cli(octa):
    out = octa.cli("provider", "list")
    assert {p["name"]: p["description"] for p in out} == PROVIDERS


@pytest.mark.parametrize("kind,key,want", [
    ("flavor_capabilities", "flavor_capabilities", FLAVOR_CAPS),
    ("availability_zone_capabilities", "availability_zone_capabilities",
     AZ_CAPS),
])
@pytest.mark.parametrize("provider", ["amphora", "octavia"])
def test_capabilities_http(octa, provider, kind, key, want):
    st, body = octa.lbaas("GET", "/providers/%s/%s" % (provider, kind))
    assert st == 200, body
    assert set(body) == {key}
    assert {c["name"] for c in body[key]} == want
    for c in body[key]:
        assert set(c) == {"name", "description"}
        assert isinstance(c["description"], str) and c["description"]


def test_capabilities_filters(octa):
    st, body = octa.lbaas("GET", "/providers/amphora/flavor_capabilities"
                          "?name=compute_flavor")
    assert st == 200
    assert [c["name"] for c in body["flavor_capabilities"]] == [
        "compute_flavor"]
    desc = body["flavor_capabilities"][0]["description"]
    st, body = octa.lbaas("GET", "/providers/amphora/flavor_capabilities"
                          "?description=" + urllib.parse.quote(desc))
    assert [c["name"] for c in body["flavor_capabilities"]] == [
        "compute_flavor"]
    st, body = octa.lbaas("GET", "/providers/amphora/"
                          "availability_zone_capabilities?name=nope")
    assert st == 200 and body["availability_zone_capabilities"] == []


def test_capabilities_fields(octa):
    st, body = octa.lbaas("GET", "/providers/amphora/flavor_capabilities"
                          "?fields=name")
    assert st == 200
    assert all(set(c) == {"name"} for c in body["flavor_capabilities"])


def test_capabilities_cli(octa):
    out = octa.cli("provider", "capability", "list", "amphora")
    assert all(set(r) == {"type", "name", "description"} for r in out)
    flavor = {r["name"] for r in out if r["type"] == "flavor"}
    az = {r["name"] for r in out if r["type"] == "availability_zone"}
    assert flavor == FLAVOR_CAPS
    assert az == AZ_CAPS
    only_flavor = octa.cli("provider", "capability", "list", "--flavor",
                           "amphora")
    assert {r["type"] for r in only_flavor} == {"flavor"}


def test_unknown_provider_400(octa):
    r = octa.lbaas("GET", "/providers/nope/flavor_capabilities")
    assert_fault(r, 400, faultstring="Provider 'nope' is not enabled.")
    r = octa.lbaas("GET", "/providers/nope/availability_zone_capabilities")
    assert_fault(r, 400, faultstring="Provider 'nope' is not enabled.")


def test_lb_with_unknown_provider_400(octa):
    r = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a",
        "provider": "nope"}})
    assert_fault(r, 400, faultstring="Provider 'nope' is not enabled.")


def test_lb_with_octavia_alias(octa):
    lb = octa.create_lb(provider="octavia")
    try:
        assert lb["provider"] == "octavia"
    finally:
        octa.cleanup_lb(lb["id"])


def test_sdk(octa):
    lbs = octa.sdk.load_balancer
    names = {p.name for p in lbs.providers()}
    assert names == set(PROVIDERS)
    caps = {c.name for c in lbs.provider_flavor_capabilities("amphora")}
    assert caps == FLAVOR_CAPS
