"""The check characters of identity card numbers (GB 11643) and unified social credit codes (GB 32100)."""
import pytest

from engine import identity


@pytest.mark.parametrize("id_type, number", [
    ("id_card", "11010519491231002X"),   # the standard's example, check character X
    ("id_card", "110101199001011237"),
    ("uscc", "91350100M000100Y43"),      # the standard's example
    ("passport", "E12345678"),           # no check character: taken as given
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
])
def test_wrong_numbers_are_refused_with_the_reason(id_type, number, says):
    assert says in identity.problem(id_type, number)
