"""CPU to read one product page: our reader (selectolax's Lexbor parser, shops/reading.py)
against extruct, the known extractor, and against the standard library's html.parser
only tokenizing the page (the floor of a reader written on it).

Each is given the same ~300 KB pages (bench/shop_pages.py `huge`): one with JSON-LD in
its head, one with microdata (read only after JSON-LD gives nothing), one in German.
CPU is `time.process_time` over repeated reads, per read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Callable

from bench import shop_pages
from shops.reading import read_page


@dataclass(frozen=True)
class ReadingCost:
    page_kb: float
    ours_ms: dict[str, float]
    """Per page kind: our reader's CPU per read."""
    extruct_ms: dict[str, float]
    """Per page kind: extruct's, asked for the same three syntaxes."""
    extruct_all_ms: float
    """extruct as it comes (every syntax it knows, RDFa included), on the JSON-LD page."""
    stdlib_tokenize_ms: float
    prices: dict[str, str]
    """What our reader found on each, to show it read them."""


def pages() -> dict[str, bytes]:
    json_ld = shop_pages.huge()
    microdata = shop_pages.MICRODATA.replace("</body>", _filler(json_ld) + "</body>")
    german = shop_pages.GERMAN.replace("</body>", _filler(json_ld) + "</body>")
    return {
        "JSON-LD": json_ld.encode(),
        "microdata": microdata.encode(),
        "German microdata": german.encode(),
    }


def _filler(page: str) -> str:
    return page[page.index("</main>") + len("</main>") : page.index("</body>")]


def _cpu_ms(read: Callable[[], object], rounds: int) -> float:
    read()  # warm: imports, caches
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(rounds):
            read()
        best = min(best, (time.process_time() - start) / rounds * 1000)
    return best


def _extruct(html: bytes, syntaxes: list[str] | None = None) -> object:
    import extruct  # only here: a development dependency, for this comparison

    if syntaxes is None:
        return extruct.extract(html, uniform=True, errors="ignore")
    return extruct.extract(html, syntaxes=syntaxes, uniform=True, errors="ignore")


THREE = ["json-ld", "microdata", "opengraph"]


class _Tokenizer(HTMLParser):
    """html.parser doing nothing with what it finds: what any reader on it pays first."""


def _tokenize(html: bytes) -> None:
    parser = _Tokenizer()
    parser.feed(html.decode("utf-8"))
    parser.close()


def run(rounds: int = 20) -> ReadingCost:
    kinds = pages()
    ours = {kind: _cpu_ms(lambda h=html: read_page(h), rounds) for kind, html in kinds.items()}
    theirs = {
        kind: _cpu_ms(lambda h=html: _extruct(h, THREE), max(2, rounds // 4))
        for kind, html in kinds.items()
    }
    found = {}
    for kind, html in kinds.items():
        offer = read_page(html).offer()
        found[kind] = f"{offer.price} {offer.currency}" if offer else "nothing"
    first = next(iter(kinds.values()))
    return ReadingCost(
        page_kb=sum(len(html) for html in kinds.values()) / len(kinds) / 1024,
        ours_ms=ours,
        extruct_ms=theirs,
        extruct_all_ms=_cpu_ms(lambda: _extruct(first), 2),
        stdlib_tokenize_ms=_cpu_ms(lambda: _tokenize(first), rounds),
        prices=found,
    )


if __name__ == "__main__":
    print(run())
