"""TLS certificate references: `octa-manage secret` puts containers and
CA/CRL secrets into the file secrets backend of the test octad, and the API
fetches and checks every reference a listener or pool is given (Octavia's
_validate_tls_refs and _validate_client_ca_and_crl_refs; docs/secrets.md).

The certificates are made here with python3-cryptography: a root CA, an
intermediate, server certificates with SANs, a client CA with a CRL, and a
second CA whose CRL must not pass for the first.
"""

import datetime
import subprocess
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from octatest import OCTAD, assert_fault, unique

MANAGE = OCTAD.parent / "octa-manage"
NOT_FOUND = "Could not retrieve certificate: ['%s']"
BAD_CRL = ("Validation failure: The CRL specified is not valid for client "
           "certificate authority reference supplied.")


# ------------------------------------------------------------- the PKI

def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                         "octa tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(key, cn, issuer=None, issuer_key=None, ca=False, sans=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder()
         .subject_name(_name(cn))
         .issuer_name(issuer.subject if issuer else _name(cn))
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=5))
         .not_valid_after(now + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                        critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(s) for s in sans]), critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


def _crl(issuer, issuer_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    revoked = (x509.RevokedCertificateBuilder()
               .serial_number(4242).revocation_date(now).build())
    return (x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(now)
            .next_update(now + datetime.timedelta(days=7))
            .add_revoked_certificate(revoked)
            .sign(issuer_key, hashes.SHA256()))


def _pem(obj):
    if isinstance(obj, ec.EllipticCurvePrivateKey):
        return obj.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    return obj.public_bytes(serialization.Encoding.PEM)


class PKI:
    """Files for octa-manage, made once per module."""

    def __init__(self, d):
        self.dir = d
        root_key, int_key = _key(), _key()
        root = _cert(root_key, "octa test root", ca=True)
        inter = _cert(int_key, "octa test intermediate", root, root_key,
                      ca=True)
        self.files = {}
        for name in ("www", "api", "shop"):
            k = _key()
            c = _cert(k, "%s.example.com" % name, inter, int_key,
                      sans=("%s.example.com" % name,
                            "alt-%s.example.com" % name))
            self.put(name + ".crt", _pem(c))
            self.put(name + ".key", _pem(k))
        self.put("chain.pem", _pem(inter) + _pem(root))
        self.put("other.key", _pem(_key()))
        self.put("encrypted.key", _key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"sekrit")))
        ca_key, other_ca_key = _key(), _key()
        ca = _cert(ca_key, "octa client ca", ca=True)
        other_ca = _cert(other_ca_key, "octa other ca", ca=True)
        self.put("client-ca.pem", _pem(ca))
        self.put("client-ca.crl", _pem(_crl(ca, ca_key)))
        self.put("other-ca.crl", _pem(_crl(other_ca, other_ca_key)))

    def put(self, name, data):
        p = self.dir / name
        p.write_bytes(data)
        self.files[name] = p

    def __getitem__(self, name):
        return str(self.files[name])


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return PKI(tmp_path_factory.mktemp("pki"))


