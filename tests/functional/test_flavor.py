"""Flavor profiles, flavors, availability zone profiles, availability zones
(contract 1.4, 1.8 Flavor / flavor profile / AZ / AZ profile)."""

import json

import openstack.exceptions
import pytest

from octatest import NIL_UUID, SUBNET_ID, assert_fault, ids, is_uuid, unique


def make_fp(octa, data=None, name=None):
    st, body = octa.lbaas("POST", "/flavorprofiles", {"flavorprofile": {
        "name": name or unique("fp"), "provider_name": "amphora",
        "flavor_data": json.dumps(data or {"loadbalancer_topology":
                                           "SINGLE"})}})
    assert st == 201, body
    return body["flavorprofile"]


def make_flavor(octa, fp_id, **kw):
    body = {"name": unique("flavor"), "flavor_profile_id": fp_id}
    body.update(kw)
    st, resp = octa.lbaas("POST", "/flavors", {"flavor": body})
    assert st == 201, resp
    return resp["flavor"]


def make_azp(octa, data=None):
    st, body = octa.lbaas("POST", "/availabilityzoneprofiles", {
        "availability_zone_profile": {
            "name": unique("azp"), "provider_name": "amphora",
            "availability_zone_data": json.dumps(
                data or {"compute_zone": "nova"})}})
    assert st == 201, body
    return body["availability_zone_profile"]


def make_az(octa, azp_id, **kw):
    body = {"name": unique("az"), "availability_zone_profile_id": azp_id}
    body.update(kw)
    st, resp = octa.lbaas("POST", "/availabilityzones",
                          {"availability_zone": body})
    assert st == 201, resp
    return resp["availability_zone"]


# ---------------------------------------------------------- flavorprofile

def test_flavorprofile_cli_life_cycle(octa):
    name = unique("fp")
    data = {"loadbalancer_topology": "ACTIVE_STANDBY",
            "compute_flavor": "m1.amphora"}
    out = octa.cli("flavorprofile", "create", "--name", name, "--provider",
                   "amphora", "--flavor-data", json.dumps(data))
    fp_id = out["id"]
    assert is_uuid(fp_id)
    assert out["name"] == name
    assert out["provider_name"] == "amphora"
    assert json.loads(out["flavor_data"]) == data

    st, body = octa.lbaas("GET", "/flavorprofiles/%s" % fp_id)
    assert st == 200
    assert set(body["flavorprofile"]) == {"id", "name", "provider_name",
                                          "flavor_data"}
    assert octa.cli("flavorprofile", "show", fp_id)["name"] == name
    assert octa.cli("flavorprofile", "show", name)["id"] == fp_id
    listed = octa.cli("flavorprofile", "list", "--name", name)
    assert [x["id"] for x in listed] == [fp_id]
    assert set(listed[0]) == {"id", "name", "provider_name"}

    octa.cli("flavorprofile", "set", "--name", name + "-2", "--flavor-data",
             '{"loadbalancer_topology": "SINGLE"}', fp_id)
    got = octa.cli("flavorprofile", "show", fp_id)
    assert got["name"] == name + "-2"
    assert json.loads(got["flavor_data"]) == {
        "loadbalancer_topology": "SINGLE"}

    octa.cli("flavorprofile", "delete", fp_id)
    # Octavia names the data model here ("Flavor Profile"), unlike in
    # its DELETE and NIL-UUID paths ("Flavor profile").
    assert_fault(octa.lbaas("GET", "/flavorprofiles/%s" % fp_id), 404,
                 faultstring="Flavor Profile %s not found." % fp_id)


def test_flavorprofile_list_key_is_singular(octa):
    make_fp(octa)
    st, body = octa.lbaas("GET", "/flavorprofiles")
    assert st == 200
    assert set(body) == {"flavorprofiles", "flavorprofile_links"}
    assert NIL_UUID not in ids(body["flavorprofiles"])


