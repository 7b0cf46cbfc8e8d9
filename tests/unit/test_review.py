"""Automatic review checks: mobile numbers, ID-card numbers, e-mail addresses, sensitive words."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops import Finding, FindingKind
from libops.domain.errors import InvalidValueError
from libops.domain.review import (
    find_email_addresses,
    find_id_card_numbers,
    find_mobile_numbers,
    find_sensitive_words,
    has_personal_data,
    id_card_check_character,
    is_id_card_number,
    scan_text,
    scan_texts,
    sensitive_word_list,
)

# A second, independent statement of GB 11643 / ISO 7064 MOD 11-2: the check value c makes
# sum(a_i * 2^(i-1)) + c == 1 (mod 11), counting positions from the right, c = 10 written X.


COMMA = "\uff0c"  # the full-width comma of Chinese text
COLON = "\uff1a"


def wide(text: str) -> str:
    """``text`` in full-width forms, as Chinese input methods often type it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def reference_check(first_17: str) -> str:
    total = sum(int(d) * 2 ** (17 - i) for i, d in enumerate(first_17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def id_number(region: str, born: date, sequence: str) -> str:
    body = f"{region}{born:%Y%m%d}{sequence}"
    return body + reference_check(body)


VALID_IDS = [
    "11010519491231002X",  # the standard's own worked example
    id_number("440305", date(1988, 2, 29), "123"),
    id_number("310104", date(2001, 12, 1), "456"),
]

regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birthdays = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)


class TestIdCardCheckCharacter:
    def test_worked_example(self) -> None:
        """The standard's example 11010519491231002 has check character X."""
        assert id_card_check_character("11010519491231002") == "X"

    @given(regions, birthdays, sequences)
    def test_agrees_with_reference(self, region: str, born: date, sequence: str) -> None:
        """The check character agrees with an independent statement of MOD 11-2."""
        body = f"{region}{born:%Y%m%d}{sequence}"
        assert id_card_check_character(body) == reference_check(body)

    @pytest.mark.parametrize("bad", ["1234", "1101051949123100X", "1" * 18, wide("1" * 17)])
    def test_needs_17_ascii_digits(self, bad: str) -> None:
        """Only 17 ASCII digits have a check character."""
        with pytest.raises(InvalidValueError):
            id_card_check_character(bad)


class TestIsIdCardNumber:
    @pytest.mark.parametrize("number", VALID_IDS)
    def test_valid_numbers(self, number: str) -> None:
        """Numbers with a correct check character and real birth date are ID numbers."""
        assert is_id_card_number(number)

    def test_lower_case_x(self) -> None:
        """A lower-case x check character counts."""
        assert is_id_card_number("11010519491231002x")

    @given(regions, birthdays, sequences, st.sampled_from("0123456789X"))
    def test_wrong_check_character_is_not_an_id(
        self, region: str, born: date, sequence: str, check: str
    ) -> None:
        """Every check character but the right one is rejected."""
        body = f"{region}{born:%Y%m%d}{sequence}"
        assert is_id_card_number(body + check) is (check == reference_check(body))

    @pytest.mark.parametrize(
        "body",
        [
            "11010519490231002",  # 31 February
            "11010518991231002",  # born 1899
            "11010521001231002",  # born 2100
            "01010519491231002",  # region code starting 0
        ],
    )
    def test_implausible_numbers_with_right_check(self, body: str) -> None:
        """A correct check character does not save an impossible birth date or region."""
        assert not is_id_card_number(body + reference_check(body))


class TestMobileNumbers:
    @pytest.mark.parametrize(
        "text",
        [
            "电话13812345678",
            "call 138 1234 5678 today",
            "138-1234-5678",
            "+86 13812345678",
            "+8613812345678",
            "86-13812345678",
            wide("13812345678"),  # full-width digits
            "(13812345678)",
        ],
    )
    def test_found_and_masked(self, text: str) -> None:
        """Mainland mobile numbers in the usual spellings are found, masked."""
        assert find_mobile_numbers(text) == ["138****5678"]

    @pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
    def test_every_mobile_prefix(self, prefix: str) -> None:
        """Every 1[3-9] prefix is a mobile number."""
        assert find_mobile_numbers(f"号码 {prefix}012345678 ") == [f"{prefix}0****5678"]

    @pytest.mark.parametrize(
        "text",
        [
            "12812345678",  # 12x is not a mobile prefix
            "10086",  # service number
            "138123456789",  # 12 digits
            "913812345678",  # inside a longer run
            "8613812345678",  # 86 glued on without + or separator: a 13-digit run
            "010-12345678",  # a Beijing landline
            "1381234567",  # 10 digits
            "ISBN 9787138123456780",
        ],
    )
    def test_not_mobile_numbers(self, text: str) -> None:
        """Other digit runs are not mobile numbers."""
        assert find_mobile_numbers(text) == []

    def test_several_in_order(self) -> None:
        """Every number is found, in the order they appear."""
        assert find_mobile_numbers("13912345678、15000001111") == ["139****5678", "150****1111"]

    @given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="读书馆 ,:"))
    def test_any_mobile_found_never_in_full(self, number: str, around: str) -> None:
        """Any mobile number is found and its excerpt never shows it in full."""
        (masked,) = find_mobile_numbers(f"{around}{number}{around}")
        assert masked == f"{number[:3]}****{number[-4:]}"
        assert number not in masked