def manage(octa, *args, check=True):
    """octa-manage against the test octad's config; CompletedProcess."""
    p = subprocess.run([str(MANAGE), "--config-file", str(octa.config_path),
                        "secret"] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p


def create_cert(octa, pki, name, **kw):
    args = ["create", "--cert", pki[name + ".crt"], "--key",
            pki[name + ".key"], "--name", unique("tls-" + name)]
    if kw.get("intermediates"):
        args += ["--intermediates", pki["chain.pem"]]
    ref = manage(octa, *args).stdout.strip()
    assert ref.startswith("file:///secrets/"), ref
    uuid.UUID(ref[len("file:///secrets/"):])
    return ref


@pytest.fixture(scope="module")
def refs(octa, pki):
    """Containers and secrets shared by the tests of this module."""
    return {
        "www": create_cert(octa, pki, "www", intermediates=True),
        "api": create_cert(octa, pki, "api"),
        "shop": create_cert(octa, pki, "shop"),
        "ca": manage(octa, "create", "--ca", pki["client-ca.pem"],
                     "--name", "client ca").stdout.strip(),
        "crl": manage(octa, "create", "--crl",
                      pki["client-ca.crl"]).stdout.strip(),
        "other_crl": manage(octa, "create", "--crl",
                            pki["other-ca.crl"]).stdout.strip(),
    }


def bogus_ref():
    return "file:///secrets/%s" % uuid.uuid4()


def tls_listener(lb, port, **fields):
    body = {"loadbalancer_id": lb["id"], "protocol": "TERMINATED_HTTPS",
            "protocol_port": port, "name": unique("tls")}
    body.update(fields)
    return {"listener": body}


# ------------------------------------------------------------- octa-manage

def test_manage_refuses_mismatched_key(octa, pki):
    p = manage(octa, "create", "--cert", pki["www.crt"], "--key",
               pki["other.key"], check=False)
    assert p.returncode == 1, p
    assert "Key and x509 certificate do not match" in p.stderr
    assert p.stdout == ""


def test_manage_refuses_encrypted_key(octa, pki):
    p = manage(octa, "create", "--cert", pki["www.crt"], "--key",
               pki["encrypted.key"], check=False)
    assert p.returncode == 1, p
    assert "encrypted" in p.stderr
    assert p.stdout == ""


def test_manage_refuses_bad_input(octa, pki):
    # a key where the certificate goes, a certificate as a CRL, no args
    p = manage(octa, "create", "--cert", pki["www.key"], "--key",
               pki["www.key"], check=False)
    assert p.returncode == 1 and "Could not read X509 from PEM" in p.stderr
    p = manage(octa, "create", "--crl", pki["client-ca.pem"], check=False)
    assert p.returncode == 1 and "revocation list" in p.stderr
    p = manage(octa, "create", check=False)
    assert p.returncode == 2 and "usage" in p.stderr


def test_manage_list_show_delete(octa, pki, refs):
    out = manage(octa, "list").stdout
    for k in ("www", "ca", "crl"):
        assert refs[k] in out
    show = manage(octa, "show", refs["www"]).stdout
    assert "www.example.com" in show and "alt-www.example.com" in show
    assert "intermediates   2" in show
    assert "PRIVATE KEY" not in show
    ref = create_cert(octa, pki, "api")
    manage(octa, "delete", ref)
    assert ref not in manage(octa, "list").stdout
    p = manage(octa, "delete", ref, check=False)
    assert p.returncode == 1 and "no such secret" in p.stderr
    p = manage(octa, "show", "bogus", check=False)
    assert p.returncode == 1


# ------------------------------------------------------------- listeners

def test_terminated_https_listener_cli(octa, lb, refs):
    li = octa.cli("listener", "create", "--protocol", "TERMINATED_HTTPS",
                  "--protocol-port", "443", "--name", unique("tls"),
                  "--default-tls-container-ref", refs["www"], lb["id"])
    assert li["default_tls_container_ref"] == refs["www"]
    octa.wait_active("listener", li["id"])
    got = octa.get("listener", li["id"])
    assert got["default_tls_container_ref"] == refs["www"]
    assert got["provisioning_status"] == "ACTIVE"


def test_bare_uuid_ref(octa, lb, refs):
    bare = refs["api"][len("file:///secrets/"):]
    st, body = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 444, default_tls_container_ref=bare))
    assert st == 201, body


def test_unknown_ref_400(octa, lb):
    for ref in (bogus_ref(), "http://127.0.0.1:9311/v1/containers/%s" %
                uuid.uuid4(), "not-a-ref"):
        r = octa.lbaas("POST", "/listeners", tls_listener(
            lb, 443, default_tls_container_ref=ref))
        assert_fault(r, 400, faultstring=NOT_FOUND % ref)


def test_unknown_ref_sdk(octa, lb):
    import openstack.exceptions
    ref = bogus_ref()
    with pytest.raises(openstack.exceptions.BadRequestException) as ei:
        octa.sdk.load_balancer.create_listener(
            loadbalancer_id=lb["id"], protocol="TERMINATED_HTTPS",
            protocol_port=443, default_tls_container_ref=ref)
    assert "Could not retrieve certificate" in str(ei.value)


