"""Serializing outgoing activities (and reading the few models that come back) by our
own walk, to what msrest would give.

msrest's `Serializer.body()` first rebuilds the model it is given through a brand-new
Deserializer, then validates it, then serializes it, every value through a chain of
lookups and keyword arguments: about a sixth of an alert's CPU. The SDK always hands it
a ready Activity that our own code built, so we walk that model ourselves: each class's
fields read once from its `_attribute_map`, and the exact JSON types (the values our
code puts in) copied as they are. A value of any other type (an enum, a datetime, a
subclass) goes through msrest's own `serialize_data`, so the output is msrest's
whatever the activity holds; `tests/connector/test_direct_serializer.py` holds the two
equal. Anything that is not a model (a plain dict) still takes msrest's whole path.
A turn's sends (connector/direct_sends.py) serialize with it as the SDK's operations do.

An attachment's content (an Adaptive Card) is typed `object`, which msrest walks value
by value (~0.4 ms for one alert card); content that is plain JSON already goes as it is.
Content made with its JSON (`EncodedAttachment`: an alert's card, encoded as it was
built) is not walked at all, and a direct send puts its JSON in as it is
(`activity_json`); msrest's own path reads only the content.

The way back is the same walk: a stored conversation reference and the answers msrest
still reads (a ResourceResponse of any shape but `{"id": ...}`, the other operations'
models) become models without msrest's key extractors; JSON with a key the model does
not name, or of any other shape, takes msrest's path.
"""

from __future__ import annotations

import json
import math
import secrets
from functools import cache
from typing import Any, Final, TypeVar
from urllib.parse import quote

from botframework.connector.models import Attachment
from msrest.serialization import Deserializer, Model, Serializer

M = TypeVar("M", bound=Model)
_Field = tuple[str, str, str]
"""(attribute, JSON key, msrest type name)"""


class DirectSerializer(Serializer):
    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model) and not kwargs:
            return self.model(data)
        return super().body(data, data_type, **kwargs)

    def model(self, data: Model) -> dict[str, Any]:
        """A model's JSON: its fields that are set, by their JSON keys."""
        serialized: dict[str, Any] = {}
        encoded = _encoded_content(data)
        for attribute, key, kind in _fields(type(data)):
            value = getattr(data, attribute)
            if value is None:
                continue
            if encoded is not None and attribute == "content":
                serialized[key] = EncodedContent(value, encoded)
            else:
                serialized[key] = self._value(value, kind)
        return serialized

    def _value(self, value: Any, kind: str) -> Any:
        value_type = type(value)
        if not isinstance(kind, str):  # a few Teams models name a class here
            return self.serialize_data(value, kind)
        if value_type is str and kind == "str":
            return value
        if value_type is bool and kind == "bool":
            return value
        if value_type is int and kind in ("int", "long"):
            return value
        if kind == "object" and _is_plain_json(value):
            return value
        if value_type is list and kind[0] == "[":
            item_kind = kind[1:-1]
            return [None if item is None else self._value(item, item_kind) for item in value]
        if isinstance(value, Model) and kind in self.dependencies:
            return self.model(value)  # its own class's fields, as msrest does for a subclass
        return self.serialize_data(value, kind)

    def serialize_object(self, attr: Any, **kwargs: Any) -> Any:
        if _is_plain_json(attr):
            return attr
        return super().serialize_object(attr, **kwargs)

    def url(self, name: str, data: Any, data_type: str, **kwargs: Any) -> Any:
        """A path part (a conversation id, in every operation msrest still sends):
        msrest's walk tries the string for an enum's `.value` twice, an exception each
        time, before quoting it."""
        if data_type == "str" and type(data) is str and not kwargs:
            return quoted(data)
        return super().url(name, data, data_type, **kwargs)


