"""Our serializer sends what msrest would have sent, for any activity the bot can build,
and reads back what msrest would have read."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import botbuilder.schema as schema
import pytest
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Entity,
    InputHints,
    Mention,
    ResourceResponse,
    RoleTypes,
    SuggestedActions,
)
from hypothesis import given
from hypothesis import strategies as st
from msrest.serialization import Deserializer, Model, Serializer

from connector.direct_serializer import (
    DirectDeserializer,
    DirectSerializer,
    EncodedAttachment,
    activity_json,
    model_from_json,
)

DEPENDENCIES = {name: kind for name, kind in vars(schema).items() if isinstance(kind, type)}
DIRECT = DirectSerializer(DEPENDENCIES)
MSREST = Serializer(DEPENDENCIES)
READ_DIRECT = DirectDeserializer(DEPENDENCIES)
READ_MSREST = Deserializer(DEPENDENCIES)

texts = st.text(max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=12,
)
accounts = st.builds(
    ChannelAccount,
    id=st.none() | texts,
    name=st.none() | texts,
    aad_object_id=st.none() | texts,
    role=st.none() | st.sampled_from(list(RoleTypes)) | texts,
)
conversations = st.builds(
    ConversationAccount,
    id=st.none() | texts,
    is_group=st.none() | st.booleans(),
    conversation_type=st.none() | texts,
    tenant_id=st.none() | texts,
)
mentions = st.builds(Mention, mentioned=accounts, text=texts, type=st.just("mention"))
entities = mentions | st.builds(Entity, type=st.none() | texts)
attachments = st.builds(
    Attachment,
    content_type=texts,
    content=json_values,
    name=st.none() | texts,
)
actions = st.builds(CardAction, type=texts, title=texts, value=json_values)
times = st.none() | st.datetimes(timezones=st.just(timezone.utc))
references = st.builds(
    ConversationReference,
    activity_id=st.none() | texts,
    user=st.none() | accounts,
    bot=st.none() | accounts,
    conversation=st.none() | conversations,
    channel_id=st.none() | texts,
    locale=st.none() | texts,
    service_url=st.none() | texts,
)
activities = st.builds(
    Activity,
    type=st.sampled_from(list(ActivityTypes)) | texts,
    id=st.none() | texts,
    timestamp=times,
    local_timestamp=times,
    service_url=st.none() | texts,
    channel_id=st.none() | texts,
    from_property=st.none() | accounts,
    conversation=st.none() | conversations,
    recipient=st.none() | accounts,
    text=st.none() | texts,
    summary=st.none() | texts,
    input_hint=st.none() | st.sampled_from(list(InputHints)),
    attachment_layout=st.none() | st.sampled_from(["list", "carousel"]),
    attachments=st.none() | st.lists(attachments, max_size=3),
    entities=st.none() | st.lists(entities, max_size=3),
    channel_data=st.none() | json_values,
    reply_to_id=st.none() | texts,
    suggested_actions=st.none()
    | st.builds(SuggestedActions, actions=st.lists(actions, max_size=2)),
    value=st.none() | json_values,
    name=st.none() | texts,
    locale=st.none() | texts,
    text_format=st.none() | st.sampled_from(["markdown", "plain", "xml"]),
    relates_to=st.none() | references,
)


@given(activities)
def test_any_activity_is_sent_as_msrest_would_send_it(activity: Activity) -> None:
    """The same JSON, its keys in the same order: the same bytes on the wire."""
    assert json.dumps(DIRECT.body(activity, "Activity")) == json.dumps(
        MSREST.body(activity, "Activity")
    )


def with_its_json(attachment: Attachment) -> Attachment:
    """The attachment made with its content's JSON, when its content is an object."""
    if not isinstance(attachment.content, dict):
        return attachment
    encoded = json.dumps(attachment.content, separators=(",", ":"))
    return EncodedAttachment(
        content_type=attachment.content_type,
        content=attachment.content,
        name=attachment.name,
        encoded_content=encoded,
    )


