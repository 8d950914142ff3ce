"""Microsoft's own checks that every botbuilder Storage should pass, run on ours."""

import inspect

import pytest
from botbuilder.testing import StorageBaseTests

from bots.bot_storage import StoreStorage
from state.interfaces import Store

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

CHECKS = sorted(
    name
    for name, member in vars(StorageBaseTests).items()
    if isinstance(member, staticmethod) and inspect.iscoroutinefunction(member.__func__)
)


def test_every_check_of_botbuilder_testing_4_17_1_is_found() -> None:
    # An empty CHECKS would skip the contract silently; another count, a new SDK.
    assert len(CHECKS) == 11, CHECKS


@pytest.mark.parametrize("check", CHECKS)
async def test_storage_contract(store: Store, check: str) -> None:
    passed = await getattr(StorageBaseTests, check)(StoreStorage(store.bot_state))

    assert passed is True
