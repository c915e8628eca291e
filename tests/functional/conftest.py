"""pytest fixtures for the functional suite; the machinery is in octatest.py.

  octa          session-wide octad (noauth, noop drivers) -> octatest.Octad
  octad_factory start extra octad units (own state dir and port) for tests
                that need a clean database, other settings, or that kill the
                server; all are torn down (process group SIGKILLed) after
                the test
  module_octad  a private octad for one test module
  lb            a fresh ACTIVE load balancer on `octa`, deleted afterwards

On failure the tail of every live octad's log is attached to the report.
"""

import sys

import pytest

from octatest import Octad, _LIVE

# ------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def octa(tmp_path_factory):
    o = Octad(tmp_path_factory.mktemp("octad-main"), name="main")
    o.start()
    yield o
    o.stop()
    _LIVE.remove(o)


@pytest.fixture
def octad_factory(tmp_path_factory):
    """Start extra octad units: factory(name, roles=None, extra_config=None,
    start=True).  Every unit is stopped (process group SIGKILLed) at the end
    of the test."""
    made = []

    def factory(name="extra", roles=None, extra_config=None, start=True,
                basedir=None, port=None):
        o = Octad(basedir or tmp_path_factory.mktemp("octad-" + name),
                  name=name, roles=roles, extra_config=extra_config,
                  port=port)
        made.append(o)
        if start:
            o.start()
        return o

    yield factory
    for o in made:
        o.stop()
        if o in _LIVE:
            _LIVE.remove(o)


@pytest.fixture(scope="module")
def module_octad(tmp_path_factory, request):
    """A private octad for one test module (clean DB).  Modules may set
    OCTAD_EXTRA_CONFIG = {section: {key: value}}."""
    extra = getattr(request.module, "OCTAD_EXTRA_CONFIG", None)
    o = Octad(tmp_path_factory.mktemp("octad-" + request.module.__name__),
              name=request.module.__name__, extra_config=extra)
    o.start()
    yield o
    o.stop()
    if o in _LIVE:
        _LIVE.remove(o)


@pytest.fixture(autouse=True)
def _octa_alive(request):
    """If an earlier test killed the shared unit (a server crash), say so
    and start it again so the rest of the session still means something."""
    if "octa" in request.fixturenames:
        o = request.getfixturevalue("octa")
        if o.proc is not None and o.proc.poll() is not None:
            print("octad main died (exit status %s); restarting it\n%s" % (
                o.proc.returncode, o.log_tail()), file=sys.stderr)
            o.kill_group()
            o.start()
    yield


@pytest.fixture
def lb(octa):
    """A fresh ACTIVE load balancer, cascade-deleted afterwards."""
    obj = octa.create_lb()
    yield obj
    octa.cleanup_lb(obj["id"])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for o in list(_LIVE):
            rep.sections.append(("octad log tail: %s (%s)" % (
                o.name, o.log_path), o.log_tail()))


def pytest_sessionfinish(session, exitstatus):
    # Belt and braces: never leave an octad process group behind.
    for o in list(_LIVE):
        try:
            o.kill_group()
        except Exception as e:  # pragma: no cover
            print("cleanup of %s failed: %s" % (o.name, e), file=sys.stderr)


def pytest_configure(config):
    # openstacksdk on Python 3.11 imports sre_constants; not our business
    config.addinivalue_line("filterwarnings",
                            "ignore::DeprecationWarning:openstack.*")
    config.addinivalue_line("filterwarnings",
                            "ignore:module 'sre_constants' is deprecated")