def test_flavorprofile_validation(octa):
    def post(**kw):
        body = {"name": unique("fp"), "provider_name": "amphora",
                "flavor_data": "{}"}
        body.update(kw)
        for k in [k for k, v in body.items() if v is ...]:
            del body[k]
        return octa.lbaas("POST", "/flavorprofiles", {"flavorprofile": body})

    assert_fault(post(flavor_data="{not json"), 400)
    assert_fault(post(provider_name="nope"), 400,
                 faultstring="Provider 'nope' is not enabled.")
    # amphora schema has no extra keys: the provider refuses (501)
    assert_fault(post(flavor_data='{"bogus_key": 1}'), 501,
                 contains="amphora")
    assert_fault(post(flavor_data='{"loadbalancer_topology": "TRIPLE"}'),
                 501)
    for missing in ("name", "provider_name", "flavor_data"):
        assert_fault(post(**{missing: ...}), 400, contains=missing)
    assert_fault(post(flavor_data="x" * 4097), 400)


def test_flavorprofile_nil_uuid_hidden(octa):
    assert_fault(octa.lbaas("GET", "/flavorprofiles/%s" % NIL_UUID), 404)
    assert_fault(octa.lbaas("GET", "/flavors/%s" % NIL_UUID), 404)


# ------------------------------------------------------------------ flavor

def test_flavor_cli_life_cycle(octa):
    fp = make_fp(octa)
    name = unique("flavor")
    out = octa.cli("flavor", "create", "--name", name, "--flavorprofile",
                   fp["id"], "--description", "small", "--enable")
    fid = out["id"]
    assert out["name"] == name
    assert out["flavor_profile_id"] == fp["id"]
    assert out["enabled"] is True
    assert out["description"] == "small"
    st, body = octa.lbaas("GET", "/flavors/%s" % fid)
    assert set(body["flavor"]) == {"id", "name", "description", "enabled",
                                   "flavor_profile_id"}
    assert octa.cli("flavor", "show", name)["id"] == fid
    listed = octa.cli("flavor", "list", "--name", name)
    assert [x["id"] for x in listed] == [fid]

    octa.cli("flavor", "set", "--name", name + "-2", "--disable", fid)
    got = octa.cli("flavor", "show", fid)
    assert got["name"] == name + "-2" and got["enabled"] is False
    octa.cli("flavor", "unset", "--description", fid)
    st, body = octa.lbaas("GET", "/flavors/%s" % fid)
    assert body["flavor"]["description"] == ""

    # flavor_profile_id is immutable
    r = octa.lbaas("PUT", "/flavors/%s" % fid, {"flavor": {
        "flavor_profile_id": fp["id"]}})
    assert_fault(r, 400, contains="Unknown attribute")

    octa.cli("flavor", "delete", fid)
    assert_fault(octa.lbaas("GET", "/flavors/%s" % fid), 404,
                 faultstring="Flavor %s not found." % fid)


def test_flavor_default_enabled_and_duplicate_name(octa):
    fp = make_fp(octa)
    f = make_flavor(octa, fp["id"])
    assert f["enabled"] is True
    r = octa.lbaas("POST", "/flavors", {"flavor": {
        "name": f["name"], "flavor_profile_id": fp["id"]}})
    assert_fault(r, 409)


def test_flavor_unknown_profile_400(octa):
    r = octa.lbaas("POST", "/flavors", {"flavor": {
        "name": unique("flavor"),
        "flavor_profile_id": "d2a3f1b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b"}})
    # Octavia: DBReferenceError -> InvalidOption (400)
    assert_fault(r, 400, contains="flavor_profile_id")


def test_profile_in_use_409(octa):
    fp = make_fp(octa)
    f = make_flavor(octa, fp["id"])
    r = octa.lbaas("DELETE", "/flavorprofiles/%s" % fp["id"])
    assert_fault(r, 409, faultstring="Flavor profile %s is in use and "
                 "cannot be modified." % fp["id"])
    r = octa.lbaas("PUT", "/flavorprofiles/%s" % fp["id"], {"flavorprofile":
                   {"flavor_data": '{"loadbalancer_topology": "SINGLE"}'}})
    assert_fault(r, 409)
    # the name alone may change
    r = octa.lbaas("PUT", "/flavorprofiles/%s" % fp["id"], {"flavorprofile":
                   {"name": unique("fp")}})
    assert r.status == 200, r.body
    octa.lbaas("DELETE", "/flavors/%s" % f["id"])
    r = octa.lbaas("DELETE", "/flavorprofiles/%s" % fp["id"])
    assert r.status == 204, r.body


