"""
Fixtures shared by the URIHandler tests.

"""
import pytest
from microcosm.api import create_object_graph


@pytest.fixture
def graph():
    """A locked microcosm graph with a real opaque and no resource cache bound."""
    graph = create_object_graph("test_uri_handler", testing=True)
    graph.use("opaque")
    graph.lock()
    return graph
