import ipaddress

import pytest

from shops.addresses import Refused, check_url, refusal_for_address


@pytest.mark.parametrize(
    ("raw", "url", "origin"),
    [
        (
            "https://Shop.Example/item/1#reviews",
            "https://shop.example/item/1",
            "https://shop.example",
        ),
        ("http://shop.example:80", "http://shop.example/", "http://shop.example"),
        ("https://shop.example./a?b=1", "https://shop.example/a?b=1", "https://shop.example"),
        ("http://[2606:4700::1]/p", "http://[2606:4700::1]/p", "http://[2606:4700::1]"),
    ],
)
def test_a_link_is_normalised(raw, url, origin):
    checked = check_url(raw)
    assert (checked.url, checked.origin) == (url, origin)


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "this machine itself"),
        ("::1", "this machine itself"),
        ("10.1.2.3", "a private network address"),
        ("172.16.0.1", "a private network address"),
        ("192.168.1.1", "a private network address"),
        ("100.64.0.1", "a private network address"),
        ("169.254.169.254", "a cloud metadata service"),
        ("168.63.129.16", "a cloud metadata service"),
        ("fd00:ec2::254", "a cloud metadata service"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::ffff:192.168.0.1", "a private network address"),
        ("64:ff9b::10.0.0.1", "a private network address"),
        ("240.0.0.1", "a private network address"),  # reserved, which Python counts private
    ],
)
def test_addresses_that_are_not_public_are_refused(address, words):
    reason = refusal_for_address(ipaddress.ip_address(address), "shop.example")
    assert reason is not None and words in reason


def test_public_addresses_and_allowed_hosts_may_be_fetched():
    assert refusal_for_address(ipaddress.ip_address("93.184.216.34"), "shop.example") is None
    allowed = frozenset({"shop.internal"})
    assert refusal_for_address(ipaddress.ip_address("10.0.0.5"), "shop.internal", allowed) is None
    assert check_url("http://shop.internal:8080/p", allowed).port == 8080


@pytest.mark.parametrize(
    "raw", ["", "shop.example/item", "javascript:alert(1)", "http://", "https://x.example:99999/"]
)
def test_what_is_no_link_is_refused(raw):
    with pytest.raises(Refused):
        check_url(raw)


def test_tracking_parameters_are_dropped():
    checked = check_url("https://shop.example/p?id=7&utm_source=news&utm_medium=mail&gclid=x")
    assert checked.url == "https://shop.example/p?id=7"
