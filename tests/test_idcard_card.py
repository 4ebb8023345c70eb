"""The card model: the four text layouts, every field rule, and what may never leak."""
from datetime import date

import pytest

from drivers.idcard.card import (
    GENDERS, LAYOUTS, NATIONS, Card, CardType, check_character, encode_text_block, id_number_valid, parse_card,
)
from drivers.idcard.errors import CardInvalid
from drivers.idcard.simcards import fixture_names, load_fixture
from tests.idcard_support import expected_json, fixture

PHOTO = bytes.fromhex("574C66007E003200") + bytes(1016)


def u16(text: str, size: int) -> bytes:
    data = text.encode("utf-16-le")
    return data + " ".encode("utf-16-le") * ((size - len(data)) // 2)


def resident_block(**overrides: str) -> bytes:
    """A resident card's text block built by hand from the spec's offset table."""
    f = {"name": "测试甲", "gender": "1", "nation": "01", "birth": "19800101", "address": "测试路 1 号",
         "number": "34052419800101001X", "authority": "测试公安局", "from": "20100101", "to": "20300101",
         "flag": " "}
    f.update(overrides)
    block = (u16(f["name"], 30) + u16(f["gender"], 2) + u16(f["nation"], 4) + u16(f["birth"], 16)
             + u16(f["address"], 70) + u16(f["number"], 36) + u16(f["authority"], 30) + u16(f["from"], 16)
             + u16(f["to"], 16) + u16("", 28) + u16(f["flag"], 2) + u16("", 6))
    assert len(block) == 256
    return block


def parse(**overrides: str) -> Card:
    return parse_card(resident_block(**overrides), PHOTO)


def test_a_hand_built_resident_block_parses_field_by_field():
    card = parse()
    assert card.card_type is CardType.RESIDENT
    assert (card.name, card.gender, card.nation) == ("测试甲", "1", "01")
    assert card.birth_date == date(1980, 1, 1) and card.valid_from == date(2010, 1, 1)
    assert card.valid_to == date(2030, 1, 1)
    assert card.address == "测试路 1 号"  # inner spaces kept, trailing padding stripped
    assert (card.id_number, card.authority) == ("34052419800101001X", "测试公安局")
    assert card.photo_wlt == PHOTO and card.photo_bmp is None
    assert (card.gender_name, card.nation_name) == ("男", "汉")


@pytest.mark.parametrize("name", [n for n in fixture_names() if n != "resident_bad_check"])
def test_every_fixture_card_parses_to_its_fields(name):
    sim_card = load_fixture(name)
    card = parse_card(sim_card.text, sim_card.photo)
    assert card.to_json_dict() == expected_json(name)


def test_the_encoder_writes_the_spec_offsets():
    block = encode_text_block(CardType.HMT_RESIDENCE_PERMIT, {"pass_number": "H09876543", "issue_count": "01"})
    assert block[220:238].decode("utf-16-le") == "H09876543"
    assert block[238:242].decode("utf-16-le") == "01"
    assert block[248:250] == "J".encode("utf-16-le")


@pytest.mark.parametrize("card_type, flag", [(CardType.RESIDENT, " "), (CardType.HMT_RESIDENCE_PERMIT, "J"),
                                             (CardType.FOREIGN_PERMANENT, "I"),
                                             (CardType.FOREIGN_PERMANENT_2023, "Y")])
def test_card_type_comes_from_the_flag_at_offset_248(card_type, flag):
    name = {CardType.RESIDENT: "resident", CardType.HMT_RESIDENCE_PERMIT: "hmt_permit",
            CardType.FOREIGN_PERMANENT: "foreign_permanent",
            CardType.FOREIGN_PERMANENT_2023: "foreign_permanent_2023"}[card_type]
    text = load_fixture(name).text
    assert text[248:250].decode("utf-16-le") == flag
    assert parse_card(text, PHOTO).card_type is card_type


def test_layouts_stay_inside_the_block_and_do_not_overlap():
    for layout in LAYOUTS.values():
        spans = sorted(layout.values())
        assert all(a + n <= b for (a, n), (b, _) in zip(spans, spans[1:]))
        assert all(a + n <= 248 or a >= 250 for a, n in spans)  # the flag at 248 is nobody's field
        assert spans[-1][0] + spans[-1][1] <= 256


def test_unknown_card_type_flag_is_rejected():
    with pytest.raises(CardInvalid) as info:
        parse(flag="Z")
    assert info.value.reason == "unknown_card_type"


def test_nul_flag_and_nul_padding_read_as_a_resident_card():
    block = bytearray(resident_block())
    block[248:250] = b"\0\0"
    block[66:122] = bytes(56)  # the address padded with NULs instead of spaces
    card = parse_card(bytes(block), PHOTO)
    assert card.card_type is CardType.RESIDENT and card.address == "测试路 1 号"


def test_long_term_validity_is_none_and_long_term_in_json():
    card = parse(to="长期")
    assert card.valid_to is None
    assert card.to_json_dict()["valid_to"] == "长期"
    assert not card.expired(date(2999, 1, 1))


def test_expired_is_decided_by_the_date_the_app_passes():
    card = parse(to="20190101", **{"from": "20090101"})
    assert card.expired(date(2019, 1, 2)) and not card.expired(date(2019, 1, 1))


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "34052419800101001X",
                                    "53010219200508011X"])
