"""List semantics (contract 1.7): pagination, sorting, filters, fields,
tags.  Runs against a private octad so the collections hold only the
objects made here (links do not carry filters, so following them would see
everybody else's objects on the shared server)."""

import pytest

from octatest import assert_fault, ids

# name -> (tags, admin_state_up, description)
WORLD = {
    "lst-alpha": (["t1", "t2"], True, "first"),
    "lst-bravo": (["t1"], True, "second"),
    "lst-charlie": (["t2", "t3"], False, "third"),
    "lst-delta": ([], True, "fourth"),
    "lst-echo": (["t3"], True, "fifth"),
}


@pytest.fixture(scope="module")
def world(module_octad):
    o = module_octad
    lbs = {}
    for name, (tags, up, desc) in WORLD.items():
        lb = o.create_lb(name=name, tags=tags, admin_state_up=up,
                         description=desc)
        lbs[name] = lb
    # default order: created_at asc, then id asc
    order = [lb["id"] for lb in sorted(
        lbs.values(), key=lambda x: (x["created_at"], x["id"]))]
    return o, lbs, order


def get(o, query):
    st, body = o.http("GET", "/v2/lbaas/loadbalancers" +
                      ("?" + query if query else ""))
    assert st == 200, (query, body)
    assert set(body) == {"loadbalancers", "loadbalancers_links"}, body
    return body["loadbalancers"], body["loadbalancers_links"]


def follow(o, href):
    assert href.startswith(o.url + "/v2/lbaas/loadbalancers?"), href
    st, body = o.http("GET", href)
    assert st == 200, (href, body)
    return body["loadbalancers"], body["loadbalancers_links"]


def rels(links):
    return {ln["rel"]: ln["href"] for ln in links}


def names(lbs_):
    return [x["name"] for x in lbs_]


def idset(o_lbs, *nm):
    return {o_lbs[n]["id"] for n in nm}


# -------------------------------------------------------------- pagination

def test_default_order_and_no_links(world):
    o, lbs, order = world
    items, links = get(o, "")
    assert ids(items) == order
    assert links == []


def test_pagination_walk(world):
    o, lbs, order = world
    base = o.url + "/v2/lbaas/loadbalancers"
    p1, l1 = get(o, "limit=2")
    assert ids(p1) == order[:2]
    assert rels(l1) == {"next": "%s?limit=2&marker=%s" % (base, order[1])}
    p2, l2 = follow(o, rels(l1)["next"])
    assert ids(p2) == order[2:4]
    assert rels(l2) == {
        "previous": "%s?limit=2&marker=%s&page_reverse=True" % (base,
                                                                order[2]),
        "next": "%s?limit=2&marker=%s" % (base, order[3])}
    assert [ln["rel"] for ln in l2] == ["previous", "next"]
    p3, l3 = follow(o, rels(l2)["next"])
    assert ids(p3) == order[4:]
    # not a full page: no next, but a previous
    assert set(rels(l3)) == {"previous"}
    # back from page 2 gives page 1
    back, _ = follow(o, rels(l2)["previous"])
    assert ids(back) == order[:2]


def test_full_last_page_still_has_next(world):
    o, lbs, order = world
    page, links = get(o, "limit=5")
    assert ids(page) == order
    assert "next" in rels(links)
    rest, links2 = follow(o, rels(links)["next"])
    assert rest == []
    assert "next" not in rels(links2)


def test_marker_and_page_reverse(world):
    o, lbs, order = world
    after, _ = get(o, "marker=" + order[1])
    assert ids(after) == order[2:]
    before, links = get(o, "marker=%s&page_reverse=True" % order[3])
    assert ids(before) == order[:3]
    # only the exact string True reverses
    fwd, _ = get(o, "marker=%s&page_reverse=true" % order[3])
    assert ids(fwd) == order[4:]


def test_limit_zero_and_infinite_mean_no_limit(world):
    o, lbs, order = world
    for q in ("limit=0", "limit=-1", "limit=infinite"):
        items, links = get(o, q)
        assert ids(items) == order, q
        # no limit: every non-empty page gets a next link (quirk)
        assert "next" in rels(links), q


@pytest.mark.parametrize("query,msg", [
    ("limit=abc", "Supplied pagination limit 'abc' is not valid."),
    ("marker=4f6c2a8e-2d2b-4d55-9d0b-8d7f5e2a1c3b",
     "Supplied pagination marker '4f6c2a8e-2d2b-4d55-9d0b-8d7f5e2a1c3b' is "
     "not valid."),
    ("sort=nonsense", "Supplied sort key 'nonsense' is not valid."),
    ("sort=name:sideways", "Supplied sort direction 'sideways' is not "
     "valid."),
    ("sort_key=name&sort_dir=up", "Supplied sort direction 'up' is not "
     "valid."),
])
def test_bad_list_params_400(world, query, msg):
    o, _, _ = world
    r = o.http("GET", "/v2/lbaas/loadbalancers?" + query)
    assert_fault(r, 400, faultstring=msg)