class TestIdCardNumbers:
    def test_found_and_masked(self) -> None:
        """An ID number with a valid check character is found; the birth date is hidden."""
        found = find_id_card_numbers(f"身份证号{COLON}11010519491231002X{COMMA}请核对")
        assert found == ["110***********002X"]
        assert "19491231" not in found[0]

    def test_invalid_check_character_is_not_a_finding(self) -> None:
        """An 18-digit run with a wrong check character is not a finding."""
        assert find_id_card_numbers("订单号 110105194912310021") == []

    def test_inside_longer_run_is_not_a_finding(self) -> None:
        """A valid number inside a longer run of digits is not a finding."""
        assert find_id_card_numbers("911010519491231002X") == []
        assert find_id_card_numbers(f"{VALID_IDS[1]}7") == []

    def test_full_width_and_lower_case(self) -> None:
        """Full-width digits and a lower-case x are caught."""
        assert find_id_card_numbers(wide("11010519491231002x")) == ["110***********002X"]

    @given(regions, birthdays, sequences)
    def test_any_valid_number_found_never_in_full(
        self, region: str, born: date, sequence: str
    ) -> None:
        """Every valid number is found, and its excerpt hides the birth date."""
        number = id_number(region, born, sequence)
        (masked,) = find_id_card_numbers(f"ID {number}.")
        assert masked.startswith(number[:3])
        assert masked.endswith(number[-4:])
        assert f"{born:%Y%m%d}" not in masked
        assert len(masked) == 18

    def test_id_number_is_not_also_a_mobile(self) -> None:
        """The digits of an ID number are not reported as a mobile number."""
        number = id_number("130105", date(1990, 1, 1), "123")
        assert find_mobile_numbers(number) == []


class TestEmailAddresses:
    @pytest.mark.parametrize(
        ("text", "masked"),
        [
            ("write to zhang.san@example.org today", "z***@example.org"),
            ("邮箱li_si+lib@Mail.Example.COM咨询", "l***@mail.example.com"),
            (wide("wang@example.cn"), "w***@example.cn"),
            ("13812345678@163.com", "1***@163.com"),
        ],
    )
    def test_found_and_masked(self, text: str, masked: str) -> None:
        """E-mail addresses are found and masked to a first letter and the domain."""
        assert find_email_addresses(text) == [masked]

    @pytest.mark.parametrize("text", ["@weibo_user", "a@b", "price 5@3 each", "邮件@图书馆"])
    def test_not_addresses(self, text: str) -> None:
        """Mentions and other at-signs are not e-mail addresses."""
        assert find_email_addresses(text) == []


class TestSensitiveWords:
    def test_case_insensitive(self) -> None:
        """English words match whatever their case."""
        assert find_sensitive_words("A FREE Gift for you", ["free gift"]) == ["free gift"]

    def test_chinese(self) -> None:
        """Chinese words match inside running text."""
        text = f"本次活动绝对第一{COMMA}欢迎参加"
        assert find_sensitive_words(text, ["第一", "最佳"]) == ["第一"]

    def test_full_width_text(self) -> None:
        """Full-width letters in the text match ordinary words."""
        assert find_sensitive_words(wide("FREE") + " books", ["free"]) == ["free"]

    def test_list_validated(self) -> None:
        """The list is texts, none empty; a single text or blank word is refused."""
        assert sensitive_word_list([" 第一 ", "第一", "best"]) == ("第一", "best")
        with pytest.raises(InvalidValueError):
            sensitive_word_list("第一")
        with pytest.raises(InvalidValueError):
            sensitive_word_list(["ok", " "])
        with pytest.raises(InvalidValueError):
            sensitive_word_list([3])  # type: ignore[list-item]  # deliberately not text


class TestScan:
    def test_scan_text_names_where(self) -> None:
        """Each finding names where it was found and carries a masked excerpt."""
        findings = scan_text("body", f"联系13812345678或a@b.cn{COMMA}绝对第一", ["第一"])
        assert findings == [
            Finding(FindingKind.MOBILE_NUMBER, "body", "138****5678"),
            Finding(FindingKind.EMAIL_ADDRESS, "body", "a***@b.cn"),
            Finding(FindingKind.SENSITIVE_WORD, "body", "第一"),
        ]

    def test_scan_texts_dedups_and_keeps_order(self) -> None:
        """The same finding in one place is reported once; each place separately."""
        findings = scan_texts(
            [("title", "13812345678 13812345678"), ("variant:weibo", "13812345678")]
        )
        assert [(f.where, f.excerpt) for f in findings] == [
            ("title", "138****5678"),
            ("variant:weibo", "138****5678"),
        ]

    def test_clean_text_has_no_findings(self) -> None:
        """An ordinary post has no findings."""
        text = f"4月23日世界读书日{COMMA}图书馆开放到晚上9点。"
        assert scan_texts([("body", text)], ["第一"]) == ()

    def test_has_personal_data(self) -> None:
        """Sensitive words alone are not personal data."""
        word = Finding(FindingKind.SENSITIVE_WORD, "body", "第一")
        phone = Finding(FindingKind.MOBILE_NUMBER, "body", "138****5678")
        assert not has_personal_data([word])
        assert has_personal_data([word, phone])
