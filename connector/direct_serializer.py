"""Serializing outgoing activities without msrest's per-send round trip.

msrest's `Serializer.body()` first rebuilds the model it is given through a brand-new
Deserializer, then validates it, then serializes it: about half the CPU of a send. The
SDK always hands it a ready Activity that our own code built, so we serialize that
model directly. Anything that is not a model (a plain dict) still takes msrest's path.
"""

from __future__ import annotations

from typing import Any

from msrest.serialization import Model, Serializer


class DirectSerializer(Serializer):
    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model):
            return self._serialize(data, data_type, **kwargs)
        return super().body(data, data_type, **kwargs)


def use_direct_serializer(client: Any) -> None:
    """Give a ConnectorClient and its operation groups the direct serializer."""
    serializer = DirectSerializer(dict(client._serialize.dependencies))
    client._serialize = serializer
    client.conversations._serialize = serializer
    client.attachments._serialize = serializer