# ------------------------------------------------------------------ sorting

def test_sort_name_desc(world):
    o, lbs, order = world
    items, _ = get(o, "sort=name:desc")
    assert names(items) == sorted(WORLD, reverse=True)
    items, _ = get(o, "sort=name:DESC")
    assert names(items) == sorted(WORLD, reverse=True)
    items, _ = get(o, "sort=name")                     # default asc
    assert names(items) == sorted(WORLD)


def test_sort_key_dir(world):
    o, lbs, order = world
    items, _ = get(o, "sort_key=name&sort_dir=desc")
    assert names(items) == sorted(WORLD, reverse=True)
    items, _ = get(o, "sort_key=name&sort_dir=asc")
    assert names(items) == sorted(WORLD)
    # sort wins over sort_key
    items, _ = get(o, "sort=name:asc&sort_key=name&sort_dir=desc")
    assert names(items) == sorted(WORLD)


def test_sort_multiple_keys(world):
    o, lbs, order = world
    items, _ = get(o, "sort=admin_state_up:asc,name:desc")
    want = sorted(WORLD, key=lambda n: (WORLD[n][1], n))
    # admin_state_up asc: false first; then name desc within each group
    down = [n for n in want if not WORLD[n][1]]
    up = sorted([n for n in want if WORLD[n][1]], reverse=True)
    assert names(items) == down + up


def test_sorted_pagination_links_carry_sort(world):
    o, lbs, order = world
    base = o.url + "/v2/lbaas/loadbalancers"
    p1, l1 = get(o, "limit=2&sort=name:desc")
    want = sorted(WORLD, reverse=True)
    assert names(p1) == want[:2]
    assert rels(l1)["next"] == "%s?limit=2&sort=name:desc&marker=%s" % (
        base, p1[-1]["id"])
    p2, l2 = follow(o, rels(l1)["next"])
    assert names(p2) == want[2:4]
    p3, _ = follow(o, rels(l2)["next"])
    assert names(p3) == want[4:]
    # sort_key is carried, sort_dir is not (contract 1.7)
    _, lk = get(o, "limit=2&sort_key=name&sort_dir=desc")
    nxt = rels(lk)["next"]
    assert "sort_key=name" in nxt and "sort_dir" not in nxt


# ------------------------------------------------------------------ filters

def test_filter_by_fields(world):
    o, lbs, order = world
    items, _ = get(o, "name=lst-bravo")
    assert names(items) == ["lst-bravo"]
    items, _ = get(o, "description=fifth")
    assert names(items) == ["lst-echo"]
    items, _ = get(o, "admin_state_up=false")
    assert names(items) == ["lst-charlie"]
    items, _ = get(o, "admin_state_up=True")
    assert sorted(names(items)) == sorted(set(WORLD) - {"lst-charlie"})
    items, _ = get(o, "provisioning_status=ACTIVE&name=lst-alpha")
    assert names(items) == ["lst-alpha"]
    items, _ = get(o, "name=lst-alpha&description=second")   # AND
    assert items == []
    items, _ = get(o, "id=" + lbs["lst-delta"]["id"])
    assert names(items) == ["lst-delta"]
    items, _ = get(o, "name=nobody")
    assert items == []


def test_unknown_filter_400(world):
    o, _, _ = world
    r = o.http("GET", "/v2/lbaas/loadbalancers?color=blue")
    assert_fault(r, 400, faultstring="One or more arguments are either "
                 "duplicate or invalid")
    for coll in ("listeners", "pools", "healthmonitors", "l7policies",
                 "flavors", "flavorprofiles", "availabilityzones",
                 "availabilityzoneprofiles", "quotas"):
        r = o.http("GET", "/v2/lbaas/%s?color=blue" % coll)
        assert_fault(r, 400)


def test_unknown_query_param_on_get_one_ignored(world):
    o, lbs, _ = world
    lb_id = lbs["lst-alpha"]["id"]
    st, body = o.http("GET", "/v2/lbaas/loadbalancers/%s?color=blue" % lb_id)
    assert st == 200 and body["loadbalancer"]["id"] == lb_id


# ------------------------------------------------------------------- fields

def test_fields_on_list(world):
    o, lbs, order = world
    items, _ = get(o, "fields=id&fields=name")
    assert ids(items) == order
    for x in items:
        assert set(x) == {"id", "name"}, x
    # unknown names are ignored
    items, _ = get(o, "fields=id&fields=no_such_field")
    assert all(set(x) == {"id"} for x in items)
    # tenant_id only when asked for
    items, _ = get(o, "fields=project_id")
    assert all(set(x) == {"project_id"} for x in items)
    items, _ = get(o, "fields=tenant_id&fields=project_id")
    assert all(set(x) == {"project_id", "tenant_id"} for x in items)


