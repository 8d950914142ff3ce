import pickle
from decimal import Decimal
from pathlib import Path

import pytest
from botbuilder.core import ConversationState, Storage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bots.bot_storage import CorruptStateError, StoreStorage
from state.sqlite import SqliteStore

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

KEY = "msteams/conversations/conv-a/"


@pytest.fixture
def storage(store: SqliteStore) -> StoreStorage:
    return StoreStorage(store.bot_state)


async def current_etag(storage: Storage, key: str = KEY) -> str:
    return (await storage.read([key]))[key]["e_tag"]


async def test_reading_missing_keys_gives_nothing(storage: StoreStorage) -> None:
    assert await storage.read([KEY, "other"]) == {}
    assert await storage.read([]) == {}


async def test_a_written_document_reads_back_with_an_etag(storage: StoreStorage) -> None:
    await storage.write({KEY: {"count": 1, "name": "headphones"}})

    read = await storage.read([KEY, "missing"])

    assert list(read) == [KEY]
    assert read[KEY]["count"] == 1
    assert read[KEY]["name"] == "headphones"
    assert isinstance(read[KEY]["e_tag"], str) and read[KEY]["e_tag"]


async def test_the_written_dict_gets_the_new_etag(storage: StoreStorage) -> None:
    change = {"count": 1}

    await storage.write({KEY: change})

    assert change["e_tag"] == await current_etag(storage)


@pytest.mark.parametrize("etag", ["*", None], ids=["star", "no e_tag"])
async def test_a_write_without_a_specific_etag_overwrites(
    storage: StoreStorage, etag: str | None
) -> None:
    await storage.write({KEY: {"count": 1}})
    await storage.write({KEY: {"count": 2}})
    change: dict = {"count": 3}
    if etag is not None:
        change["e_tag"] = etag

    await storage.write({KEY: change})

    read = await storage.read([KEY])
    assert read[KEY]["count"] == 3


async def test_a_write_with_the_current_etag_succeeds(storage: StoreStorage) -> None:
    await storage.write({KEY: {"count": 1}})
    read = (await storage.read([KEY]))[KEY]

    read["count"] = 2
    await storage.write({KEY: read})

    assert (await storage.read([KEY]))[KEY]["count"] == 2


async def test_a_write_with_a_stale_etag_raises_key_error(storage: StoreStorage) -> None:
    await storage.write({KEY: {"count": 1}})
    first_turn = (await storage.read([KEY]))[KEY]
    second_turn = (await storage.read([KEY]))[KEY]
    await storage.write({KEY: {**first_turn, "count": 2}})

    with pytest.raises(KeyError):  # what MemoryStorage raises on a conflict
        await storage.write({KEY: {**second_turn, "count": 3}})

    assert (await storage.read([KEY]))[KEY]["count"] == 2


async def test_an_etag_this_store_never_issued_conflicts(storage: StoreStorage) -> None:
    await storage.write({KEY: {"count": 1}})

    with pytest.raises(KeyError):
        await storage.write({KEY: {"count": 2, "e_tag": "not-ours"}})


async def test_an_empty_etag_is_refused(storage: StoreStorage) -> None:
    with pytest.raises(ValueError):
        await storage.write({KEY: {"count": 1, "e_tag": ""}})

    assert await storage.read([KEY]) == {}


async def test_delete(storage: StoreStorage) -> None:
    await storage.write({KEY: {"count": 1}, "other": {"count": 2}})

    await storage.delete([KEY, "missing"])

    assert list(await storage.read([KEY, "other"])) == ["other"]


async def test_dialog_state_round_trips(storage: StoreStorage) -> None:
    dialog_state = DialogState(
        [
            DialogInstance(
                id="watch_dialog",
                state={"query": "headphones", "start_price": Decimal("199.99"), "step": 2},
            )
        ]
    )

    await storage.write({KEY: {"DialogState": dialog_state}})
    read = (await storage.read([KEY]))[KEY]["DialogState"]

    assert isinstance(read, DialogState)
    [instance] = read.dialog_stack
    assert instance.id == "watch_dialog"
    assert instance.state == {"query": "headphones", "start_price": Decimal("199.99"), "step": 2}


@pytest.mark.parametrize(
    "garbage",
    [
        b"not a pickle {",
        b"",
        pickle.dumps({"DialogState": [1, 2]})[:-3],
        pickle.dumps(None),
        pickle.dumps(42),
        pickle.dumps([1, 2]),
    ],
    ids=["not-a-pickle", "empty", "truncated", "null", "a-number", "a-list"],
)
async def test_a_corrupt_document_raises_corrupt_state_error(
    store: SqliteStore, storage: StoreStorage, garbage: bytes
) -> None:
    await store.bot_state.write(KEY, garbage, None)

    with pytest.raises(CorruptStateError) as raised:
        await storage.read([KEY])

    assert raised.value.key == KEY


async def test_documents_survive_a_restart(db_path: Path) -> None:
    store = SqliteStore(db_path)
    await store.open()
    dialog_state = DialogState([DialogInstance("watch_dialog", {})])
    await StoreStorage(store.bot_state).write({KEY: {"DialogState": dialog_state}})
    await store.close()

    reopened = SqliteStore(db_path)
    await reopened.open()
    try:
        read = (await StoreStorage(reopened.bot_state).read([KEY]))[KEY]
    finally:
        await reopened.close()

    assert read["DialogState"].dialog_stack[0].id == "watch_dialog"
    assert read["e_tag"]


def turn(adapter: TestAdapter) -> TurnContext:
    return TurnContext(
        adapter,
        Activity(
            type=ActivityTypes.message,
            text="watch headphones",
            channel_id="test",
            conversation=ConversationAccount(id="conv-a"),
            from_property=ChannelAccount(id="user-1"),
            recipient=ChannelAccount(id="bot"),
        ),
    )


async def test_a_dialog_in_progress_survives_a_restart(db_path: Path) -> None:
    store = SqliteStore(db_path)
    await store.open()
    conversation_state = ConversationState(StoreStorage(store.bot_state))
    accessor = conversation_state.create_property("DialogState")
    context = turn(TestAdapter())
    dialog_state = await accessor.get(context, DialogState)
    dialog_state.dialog_stack.append(DialogInstance("watch_dialog", {"query": "headphones"}))
    await conversation_state.save_changes(context)
    await store.close()

    reopened = SqliteStore(db_path)
    await reopened.open()
    try:
        conversation_state = ConversationState(StoreStorage(reopened.bot_state))
        accessor = conversation_state.create_property("DialogState")
        restored = await accessor.get(turn(TestAdapter()), DialogState)
    finally:
        await reopened.close()

    [instance] = restored.dialog_stack
    assert (instance.id, instance.state) == ("watch_dialog", {"query": "headphones"})


async def test_two_overlapping_turns_cannot_both_save(storage: StoreStorage) -> None:
    first_state = ConversationState(storage)
    earlier = turn(TestAdapter())
    await first_state.load(earlier)
    await first_state.save_changes(earlier, force=True)  # so the document has an e_tag
    first, second = turn(TestAdapter()), turn(TestAdapter())
    second_state = ConversationState(storage)
    await first_state.load(first)
    await second_state.load(second)
    await first_state.create_property("count").set(first, 1)
    await second_state.create_property("count").set(second, 2)

    await first_state.save_changes(first)
    with pytest.raises(KeyError):
        await second_state.save_changes(second)

    stored = await storage.read([ConversationState(storage).get_storage_key(first)])
    assert [document["count"] for document in stored.values()] == [1]
