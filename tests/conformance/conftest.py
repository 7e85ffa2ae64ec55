import pytest

from kmsd_harness import Kmsd


@pytest.fixture(scope="module")
def kmsd():
    server = Kmsd()
    yield server
    server.close()