def test_secret_is_not_a_container(octa, lb, refs):
    # a CA secret has no key: not usable as a server certificate
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 443, default_tls_container_ref=refs["ca"]))
    assert_fault(r, 400, faultstring=NOT_FOUND % refs["ca"])


def test_deleted_secret_400(octa, lb, pki):
    ref = create_cert(octa, pki, "shop")
    manage(octa, "delete", ref)
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 443, default_tls_container_ref=ref))
    assert_fault(r, 400, faultstring=NOT_FOUND % ref)


def test_sni_refs(octa, lb, refs):
    li = octa.create_listener(
        lb["id"], protocol="TERMINATED_HTTPS", protocol_port=443,
        default_tls_container_ref=refs["www"],
        sni_container_refs=[refs["api"], refs["shop"]])
    assert sorted(li["sni_container_refs"]) == sorted(
        [refs["api"], refs["shop"]])
    # SNI only (no default certificate) is enough for TLS offload
    li2 = octa.create_listener(lb["id"], protocol="TERMINATED_HTTPS",
                               protocol_port=8443,
                               sni_container_refs=[refs["api"]])
    assert li2["default_tls_container_ref"] is None
    # every bad ref is named, SNI ones first, then the default one
    b1, b2 = bogus_ref(), bogus_ref()
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 9443, default_tls_container_ref=b2,
        sni_container_refs=[refs["api"], b1]))
    assert_fault(r, 400, faultstring=(
        "Could not retrieve certificate: ['%s', '%s']" % (b1, b2)))


def test_listener_update_refs(octa, lb, refs):
    li = octa.create_listener(lb["id"], protocol="TERMINATED_HTTPS",
                              protocol_port=443,
                              default_tls_container_ref=refs["www"])
    bad = bogus_ref()
    r = octa.lbaas("PUT", "/listeners/%s" % li["id"], {"listener": {
        "default_tls_container_ref": bad}})
    assert_fault(r, 400, faultstring=NOT_FOUND % bad)
    r = octa.lbaas("PUT", "/listeners/%s" % li["id"], {"listener": {
        "sni_container_refs": [bad]}})
    assert_fault(r, 400, faultstring=NOT_FOUND % bad)
    st, body = octa.lbaas("PUT", "/listeners/%s" % li["id"], {"listener": {
        "default_tls_container_ref": refs["api"],
        "sni_container_refs": [refs["shop"]]}})
    assert st == 200, body
    octa.wait_active("listener", li["id"])
    got = octa.get("listener", li["id"])
    assert got["default_tls_container_ref"] == refs["api"]
    assert got["sni_container_refs"] == [refs["shop"]]


def test_client_ca_and_crl(octa, lb, refs):
    li = octa.create_listener(
        lb["id"], protocol="TERMINATED_HTTPS", protocol_port=443,
        default_tls_container_ref=refs["www"],
        client_ca_tls_container_ref=refs["ca"],
        client_authentication="MANDATORY",
        client_crl_container_ref=refs["crl"])
    assert li["client_ca_tls_container_ref"] == refs["ca"]
    assert li["client_crl_container_ref"] == refs["crl"]
    assert li["client_authentication"] == "MANDATORY"
    # a CRL of another CA
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 8443, default_tls_container_ref=refs["www"],
        client_ca_tls_container_ref=refs["ca"],
        client_crl_container_ref=refs["other_crl"]))
    assert_fault(r, 400, faultstring=BAD_CRL)
    # ... and on update, against the stored CA
    r = octa.lbaas("PUT", "/listeners/%s" % li["id"], {"listener": {
        "client_crl_container_ref": refs["other_crl"]}})
    assert_fault(r, 400, faultstring=BAD_CRL)
    # unknown CA and CRL refs are named together
    b1, b2 = bogus_ref(), bogus_ref()
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 8443, default_tls_container_ref=refs["www"],
        client_ca_tls_container_ref=b1, client_crl_container_ref=b2))
    assert_fault(r, 400, faultstring=(
        "Could not retrieve certificate: ['%s', '%s']" % (b1, b2)))
    # a CRL where the CA should be
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 8443, default_tls_container_ref=refs["www"],
        client_ca_tls_container_ref=refs["crl"]))
    assert_fault(r, 400, contains=(
        "Validation failure: The client authentication CA certificate is "
        "invalid. It must be a valid x509 PEM format certificate."))
    # a CA where the CRL should be
    r = octa.lbaas("POST", "/listeners", tls_listener(
        lb, 8443, default_tls_container_ref=refs["www"],
        client_ca_tls_container_ref=refs["ca"],
        client_crl_container_ref=refs["ca"]))
    assert_fault(r, 400, contains="certificate revocation list is invalid")