class EncodedAttachment(Attachment):
    """An attachment made with its content's JSON: `encoded_content` is exactly what
    `json.dumps(content, separators=(",", ":"))` gives, and the content is never changed
    afterwards."""

    def __init__(self, *, encoded_content: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.encoded_content = encoded_content


class EncodedContent(dict[str, Any]):
    """The serialized content of an `EncodedAttachment`: the content (which any JSON
    encoder writes as it is), carrying its JSON for `activity_json`."""

    __slots__ = ("json",)

    def __init__(self, content: dict[str, Any], encoded: str) -> None:
        super().__init__(content)
        self.json = encoded


def _encoded_content(data: Model) -> str | None:
    if type(data) is EncodedAttachment and type(data.content) is dict:
        return data.encoded_content
    return None


_STAND_IN: Final = f"\x00{secrets.token_hex(16)}:"
"""Where an attachment's JSON goes, while the rest is encoded: a string no other can
equal (a NUL and this process's random token)."""


def activity_json(serialized: dict[str, Any]) -> str:
    """`json.dumps` of a serialized activity, each `EncodedContent`'s JSON put in as it is."""
    attachments = serialized.get("attachments")
    if type(attachments) is not list:
        return json.dumps(serialized)
    encoded: list[str] = []
    stood_in: list[Any] = []
    for attachment in attachments:
        content = attachment.get("content") if type(attachment) is dict else None
        if type(content) is EncodedContent:
            attachment = {**attachment, "content": f"{_STAND_IN}{len(encoded)}"}
            encoded.append(content.json)
        stood_in.append(attachment)
    if not encoded:
        return json.dumps(serialized)
    text = json.dumps({**serialized, "attachments": stood_in})
    for n, content_json in enumerate(encoded):
        text = text.replace(json.dumps(f"{_STAND_IN}{n}"), content_json, 1)
    return text


def quoted(path_part: str) -> str:
    """A string as msrest's `Serializer.url` puts it in a path: every character but ASCII
    letters, digits and `_.-~` percent-encoded as UTF-8, `/` too."""
    return quote(path_part, safe="")


class DirectDeserializer(Deserializer):
    def _deserialize(self, target_obj: Any, data: Any) -> Any:
        model_type = self.dependencies.get(target_obj) if isinstance(target_obj, str) else None
        if model_type is not None and type(data) is dict and _is_simple(model_type):
            built = self._model(model_type, data)
            if built is not None:
                return built
        return super()._deserialize(target_obj, data)

    def _model(self, model_type: type[Model], data: dict[str, Any]) -> Model | None:
        """The model from JSON whose keys are all its own; None for any other JSON."""
        if not data.keys() <= _keys(model_type):
            return None
        values: dict[str, Any] = {}
        for attribute, key, kind in _fields(model_type):
            value = data.get(key)
            if value is not None:
                values[attribute] = self._value(value, kind)
        return model_type(**values)

    def _value(self, value: Any, kind: Any) -> Any:
        value_type = type(value)
        if (value_type is str and kind == "str") or (value_type is bool and kind == "bool"):
            return value
        if isinstance(kind, str) and kind in self.dependencies:
            return self._deserialize(kind, value)
        return self.deserialize_data(value, kind)


def model_json(model: Model) -> dict[str, Any]:
    """What `model.serialize()` gives, from a serializer made once: msrest makes one a
    call, which refers to itself (its own methods in its own dicts) and so was left for
    the garbage collector, with everything else the turn reached, each turn."""
    return _writer(type(model)).model(model)


def model_from_json(model_type: type[M], data: dict[str, Any]) -> M:
    """A model from the JSON msrest (or `DirectSerializer`) made of it."""
    model: M = _reader(model_type)._deserialize(model_type.__name__, data)
    return model


@cache
def _reader(model_type: type[Model]) -> DirectDeserializer:
    """A deserializer that knows `model_type` and the models of its module."""
    return DirectDeserializer(_models(model_type))


def _models(model_type: type[Model]) -> dict[str, type]:
    module = __import__(model_type.__module__, fromlist=["_"])
    models = {name: kind for name, kind in vars(module).items() if isinstance(kind, type)}
    return {**models, model_type.__name__: model_type}


@cache
def _writer(model_type: type[Model]) -> DirectSerializer:
    """A serializer that knows `model_type` and the models of its module."""
    return DirectSerializer(_models(model_type))


@cache
def _is_simple(model_type: type[Model]) -> bool:
    """No subtypes to tell apart, nothing read-only or constant: built from its fields."""
    return not getattr(model_type, "_subtype_map", None) and not any(
        rule.get("readonly") or rule.get("constant")
        for rule in getattr(model_type, "_validation", {}).values()
    )


@cache
def _keys(model_type: type[Model]) -> frozenset[str]:
    return frozenset(key for _, key, _ in _fields(model_type))


@cache
def _fields(model_type: type[Model]) -> tuple[_Field, ...]:
    return tuple(
        (attribute, description["key"], description["type"])
        for attribute, description in model_type._attribute_map.items()
    )


def _is_plain_json(value: Any) -> bool:
    """Exactly the JSON types, string keys and finite numbers: what msrest's walk would
    give back unchanged."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _is_plain_json(item) for key, item in value.items())
    if kind is list:
        return all(_is_plain_json(item) for item in value)
    if kind is float:
        return math.isfinite(value)
    return kind is str or kind is int or kind is bool or value is None


def use_direct_serializer(client: Any) -> None:
    """Give a ConnectorClient and its operation groups the direct serializer and
    deserializer."""
    dependencies = dict(client._serialize.dependencies)
    serializer, deserializer = DirectSerializer(dependencies), DirectDeserializer(dependencies)
    for part in (client, client.conversations, client.attachments):
        part._serialize, part._deserialize = serializer, deserializer