def test_spec_examples_have_valid_check_characters(number):
    assert id_number_valid(number) and check_character(number[:17]) == number[17]


@pytest.mark.parametrize("number", ["11010519491231002x", "1101051949123100X2", "11010519491231002", "110105194912310021",
                                    "11010519491231002XX", "A1010519491231002X"])
def test_malformed_or_wrongly_checked_numbers_are_invalid(number):
    assert not id_number_valid(number)


def test_wrong_check_character_is_rejected_without_revealing_the_number():
    with pytest.raises(CardInvalid) as info:
        parse(number="340524198001010011")
    assert info.value.reason == "invalid_number"
    assert "3405" not in str(info.value) and "0011" not in str(info.value)


def test_birth_date_disagreeing_with_the_number_is_rejected():
    with pytest.raises(CardInvalid) as info:
        parse(birth="19800102")
    assert info.value.reason == "birth_date_mismatch" and "1980" not in str(info.value)


def test_gender_disagreeing_with_the_sequence_parity_is_rejected():
    with pytest.raises(CardInvalid) as info:
        parse(gender="2")  # sequence 001 is odd: male
    assert info.value.reason == "gender_mismatch"


@pytest.mark.parametrize("code", ["0", "9"])
def test_unknown_and_unstated_gender_codes_are_accepted(code):
    assert parse(gender=code).gender == code


@pytest.mark.parametrize("overrides", [{"gender": "3"}, {"nation": "57"}, {"nation": "00"}, {"birth": "19800230"},
                                       {"from": "2010010"}, {"to": "20300132"}, {"to": "永久"},
                                       {"from": "20310101"}])
def test_field_values_outside_their_tables_or_formats_are_rejected(overrides):
    with pytest.raises(CardInvalid) as info:
        parse(**overrides)
    assert info.value.reason == "bad_field"


