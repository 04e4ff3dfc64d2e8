"""The suite's own machinery, which `make test` relies on for its speed."""

import pytest

pytestmark = pytest.mark.xdist_group(__name__)


def test_under_dist_loadgroup_an_xdist_group_module_is_one_unit_of_work(
    request: pytest.FixtureRequest,
) -> None:
    """A module marked xdist_group goes to one worker, so its module-scoped fixture (the bench smoke run, the
    console walkthrough) starts once. pytest 9.2 broke that without a word (pytest-dev/pytest-xdist#1386):
    each of those fixtures then ran once per worker."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("runs under `make test` (pytest-xdist --dist loadgroup)")
    assert request.node.nodeid.endswith(f"@{__name__}"), request.node.nodeid
