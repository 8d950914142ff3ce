"""The HTTP access log without chart tokens: a chart's URL is its only secret
(api/charts.py), so the log writes `/api/charts/<token>` in its place."""

from __future__ import annotations

import re
from typing import Any, Final

from aiohttp.abc import BaseRequest
from aiohttp.web_log import AccessLogger
from aiohttp.web_response import StreamResponse

_CHART_TOKEN: Final = re.compile(r"(/api/charts/)[^/?#\s\"]+")


def redacted(path: str) -> str:
    """`path` with any chart token in it replaced by `<token>`."""
    return _CHART_TOKEN.sub(r"\1<token>", path)


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access log (its format, its logger), chart tokens left out of the
    request line, the path and the Referer."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        super().log(_Redacted(request), response, time)  # type: ignore[arg-type]


class _Redacted:
    """The request as the access log reads it."""

    def __init__(self, request: BaseRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    @property
    def path_qs(self) -> str:
        return redacted(self._request.path_qs)

    @property
    def path(self) -> str:
        return redacted(self._request.path)

    @property
    def raw_path(self) -> str:
        return redacted(self._request.raw_path)

    @property
    def headers(self) -> Any:
        headers = self._request.headers
        if "Referer" not in headers:
            return headers
        copy = headers.copy()
        copy["Referer"] = redacted(headers["Referer"])
        return copy
