"""What counts as an article's text: decoding and refusal rules, without a database."""

from __future__ import annotations

import pytest

from transforms import landing

RUSSIAN = "Президент Казахстана Касым-Жомарт Токаев встретился с председателем КНР Си Цзиньпином в Пекине."


def test_utf8_is_taken_as_is_and_bom_is_dropped() -> None:
    decoded = landing.decode_article_bytes("\ufeff".encode() + RUSSIAN.encode("utf-8"))
    assert decoded == landing.DecodedText(RUSSIAN, "utf-8")


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_legacy_cyrillic_encodings_are_detected(encoding: str) -> None:
    decoded = landing.decode_article_bytes(RUSSIAN.encode(encoding))
    assert decoded.text == RUSSIAN
    assert decoded.encoding == encoding


def test_wrongly_declared_encoding_does_not_win_over_the_bytes() -> None:
    decoded = landing.decode_article_bytes(RUSSIAN.encode("koi8-r"), declared_encoding="cp1251")
    assert decoded.text == RUSSIAN


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (b"caf\xe9 au lait, na\xefve r\xe9sum\xe9 of the day", "not_utf8"),
    ],
    ids=["empty", "whitespace", "binary", "latin1-not-utf8"],
)
def test_bad_input_is_refused_with_its_reason(data: bytes, code: str) -> None:
    with pytest.raises(landing.RejectedInput) as refused:
        landing.decode_article_bytes(data)
    assert refused.value.code == code
    assert refused.value.reason


def test_size_limit_refuses_only_what_is_over_it() -> None:
    landing.check_size(10, 10)
    with pytest.raises(landing.RejectedInput, match="over the 10-byte limit") as refused:
        landing.check_size(11, 10)
    assert refused.value.code == "too_large"


def test_url_fingerprint_is_stable_and_ignores_surrounding_space() -> None:
    assert landing.url_fingerprint("seed://a.txt") == landing.url_fingerprint(" seed://a.txt\n")
    assert landing.url_fingerprint("seed://a.txt") != landing.url_fingerprint("seed://b.txt")