def test_graph_create_checks_refs(octa, refs):
    bad = bogus_ref()
    body = {"loadbalancer": {
        "name": unique("graph-tls"),
        "vip_subnet_id": "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a",
        "listeners": [{"protocol": "TERMINATED_HTTPS", "protocol_port": 443,
                       "default_tls_container_ref": bad}]}}
    r = octa.lbaas("POST", "/loadbalancers", body)
    assert_fault(r, 400, faultstring=NOT_FOUND % bad)
    body["loadbalancer"]["listeners"][0]["default_tls_container_ref"] = \
        refs["www"]
    st, resp = octa.lbaas("POST", "/loadbalancers", body)
    assert st == 201, resp
    try:
        octa.wait_active("loadbalancer", resp["loadbalancer"]["id"])
    finally:
        octa.cleanup_lb(resp["loadbalancer"]["id"])


# ------------------------------------------------------------- pools

def test_pool_tls_refs(octa, lb, refs):
    pool = octa.create_pool(lb["id"], tls_enabled=True,
                            tls_container_ref=refs["api"],
                            ca_tls_container_ref=refs["ca"],
                            crl_container_ref=refs["crl"])
    assert pool["tls_container_ref"] == refs["api"]
    assert pool["ca_tls_container_ref"] == refs["ca"]
    assert pool["crl_container_ref"] == refs["crl"]
    bad = bogus_ref()
    r = octa.lbaas("POST", "/pools", {"pool": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN", "tls_enabled": True,
        "tls_container_ref": bad}})
    assert_fault(r, 400, faultstring=NOT_FOUND % bad)
    r = octa.lbaas("POST", "/pools", {"pool": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN", "ca_tls_container_ref": refs["ca"],
        "crl_container_ref": refs["other_crl"]}})
    assert_fault(r, 400, faultstring=BAD_CRL)
    # update: a bad client certificate, a CRL of another CA
    r = octa.lbaas("PUT", "/pools/%s" % pool["id"], {"pool": {
        "tls_container_ref": bad}})
    assert_fault(r, 400, faultstring=NOT_FOUND % bad)
    r = octa.lbaas("PUT", "/pools/%s" % pool["id"], {"pool": {
        "crl_container_ref": refs["other_crl"]}})
    assert_fault(r, 400, faultstring=BAD_CRL)
    st, body = octa.lbaas("PUT", "/pools/%s" % pool["id"], {"pool": {
        "tls_container_ref": refs["shop"]}})
    assert st == 200, body
    octa.wait_active("pool", pool["id"])
    assert octa.get("pool", pool["id"])["tls_container_ref"] == refs["shop"]


def test_pool_cli(octa, lb, refs):
    pool = octa.cli("pool", "create", "--loadbalancer", lb["id"],
                    "--protocol", "HTTP", "--lb-algorithm", "ROUND_ROBIN",
                    "--enable-tls", "--tls-container-ref", refs["api"],
                    "--ca-tls-container-ref", refs["ca"])
    assert pool["tls_container_ref"] == refs["api"]
    octa.wait_active("pool", pool["id"])
    err = octa.cli_fails("pool", "create", "--loadbalancer", lb["id"],
                         "--protocol", "HTTP", "--lb-algorithm",
                         "ROUND_ROBIN", "--tls-container-ref", bogus_ref())
    assert "Could not retrieve certificate" in err.stderr
