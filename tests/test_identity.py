"""The check characters of identity card numbers (GB 11643) and unified social credit codes (GB 32100)."""
import pytest

from engine import identity


@pytest.mark.parametrize("id_type, number", [
    ("id_card", "11010519491231002X"),   # the standard's example, check character X
    ("id_card", "110101199001011237"),
    ("uscc", "91350100M000100Y43"),      # the standard's example
    ("passport", "E12345678"),           # no check character: taken as given
    ("hk_macao_permit", "H12345678"),
])
def test_valid_numbers_pass(id_type, number):
    assert identity.problem(id_type, number) is None


@pytest.mark.parametrize("id_type, number, says", [
    ("id_card", "110101199001011236", "last character does not match"),   # last digit typed wrong
    ("id_card", "110101199010011237", "last character does not match"),   # two digits swapped
    ("id_card", "110105194902300021", "date of birth"),                  # 30 February
    ("id_card", "11010519491231002", "18 characters"),
    ("uscc", "91350100M000100Y44", "last character does not match"),
    ("uscc", "91350100M000100I43", "other than I, O, S, V and Z"),
    ("passport", "<SCRIPT>", "letters, digits or hyphens"),
    ("passport", "E1", "4 to 32"),
    ("other", "X" * 33, "4 to 32"),
])
def test_wrong_numbers_are_refused_with_the_reason(id_type, number, says):
    assert says in identity.problem(id_type, number)


@pytest.mark.parametrize("phone, valid", [
    ("13800000000", True), ("0512-68001234", True), ("051268001234", True), ("010-12345678", True),
    ("12", False), ("1380000000", False), ("phone", False), ("+8613800000000", False),
])
def test_a_phone_given_at_the_window_is_a_mobile_or_a_landline_with_its_area_code(phone, valid):
    assert (identity.phone_problem(phone) is None) == valid


def test_a_name_longer_than_any_is_refused():
    assert identity.name_problem("某" * 100) is None
    assert "at most 100" in identity.name_problem("某" * 101)