def test_nation_table_is_gb_3304():
    assert len(NATIONS) == 58 and NATIONS["01"] == "汉" and NATIONS["56"] == "基诺"
    assert NATIONS["97"] == "其他" and NATIONS["98"] == "外国血统中国籍人士"
    assert GENDERS == {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


def test_rare_character_names_survive_as_surrogate_pairs():
    card = parse(name="测试𠮷䶮")
    assert card.name == "测试𠮷䶮" and len(card.name) == 4


def test_a_surrogate_pair_cut_by_the_field_boundary_is_rejected():
    block = bytearray(resident_block())
    block[28:30] = "𠮷".encode("utf-16-le")[:2]  # a lone high surrogate at the end of the name field
    with pytest.raises(CardInvalid) as info:
        parse_card(bytes(block), PHOTO)
    assert info.value.reason == "bad_field"


def test_wrong_block_size_is_rejected():
    with pytest.raises(CardInvalid) as info:
        parse_card(bytes(255), PHOTO)
    assert info.value.reason == "bad_layout"


def test_hmt_permit_has_pass_number_and_issue_count_and_may_lack_a_nation():
    card = parse_card(load_fixture("hmt_permit").text, PHOTO)
    assert card.nation == "" and card.pass_number == "H09876543" and card.issue_count == "01"
    assert card.id_number.startswith("81")


def test_foreign_permanent_2017_layout():
    card = parse_card(load_fixture("foreign_permanent").text, PHOTO)
    f = fixture("foreign_permanent")["fields"]
    assert (card.english_name, card.nationality, card.authority) == (f["english_name"], "CAN", "4401")
    assert card.birth_date == date(1985, 6, 15) and card.address == "" and card.nation == ""


def test_foreign_permanent_2017_number_must_be_letters_then_digits():
    values = dict(fixture("foreign_permanent")["fields"], id_number="CA4440850615998")
    with pytest.raises(CardInvalid) as info:
        parse_card(encode_text_block(CardType.FOREIGN_PERMANENT, values), PHOTO)
    assert info.value.reason == "invalid_number"


def test_foreign_permanent_2023_joins_the_two_english_name_fields():
    card = parse_card(load_fixture("foreign_permanent_2023").text, PHOTO)
    assert card.english_name == "TESTPERSON-LONGSURNAME, EXAMPLE GIVENNAME"
    assert card.issue_count == "00" and card.nationality == "USA"


def test_foreign_permanent_2023_number_is_checked_with_mod_11_2_and_birth_date():
    fields = fixture("foreign_permanent_2023")["fields"]
    for number, reason in [("911840198803150121", "invalid_number"), ("911840198803160120", "birth_date_mismatch")]:
        if reason == "birth_date_mismatch":
            number = number[:17] + check_character(number[:17])
        with pytest.raises(CardInvalid) as info:
            parse_card(encode_text_block(CardType.FOREIGN_PERMANENT_2023, dict(fields, id_number=number)), PHOTO)
        assert info.value.reason == reason


def test_json_has_exactly_the_issue_keys_per_layout_and_no_photo():
    common = ["card_type", "name", "gender", "nation", "birth_date", "address", "id_number", "authority",
              "valid_from", "valid_to"]
    extra = {"resident": [], "hmt_permit": ["pass_number", "issue_count"],
             "foreign_permanent": ["english_name", "nationality"],
             "foreign_permanent_2023": ["english_name", "nationality", "issue_count", "previous_card_link"]}
    for name, keys in extra.items():
        card = parse_card(load_fixture(name).text, PHOTO)
        assert list(card.to_json_dict()) == common + keys
        assert all(isinstance(v, str) for v in card.to_json_dict().values())


def test_repr_and_str_hide_every_field():
    card = parse_card(load_fixture("resident").text, PHOTO)
    for text in (repr(card), str(card), f"{card}", repr([card])):
        assert "测试" not in text and "4401" not in text and "1985" not in text
        assert "resident" in text


def test_wipe_overwrites_the_photo_and_drops_every_field():
    card = parse_card(load_fixture("resident").text, PHOTO)
    photo = card.photo_wlt
    card.photo_bmp = bytearray(b"BM" + bytes(10))
    bmp = card.photo_bmp
    card.wipe()
    assert not any(photo) and not any(bmp)
    assert card.name == card.id_number == card.address == ""
    assert card.birth_date is None and card.valid_from is None and card.photo_bmp == bytearray()
