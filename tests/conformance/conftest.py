import pytest

from kmsd_harness import Kmsd


@pytest.fixture(scope="module")
def kmsd():
    server = Kmsd()
    yield server
    server.close()


@pytest.fixture
def server():
    """A kmsd of the test's own (fresh data directory)."""
    s = Kmsd()
    yield s
    s.close()