def test_lb_with_flavor(octa):
    fp = make_fp(octa)
    f = make_flavor(octa, fp["id"])
    out = octa.cli("create", "--name", unique("lb"), "--vip-subnet-id",
                   SUBNET_ID, "--flavor", f["name"])
    try:
        assert out["flavor_id"] == f["id"]
        octa.wait_active("loadbalancer", out["id"])
        # in use by a live LB
        assert_fault(octa.lbaas("DELETE", "/flavors/%s" % f["id"]), 409,
                     faultstring="Flavor %s is in use and cannot be "
                     "modified." % f["id"])
        st, body = octa.lbaas("GET", "/loadbalancers?flavor_id=" + f["id"])
        assert ids(body["loadbalancers"]) == [out["id"]]
    finally:
        octa.cleanup_lb(out["id"], wait=True)
    # disabled flavor cannot be used
    octa.lbaas("PUT", "/flavors/%s" % f["id"], {"flavor": {"enabled": False}})
    r = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": SUBNET_ID, "flavor_id": f["id"]}})
    assert_fault(r, 400, faultstring=("The selected flavor is not allowed "
                                      "in this deployment: %s" % f["id"]))
    r = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": SUBNET_ID,
        "flavor_id": "e1b2c3d4-0000-4000-8000-000000000001"}})
    assert_fault(r, 400)


def test_flavor_sdk(octa):
    lbs = octa.sdk.load_balancer
    fp = lbs.create_flavor_profile(name=unique("fp"), provider_name="amphora",
                                   flavor_data='{"amp_image_tag": "x"}')
    assert is_uuid(fp.id)
    f = lbs.create_flavor(name=unique("flavor"), flavor_profile_id=fp.id,
                          description="sdk", is_enabled=True)
    assert lbs.get_flavor(f.id).description == "sdk"
    assert f.id in [x.id for x in lbs.flavors()]
    lbs.update_flavor(f.id, is_enabled=False)
    assert lbs.get_flavor(f.id).is_enabled is False
    lbs.delete_flavor(f.id)
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_flavor(f.id)
    assert fp.id in [x.id for x in lbs.flavor_profiles()]
    lbs.delete_flavor_profile(fp.id)
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_flavor_profile(fp.id)


# ------------------------------------------------- availability zones

def test_azprofile_cli_life_cycle(octa):
    name = unique("azp")
    data = {"compute_zone": "nova", "valid_vip_networks": [SUBNET_ID]}
    out = octa.cli("availabilityzoneprofile", "create", "--name", name,
                   "--provider", "amphora", "--availability-zone-data",
                   json.dumps(data))
    pid = out["id"]
    assert is_uuid(pid) and out["name"] == name
    assert out["provider_name"] == "amphora"
    assert json.loads(out["availability_zone_data"]) == data
    st, body = octa.lbaas("GET", "/availabilityzoneprofiles/%s" % pid)
    assert set(body["availability_zone_profile"]) == {
        "id", "name", "provider_name", "availability_zone_data"}
    assert octa.cli("availabilityzoneprofile", "show", name)["id"] == pid
    listed = octa.cli("availabilityzoneprofile", "list", "--name", name)
    assert [x["id"] for x in listed] == [pid]
    # (octaviaclient 3.1 silently drops --availabilityzone-data on set:
    # the option's dest does not match its attribute map, so the data is
    # changed with a raw PUT)
    octa.cli("availabilityzoneprofile", "set", "--name", name + "-2", pid)
    st, body = octa.lbaas("PUT", "/availabilityzoneprofiles/%s" % pid, {
        "availability_zone_profile": {
            "availability_zone_data": '{"compute_zone": "az2"}'}})
    assert st == 200, body
    got = octa.cli("availabilityzoneprofile", "show", pid)
    assert got["name"] == name + "-2"
    assert json.loads(got["availability_zone_data"]) == {
        "compute_zone": "az2"}
    octa.cli("availabilityzoneprofile", "delete", pid)
    st, _ = octa.lbaas("GET", "/availabilityzoneprofiles/%s" % pid)
    assert st == 404


def test_azprofile_list_key_is_singular(octa):
    make_azp(octa)
    st, body = octa.lbaas("GET", "/availabilityzoneprofiles")
    assert st == 200
    assert set(body) == {"availability_zone_profiles",
                         "availability_zone_profile_links"}


