"""Version discovery (contract 1.1, 1.2): GET /, /v2, content negotiation."""

import pytest

from octatest import make_sdk

# contract 1.2: id -> (status, updated)
VERSIONS = [
    ("v2.0", "2016-12-11T00:00:00Z"), ("v2.1", "2018-04-20T00:00:00Z"),
    ("v2.2", "2018-07-31T00:00:00Z"), ("v2.3", "2018-12-18T00:00:00Z"),
    ("v2.4", "2018-12-19T00:00:00Z"), ("v2.5", "2019-01-21T00:00:00Z"),
    ("v2.6", "2019-01-25T00:00:00Z"), ("v2.7", "2018-01-25T12:00:00Z"),
    ("v2.8", "2019-02-12T00:00:00Z"), ("v2.9", "2019-03-04T00:00:00Z"),
    ("v2.10", "2019-03-05T00:00:00Z"), ("v2.11", "2019-06-24T00:00:00Z"),
    ("v2.12", "2019-09-11T00:00:00Z"), ("v2.13", "2019-09-13T00:00:00Z"),
    ("v2.14", "2019-11-10T00:00:00Z"), ("v2.15", "2020-03-10T00:00:00Z"),
    ("v2.16", "2020-03-15T00:00:00Z"), ("v2.17", "2020-04-29T00:00:00Z"),
    ("v2.18", "2020-04-29T01:00:00Z"), ("v2.19", "2020-05-12T00:00:00Z"),
    ("v2.20", "2020-08-02T00:00:00Z"), ("v2.21", "2020-09-03T00:00:00Z"),
    ("v2.22", "2020-09-04T00:00:00Z"), ("v2.23", "2020-09-07T00:00:00Z"),
    ("v2.24", "2020-10-15T00:00:00Z"), ("v2.25", "2021-10-02T00:00:00Z"),
    ("v2.26", "2022-08-29T00:00:00Z"), ("v2.27", "2023-05-05T00:00:00Z"),
    ("v2.28", "2023-11-08T00:00:00Z"), ("v2.29", "2024-10-15T00:00:00Z"),
    ("v2.30", "2025-02-26T00:00:00Z"),
]


def test_version_document(octa):
    st, body = octa.http("GET", "/")
    assert st == 200, body
    assert list(body) == ["versions"], body
    got = body["versions"]
    assert [v["id"] for v in got] == [v for v, _ in VERSIONS]
    for v, (vid, updated) in zip(got, VERSIONS):
        assert set(v) == {"id", "status", "updated", "links"}, v
        assert v["updated"] == updated, v
        want = "CURRENT" if vid == "v2.30" else "SUPPORTED"
        assert v["status"] == want, v
        # links point at <request url with trailing slash>v2
        assert v["links"] == [{"href": octa.url + "/v2", "rel": "self"}], v


def test_version_document_is_json(octa):
    r = octa.http("GET", "/")
    assert r.headers["Content-Type"].startswith("application/json")


def test_only_one_current(octa):
    _, body = octa.http("GET", "/")
    assert [v["id"] for v in body["versions"]
            if v["status"] == "CURRENT"] == ["v2.30"]


@pytest.mark.parametrize("path", ["/v2", "/v2.0"])
def test_v2_root_returns_string(octa, path):
    st, body = octa.http("GET", path)
    assert st == 200
    assert body == "v2"


@pytest.mark.parametrize("path", ["/", "/v2/lbaas/loadbalancers"])
def test_accept_html_is_406(octa, path):
    r = octa.http("GET", path, headers={"Accept": "text/html"})
    st, body = r
    assert st == 406, body
    # API-WG error format here, not the WSME one (contract 1.1)
    assert isinstance(body, dict) and list(body) == ["errors"], body
    assert len(body["errors"]) == 1
    err = body["errors"][0]
    assert err["status"] == 406
    assert err["title"] == "Not Acceptable"
    assert err["detail"] == "Only content type application/json is accepted."
    assert err["request_id"].startswith("req-"), err


@pytest.mark.parametrize("accept", ["", "*/*", "application/json",
                                    "application/*",
                                    "text/html, application/json;q=0.5"])
def test_acceptable_accept_headers(octa, accept):
    st, body = octa.http("GET", "/", headers={"Accept": accept})
    assert st == 200, (accept, body)
    assert "versions" in body


def test_no_accept_header(octa):
    st, body = octa.http("GET", "/v2/lbaas/loadbalancers",
                         headers={"Accept": None})
    assert st == 200, body


def test_request_id_header(octa):
    r = octa.http("GET", "/v2/lbaas/loadbalancers")
    rid = r.headers.get("x-openstack-request-id")
    assert rid and rid.startswith("req-"), dict(r.headers)


@pytest.mark.parametrize("prefix", ["/v2/lbaas", "/v2.0/lbaas", "/v2",
                                    "/v2.0"])
def test_path_aliases(octa, prefix):
    """/v2/lbaas, /v2.0/lbaas and the bare /v2, /v2.0 roots all route."""
    st, body = octa.http("GET", prefix + "/loadbalancers")
    assert st == 200, body
    assert "loadbalancers" in body and "loadbalancers_links" in body


def test_sdk_discovers_v2(octa):
    """openstacksdk, given the unversioned root (as a catalog lists it),
    discovers the v2 endpoint from GET / and uses it."""
    conn = make_sdk(octa.url)
    proxy = conn.load_balancer       # runs discovery on GET /
    assert proxy.get_endpoint().rstrip("/") == octa.url + "/v2"
    # and it works
    assert isinstance(list(proxy.load_balancers()), list)


def test_cli_talks_to_octad(octa):
    """The CLI with --os-auth-type none --os-endpoint reaches the LB API."""
    assert isinstance(octa.cli("list"), list)


def test_healthcheck_disabled_by_default(octa):
    """[api_settings] healthcheck_enabled defaults to false -> 404."""
    st, _ = octa.http("GET", "/healthcheck")
    assert st == 404


def test_healthcheck_enabled(octad_factory):
    o = octad_factory("healthcheck", extra_config={
        "api_settings": {"healthcheck_enabled": "true"}})
    r = o.http("GET", "/healthcheck", headers={"Accept": None})
    assert r.status == 200, r.body
    r = o.http("GET", "/healthcheck",
               headers={"Accept": "application/json"})
    assert r.status == 200
    assert r.body == {"detailed": False, "reasons": ["OK"]}
    r = o.http("POST", "/healthcheck", "")
    assert r.status == 405
