import pytest
from tests.frameworks.conftest import call, locs

pytestmark = pytest.mark.django_db


def test_x(world, soms):
    c = world.client_for(world.alice)
    print(locs(call(c, "POST", "/api/v1/frameworks", {"code": "Bad Code", "name": "X"})))