def test_azprofile_validation(octa):
    def post(data, provider="amphora"):
        return octa.lbaas("POST", "/availabilityzoneprofiles", {
            "availability_zone_profile": {
                "name": unique("azp"), "provider_name": provider,
                "availability_zone_data": data}})
    assert_fault(post("{nope"), 400)
    assert_fault(post('{"compute_zone": "a"}', provider="nope"), 400,
                 faultstring="Provider 'nope' is not enabled.")
    assert_fault(post('{"bogus": 1}'), 501)


def test_az_cli_life_cycle(octa):
    azp = make_azp(octa)
    name = unique("az")
    out = octa.cli("availabilityzone", "create", "--name", name,
                   "--availabilityzoneprofile", azp["id"], "--description",
                   "zone one")
    assert out["name"] == name
    assert out["availability_zone_profile_id"] == azp["id"]
    assert out["enabled"] is True
    assert out["description"] == "zone one"
    # keyed by name, and no id in the body
    st, body = octa.lbaas("GET", "/availabilityzones/%s" % name)
    assert st == 200, body
    assert set(body["availability_zone"]) == {
        "name", "description", "enabled", "availability_zone_profile_id"}
    assert octa.cli("availabilityzone", "show", name)["name"] == name
    listed = octa.cli("availabilityzone", "list", "--name", name)
    assert [x["name"] for x in listed] == [name]
    st, body = octa.lbaas("GET", "/availabilityzones")
    assert set(body) == {"availability_zones", "availability_zones_links"}

    octa.cli("availabilityzone", "set", "--description", "changed",
             "--disable", name)
    got = octa.cli("availabilityzone", "show", name)
    assert got["description"] == "changed" and got["enabled"] is False
    octa.cli("availabilityzone", "unset", "--description", name)
    st, body = octa.lbaas("GET", "/availabilityzones/%s" % name)
    assert body["availability_zone"]["description"] == ""
    # the profile is immutable
    r = octa.lbaas("PUT", "/availabilityzones/%s" % name, {
        "availability_zone": {"availability_zone_profile_id": azp["id"]}})
    assert_fault(r, 400, contains="Unknown attribute")
    # duplicate name
    r = octa.lbaas("POST", "/availabilityzones", {"availability_zone": {
        "name": name, "availability_zone_profile_id": azp["id"]}})
    assert_fault(r, 409)

    octa.cli("availabilityzone", "delete", name)
    st, _ = octa.lbaas("GET", "/availabilityzones/%s" % name)
    assert st == 404


def test_lb_in_az(octa):
    azp = make_azp(octa)
    az = make_az(octa, azp["id"])
    out = octa.cli("create", "--name", unique("lb"), "--vip-subnet-id",
                   SUBNET_ID, "--availability-zone", az["name"])
    try:
        assert out["availability_zone"] == az["name"]
        octa.wait_active("loadbalancer", out["id"])
        assert_fault(octa.lbaas("DELETE", "/availabilityzoneprofiles/%s" %
                                azp["id"]), 409)
    finally:
        octa.cleanup_lb(out["id"], wait=True)
    octa.lbaas("PUT", "/availabilityzones/%s" % az["name"], {
        "availability_zone": {"enabled": False}})
    r = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": SUBNET_ID, "availability_zone": az["name"]}})
    assert_fault(r, 400)
    r = octa.lbaas("POST", "/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": SUBNET_ID, "availability_zone": unique("no-az")}})
    assert_fault(r, 400)


def test_az_sdk(octa):
    lbs = octa.sdk.load_balancer
    azp = lbs.create_availability_zone_profile(
        name=unique("azp"), provider_name="amphora",
        availability_zone_data='{"compute_zone": "nova"}')
    az = lbs.create_availability_zone(
        name=unique("az"), availability_zone_profile_id=azp.id,
        description="sdk")
    assert lbs.get_availability_zone(az.name).description == "sdk"
    assert az.name in [x.name for x in lbs.availability_zones()]
    lbs.update_availability_zone(az.name, is_enabled=False)
    assert lbs.get_availability_zone(az.name).is_enabled is False
    lbs.delete_availability_zone(az.name)
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        lbs.get_availability_zone(az.name)
    assert azp.id in [x.id for x in lbs.availability_zone_profiles()]
    lbs.delete_availability_zone_profile(azp.id)
