"""Resident ID numbers (身份证号, GB 11643-1999): check digit, normalisation, masking.

Check digits below are worked out by hand. GB 11643 weights for positions 1–17:
    7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
check character = "10X98765432"[Σ dᵢ·wᵢ mod 11].
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credittool.ids import check_char, mask_id, normalize_id

# 11010519491231002X (the example ID printed in GB 11643-1999):
#   1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10 + 1·5 + 0·8 + 0·4 + 2·2
#   = 7 + 9 + 0 + 5 + 0 + 20 + 2 + 9 + 24 + 27 + 7 + 18 + 30 + 5 + 0 + 0 + 4 = 167
#   167 mod 11 = 2 → "10X98765432"[2] = "X"
ID_X = "11010519491231002X"
# 440524188001010014:
#   4·7 + 4·9 + 0·10 + 5·5 + 2·8 + 4·4 + 1·2 + 8·1 + 8·6 + 0·3 + 0·7 + 1·9 + 0·10 + 1·5 + 0·8 + 0·4 + 1·2
#   = 28 + 36 + 0 + 25 + 16 + 16 + 2 + 8 + 48 + 0 + 0 + 9 + 0 + 5 + 0 + 0 + 2 = 195
#   195 mod 11 = 8 → "10X98765432"[8] = "4"
ID_4 = "440524188001010014"
# 220282 (桦甸市) 19800101 123?:
#   2·7 + 2·9 + 0·10 + 2·5 + 8·8 + 2·4 + 1·2 + 9·1 + 8·6 + 0·3 + 0·7 + 1·9 + 0·10 + 1·5 + 1·8 + 2·4 + 3·2
#   = 14 + 18 + 0 + 10 + 64 + 8 + 2 + 9 + 48 + 0 + 0 + 9 + 0 + 5 + 8 + 8 + 6 = 209
#   209 mod 11 = 0 → "10X98765432"[0] = "1"
ID_HD = "220282198001011231"


# --- check digit --------------------------------------------------------------------------


@pytest.mark.parametrize(("first17", "expected"), [
    ("11010519491231002", "X"),  # Σ = 167, 167 mod 11 = 2 → X
    ("44052418800101001", "4"),  # Σ = 195, 195 mod 11 = 8 → 4
    ("22028219800101123", "1"),  # Σ = 209, 209 mod 11 = 0 → 1
    ("00000000000000000", "1"),  # Σ = 0, 0 mod 11 = 0 → 1
    ("10000000000000000", "5"),  # Σ = 1·7 = 7 → "10X98765432"[7] = 5
    ("00000000000000001", "X"),  # Σ = 1·2 = 2 → "10X98765432"[2] = X
])
def test_check_char_hand_computed(first17: str, expected: str) -> None:
    assert check_char(first17) == expected


@pytest.mark.parametrize("valid", [ID_X, ID_4, ID_HD])
def test_valid_ids_are_accepted_unchanged(valid: str) -> None:
    r = normalize_id(valid)
    assert r.value == valid
    assert r.problem is None


# --- normalisation of what clerks type ----------------------------------------------------


def test_lower_case_x_becomes_upper_case() -> None:
    r = normalize_id("11010519491231002x")
    assert r.value == ID_X
    assert r.problem is None


def test_full_width_digits_and_x_are_folded() -> None:
    # Ｘ (U+FF38) and full-width digits typed with a Chinese IME
    r = normalize_id("１１０１０５１９４９１２３１００２Ｘ")
    assert r.value == ID_X


def test_spaces_inside_and_around_are_removed() -> None:
    # ordinary spaces, an ideographic space (U+3000) and a no-break space (U+00A0)
    assert normalize_id(" 110105 19491231\u3000002X ").value == ID_X
    assert normalize_id("440524\u00a0188001010014").value == ID_4


def test_leading_apostrophe_text_marker_is_dropped() -> None:
    # Excel users type '220282… to force a text cell
    assert normalize_id("'" + ID_HD).value == ID_HD
    assert normalize_id("\uff07" + ID_HD).value == ID_HD  # full-width apostrophe


def test_zero_width_characters_from_web_copy_are_dropped() -> None:
    assert normalize_id("\ufeff\u200b" + ID_HD + "\u200b").value == ID_HD


@pytest.mark.parametrize("raw", [220282198001011231, 2.20282198001011e17, 110105194912310020])
def test_numeric_cell_is_rejected_as_numeric(raw: object) -> None:
    # an int or float cell: Excel keeps 15 significant digits, so the number may be damaged
    r = normalize_id(raw)
    assert r.value is None
    assert r.problem.code == "E-ID-NUMERIC"
    assert "文本" in r.problem.hint


@pytest.mark.parametrize("raw", ["2.20282E+17", "2.20282198001012E+17", "2.20282e+17", "2.20282E17"])
def test_scientific_notation_text_is_rejected_as_numeric(raw: str) -> None:
    r = normalize_id(raw)
    assert r.value is None
    assert r.problem.code == "E-ID-NUMERIC"
    assert "科学计数法" in r.problem.message


def test_wrong_check_digit_is_rejected_and_names_the_expected_char() -> None:
    # 11010519491231002 → X (Σ = 167 → 2 → X); a clerk typed 0
    r = normalize_id("110105194912310020")
    assert r.value is None
    assert r.problem.code == "E-ID-CHECKSUM"
    assert "末位应为 X" in r.problem.message
    assert "实为 0" in r.problem.message
    # 22028219800101123 → 1 (Σ = 209 → 0 → 1); a clerk typed X
    r = normalize_id("22028219800101123X")
    assert r.problem.code == "E-ID-CHECKSUM"
    assert "末位应为 1" in r.problem.message


def test_fifteen_digit_legacy_id_is_upgraded() -> None:
    # 220282 800101 123 → insert "19" after the area code → 22028219800101123,
    # check char: Σ = 209, 209 mod 11 = 0 → "1" → 220282198001011231
    r = normalize_id("220282800101123")
    assert r.value == "220282198001011231"
    assert r.problem is None
    assert "15 位" in r.note and "220282198001011231" in r.note


def test_fifteen_digit_legacy_id_upgrade_with_x_check() -> None:
    # 110105 491231 002 → 11010519491231002, Σ = 167, 167 mod 11 = 2 → X
    assert normalize_id("110105491231002").value == "11010519491231002X"


@pytest.mark.parametrize("raw", [
    "11010519491231002",  # 17 chars
    "1101051949123100200",  # 19 chars
    "1101051949123100X2",  # X not in last place
    "11010519491231002Y",
    "110105-19491231-002X",
    "张三",
])
def test_malformed_ids_are_format_errors(raw: str) -> None:
    r = normalize_id(raw)
    assert r.value is None
    assert r.problem.code == "E-ID-FORMAT"


@pytest.mark.parametrize("raw", [None, ""])
def test_blank_id_is_its_own_code(raw: object) -> None:
    r = normalize_id(raw)
    assert r.value is None
    assert r.problem.code == "E-ID-BLANK"
    assert r.problem.message == "身份证号为空"


def test_mask_keeps_first_six_and_last_two() -> None:
    assert mask_id(ID_X) == "110105" + "*" * 10 + "2X"
    assert mask_id(ID_HD) == "220282**********31"
    assert len(mask_id(ID_HD)) == 18
    assert mask_id("1234") == "****"  # too short to reveal anything


# --- properties ---------------------------------------------------------------------------

seventeen = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(max_examples=200)
@given(seventeen)
def test_any_id_with_its_check_char_normalises_to_itself(first17: str) -> None:
    valid = first17 + check_char(first17)
    r = normalize_id(valid)
    assert r.value == valid and r.problem is None
    if valid.endswith("X"):
        assert normalize_id(valid.lower()).value == valid


@settings(max_examples=100)
@given(seventeen)
def test_every_single_character_substitution_is_detected(first17: str) -> None:
    # GB 11643 (ISO 7064 MOD 11-2): every weight is non-zero mod 11 and a digit changes by
    # at most ±9, so a single substitution always changes Σ mod 11. Checked exhaustively
    # for each drawn ID: 17 positions × 9 other digits, plus the 10 other check chars.
    valid = first17 + check_char(first17)
    tried = 0
    for pos in range(18):
        alphabet = "0123456789" if pos < 17 else "0123456789X"
        for ch in alphabet:
            if ch == valid[pos]:
                continue
            changed = valid[:pos] + ch + valid[pos + 1:]
            r = normalize_id(changed)
            assert r.value is None, changed
            assert r.problem.code == "E-ID-CHECKSUM", changed
            tried += 1
    assert tried == 17 * 9 + 10


@settings(max_examples=200)
@given(seventeen)
def test_the_check_char_of_other_decimal_digits_is_that_of_their_values(first17: str) -> None:
    """ASCII digits are summed on their bytes, other Unicode decimal digits (which \\d
    accepts and NFKC keeps) on their values: the same weighted sum mod 11 either way."""
    arabic_indic = first17.translate({ord("0") + d: 0x0660 + d for d in range(10)})
    assert check_char(first17) == check_char(arabic_indic)
    assert check_char("11010519491231002") == "X"  # the hand-worked example above