@given(activities)
def test_content_made_with_its_json_is_sent_as_that_json(activity: Activity) -> None:
    """An attachment made with its JSON (an alert's card) goes as that text, not walked
    or encoded again, in the JSON msrest would send; msrest's own path, which reads
    only the content, sends the same."""
    plain = json.loads(json.dumps(MSREST.body(activity, "Activity")))
    activity.attachments = [with_its_json(attachment) for attachment in activity.attachments or []]
    sent = activity_json(DIRECT.body(activity, "Activity"))

    assert json.loads(sent) == {**plain, "attachments": plain.get("attachments", [])}
    assert json.loads(json.dumps(MSREST.body(activity, "Activity"))) == json.loads(sent)
    for attachment in activity.attachments:
        if isinstance(attachment, EncodedAttachment):
            assert f'"content": {attachment.encoded_content}' in sent


def test_an_alert_with_a_card_and_a_mention_keeps_every_field() -> None:
    card: dict[str, Any] = {"type": "AdaptiveCard", "version": "1.5", "body": [{"text": "Drop"}]}
    owner = ChannelAccount(id="29:anas", name="Anas")
    activity = Activity(
        type=ActivityTypes.message,
        text="<at>Anas</at>: Price drop",
        summary="Price drop",
        input_hint=InputHints.accepting_input,
        attachments=[
            Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
        ],
        entities=[Mention(mentioned=owner, text="<at>Anas</at>", type="mention")],
        timestamp=datetime(2026, 12, 6, 18, 0, tzinfo=timezone.utc),
    )
    assert DIRECT.body(activity, "Activity") == {
        "type": "message",
        "text": "<at>Anas</at>: Price drop",
        "summary": "Price drop",
        "inputHint": "acceptingInput",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
        "entities": [
            {
                "mentioned": {"id": "29:anas", "name": "Anas"},
                "text": "<at>Anas</at>",
                "type": "mention",
            }
        ],
        "timestamp": "2026-12-06T18:00:00.000Z",
    }


def test_a_value_outside_json_still_takes_msrests_path() -> None:
    class Shade(Model):
        _attribute_map = {"tone": {"key": "tone", "type": "object"}}

        def __init__(self, tone: object) -> None:
            super().__init__()
            self.tone = tone

    activity = Activity(type="message", value={"shade": Shade({1, 2})}, channel_data=(1, "a"))
    assert DIRECT.body(activity, "Activity") == MSREST.body(activity, "Activity")


@given(activities)
def test_any_activity_is_read_back_as_msrest_would_read_it(activity: Activity) -> None:
    sent = MSREST.body(activity, "Activity")
    assert READ_DIRECT._deserialize("Activity", sent) == READ_MSREST._deserialize("Activity", sent)


@given(references)
def test_a_stored_reference_is_the_reference_msrest_would_read(
    reference: ConversationReference,
) -> None:
    stored = reference.serialize()
    assert model_from_json(ConversationReference, stored) == ConversationReference.deserialize(
        stored
    )


@pytest.mark.parametrize(
    "stored",
    [
        {"conversation": {"id": "a"}, "serviceUrl": "https://x", "extra": {"kept": True}},
        {"Conversation": {"ID": "a"}, "serviceurl": "https://x"},
    ],
)
def test_json_the_walk_does_not_know_takes_msrests_path(stored: dict[str, Any]) -> None:
    assert model_from_json(ConversationReference, stored) == ConversationReference.deserialize(
        stored
    )


def test_the_channels_answer_to_a_send_gives_the_activity_id() -> None:
    answer = READ_DIRECT._deserialize("ResourceResponse", {"id": "1:abc"})
    assert answer == ResourceResponse(id="1:abc")


@given(texts)
def test_a_conversation_id_in_the_path_is_quoted_as_msrest_quotes_it(conversation: str) -> None:
    assert DIRECT.url("conversationId", conversation, "str") == MSREST.url(
        "conversationId", conversation, "str"
    )
