"""The API over HTTPS ([api_settings] tls_cert_file / tls_key_file).

TLS 1.2 and 1.3 are served, older versions and plain HTTP are refused, and
links in answers (version document, pagination) say https.
"""

import json
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest


@pytest.fixture
def https_octad(octad_factory, tmp_path):
    cert, key = tmp_path / "api.pem", tmp_path / "api.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    o = octad_factory("https", start=False, extra_config={
        "api_settings": {"tls_cert_file": str(cert),
                         "tls_key_file": str(key)}})
    o.url = "https://127.0.0.1:%d" % o.port
    ctx = ssl.create_default_context(cafile=str(cert))
    o.start(wait=False)
    o.ssl_context = ctx
    # wait_ready() speaks plain urllib; poll with our context instead
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(o.url + "/", context=ctx,
                                        timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if time.time() > deadline:
                pytest.fail("no HTTPS answer\n" + o.log_tail())
            time.sleep(0.1)
    return o


def get(o, path, **kw):
    with urllib.request.urlopen(o.url + path, context=o.ssl_context,
                                timeout=10, **kw) as r:
        return r.status, json.loads(r.read())


def test_https_serves_api(https_octad):
    o = https_octad
    st, body = get(o, "/")
    assert st == 200
    assert body["versions"][0]["links"][0]["href"].startswith(
        "https://127.0.0.1:%d/" % o.port)
    st, body = get(o, "/v2/lbaas/loadbalancers?limit=1")
    assert st == 200 and body["loadbalancers"] == []


def test_old_tls_and_plain_http_refused(https_octad):
    o = https_octad
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    try:
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection(("127.0.0.1", o.port), timeout=5) as s:
        with pytest.raises(ssl.SSLError):
            old.wrap_socket(s, server_hostname="127.0.0.1")
    for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = v
        with socket.create_connection(("127.0.0.1", o.port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                assert t.version() in ("TLSv1.2", "TLSv1.3")
    # plain HTTP on the TLS port gets no HTTP answer
    with pytest.raises(Exception):
        urllib.request.urlopen("http://127.0.0.1:%d/" % o.port, timeout=5)
