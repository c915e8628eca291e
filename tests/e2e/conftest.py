"""Shared pytest hooks of the e2e suite.

The tests stay self-contained (each module has its own world fixture);
this file only reports what they measured: a test that appends
``(test name, text)`` to ``config.octa_e2e_timings`` (via the
``e2e_timing`` fixture) gets its line in the terminal summary, so a run
shows how long a load balancer took from the create call to ACTIVE and to
its first answered request without ``-s``.
"""

import pytest


def pytest_configure(config):
    config.octa_e2e_timings = []


@pytest.fixture
def e2e_timing(request):
    """e2e_timing(text): one line for the summary, under this test's name."""
    def add(text):
        request.config.octa_e2e_timings.append((request.node.name, text))
    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = getattr(config, "octa_e2e_timings", [])
    if not lines:
        return
    terminalreporter.section("e2e timings")
    for name, text in lines:
        terminalreporter.write_line("%-44s %s" % (name, text))