def test_fields_on_get_one(world):
    o, lbs, _ = world
    lb_id = lbs["lst-alpha"]["id"]
    st, body = o.http("GET", "/v2/lbaas/loadbalancers/%s?fields=name&"
                      "fields=tags" % lb_id)
    assert st == 200
    assert body["loadbalancer"] == {"name": "lst-alpha",
                                    "tags": ["t1", "t2"]}


# --------------------------------------------------------------------- tags

@pytest.mark.parametrize("query,want", [
    ("tags=t1", {"lst-alpha", "lst-bravo"}),
    ("tags=t1,t2", {"lst-alpha"}),
    ("tags=t1&tags=t2", {"lst-alpha"}),
    ("tags-any=t1,t3", {"lst-alpha", "lst-bravo", "lst-charlie",
                        "lst-echo"}),
    ("tags-any=t1&tags-any=t3", {"lst-alpha", "lst-bravo", "lst-charlie",
                                 "lst-echo"}),
    # not-tags excludes objects having *all* of them
    ("not-tags=t1,t2", {"lst-bravo", "lst-charlie", "lst-delta",
                        "lst-echo"}),
    # not-tags-any excludes objects having *any* of them
    ("not-tags-any=t1,t2", {"lst-delta", "lst-echo"}),
    ("tags=t1&not-tags=t2", {"lst-bravo"}),
    ("tags-any=t2,t3&not-tags-any=t1", {"lst-charlie", "lst-echo"}),
    ("tags=nosuch", set()),
])
def test_tag_filters(world, query, want):
    o, _, _ = world
    items, _ = get(o, query)
    assert set(names(items)) == want
    assert len(items) == len(want)          # no duplicates from joins


def test_tag_filters_cli(world):
    o, _, _ = world

    def cli_names(*args):
        return {x["name"] for x in o.cli("list", *args)}

    assert cli_names("--tags", "t1,t2") == {"lst-alpha"}
    assert cli_names("--any-tags", "t3") == {"lst-charlie", "lst-echo"}
    assert cli_names("--not-tags", "t1,t2") == set(WORLD) - {"lst-alpha"}
    assert cli_names("--not-any-tags", "t1,t2") == {"lst-delta",
                                                    "lst-echo"}
    assert cli_names("--disable") == {"lst-charlie"}
    assert cli_names("--name", "lst-echo") == {"lst-echo"}


def test_sdk_filters(world):
    o, _, _ = world
    lbs = o.sdk.load_balancer
    assert {x.name for x in lbs.load_balancers(tags="t3")} == {
        "lst-charlie", "lst-echo"}
    assert {x.name for x in lbs.load_balancers(any_tags="t1,t3")} == {
        "lst-alpha", "lst-bravo", "lst-charlie", "lst-echo"}
    assert {x.name for x in lbs.load_balancers(is_admin_state_up=False)} == {
        "lst-charlie"}


# ----------------------------------------- other collections, page maximum

def test_child_collections_sort_and_filter(world):
    o, lbs, _ = world
    lb_id = lbs["lst-alpha"]["id"]
    a = o.create_listener(lb_id, protocol_port=81, name="l-b")
    b = o.create_listener(lb_id, protocol_port=80, name="l-a")
    c = o.create_listener(lb_id, protocol="UDP", protocol_port=82,
                          name="l-c", tags=["u"])
    st, body = o.http("GET", "/v2/lbaas/listeners?sort=protocol_port:desc")
    assert st == 200
    assert ids(body["listeners"]) == [c["id"], a["id"], b["id"]]
    assert body["listeners_links"] == []
    st, body = o.http("GET", "/v2/lbaas/listeners?loadbalancer_id=%s&"
                      "protocol=UDP" % lb_id)
    assert ids(body["listeners"]) == [c["id"]]
    st, body = o.http("GET", "/v2/lbaas/listeners?tags=u&fields=name")
    assert body["listeners"] == [{"name": "l-c"}]
    st, body = o.http("GET", "/v2/lbaas/listeners?limit=1&sort=name")
    assert ids(body["listeners"]) == [b["id"]]
    assert rels(body["listeners_links"])["next"].endswith(
        "/v2/lbaas/listeners?limit=1&sort=name&marker=%s" % b["id"])


def test_page_maximum_and_cli_follows_links(octad_factory):
    """pagination_max_limit caps every page; the CLI follows `next` links
    and still shows everything."""
    o = octad_factory("small-pages", extra_config={
        "api_settings": {"pagination_max_limit": "2"}})
    made = [o.create_lb(name="pg-%d" % i)["id"] for i in range(5)]
    items, links = get(o, "")
    assert len(items) == 2 and "next" in rels(links)
    items, links = get(o, "limit=10")          # clamped to the maximum
    assert len(items) == 2
    assert rels(links)["next"].startswith(
        o.url + "/v2/lbaas/loadbalancers?limit=2&marker=")
    items, _ = get(o, "limit=0")               # < 1 means no limit
    assert sorted(ids(items)) == sorted(made)
    assert sorted(x["id"] for x in o.cli("list")) == sorted(made)
    assert {x.id for x in o.sdk.load_balancer.load_balancers()} == set(made)
