"""The service catalog in assets/services: complete, in three languages, and strict about broken files."""
import re
from pathlib import Path

import pytest

from kiosk.catalog import DEPARTMENTS, SERVICES_DIR, CatalogError, Service, availability, load_catalog
from common.device_status import Action, DeviceState, DeviceStatus

CATALOG = load_catalog()
LANGUAGES = ("zh_CN", "zh_HK", "en")

# Frequent characters that exist in only one script. A Simplified one in zh_HK (or the reverse)
# means a text was pasted into the wrong language, or half converted. (税 and 户 are left out: they
# are also the Hong Kong standard glyphs of 稅 and 戶.)
SIMPLIFIED_ONLY = "个们这为说时会来对发过还进证办费务国书门长问间关开见东车号区钟约记录认纳单业产权签请读摄头转边选择显调确网络码"
TRADITIONAL_ONLY = "個們這為說時會來對發過還進證辦費務國書門長問間關開見東車號區鐘約記錄認稅納單業戶產權簽請讀攝頭轉邊選擇顯調確網絡碼"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def texts_of(service: Service):
    """Every (field name, Texts) of a service."""
    yield "name", service.name
    yield "summary", service.summary
    for field in ("materials", "duration", "fee", "steps"):
        yield f"guide.{field}", getattr(service.guide, field)


ALL_TEXTS = [pytest.param(texts, id=f"{s.id}.{field}") for s in CATALOG for field, texts in texts_of(s)]


def test_every_department_offers_services():
    for department in DEPARTMENTS:
        assert [s for s in CATALOG if s.department == department], f"no service for {department}"


def test_every_file_is_a_service_named_after_its_id():
    assert sorted(f.stem for f in SERVICES_DIR.glob("*.toml")) == sorted(s.id for s in CATALOG)


def test_services_are_listed_in_their_declared_order():
    for department in DEPARTMENTS:
        orders = [s.order for s in CATALOG if s.department == department]
        assert orders == sorted(set(orders)), f"{department}: order values must be distinct"


@pytest.mark.parametrize("texts", ALL_TEXTS)
def test_text_is_written_in_all_three_languages(texts):
    for lang in LANGUAGES:
        value = getattr(texts, lang)
        assert value == value.strip(), f"{lang}: leading or trailing whitespace shows as an empty line"
        assert "" not in [line.strip() for line in value.splitlines()], f"{lang}: empty line"


@pytest.mark.parametrize("texts", ALL_TEXTS)
def test_each_language_is_really_that_language(texts):
    assert texts.zh_HK != texts.zh_CN, "zh_HK is a copy of zh_CN"
    assert not set(texts.zh_HK) & set(SIMPLIFIED_ONLY), f"Simplified characters in zh_HK: {texts.zh_HK}"
    assert not set(texts.zh_CN) & set(TRADITIONAL_ONLY), f"Traditional characters in zh_CN: {texts.zh_CN}"
    assert not CJK.search(texts.en), f"Chinese in the English text: {texts.en}"


@pytest.mark.parametrize("texts", ALL_TEXTS)
def test_languages_have_the_same_lines_and_numbered_steps(texts):
    lines = {lang: getattr(texts, lang).splitlines() for lang in LANGUAGES}
    assert len({len(v) for v in lines.values()}) == 1, f"line counts differ: {lines}"
    for lang, value in lines.items():
        numbers = [int(m.group(1)) for line in value if (m := re.match(r"(\d+)\. ", line))]
        assert numbers == list(range(1, len(numbers) + 1)), f"{lang}: steps numbered {numbers}"


def test_guide_only_services_need_no_devices():
    # A guide is always readable: a printer out of paper must not grey out a counter-only service.
    for service in CATALOG:
        if not service.journey:
            assert service.devices == () and service.backends == (), service.id


def test_paper_out_does_not_disable_a_service_that_shows_its_receipt_on_screen():
    tax_records = next(s for s in CATALOG if s.id == "tax_records")
    ready = {name: DeviceStatus(name, DeviceState.ONLINE) for name in ("idcard", "camera", "printer")}
    paper_out = DeviceStatus("printer", DeviceState.USER_ERROR, reason="paper_out",
                             action=Action.REPLENISH, conditions={"paper": "out"})
    camera_gone = DeviceStatus("camera", DeviceState.OFFLINE, reason="not_found", action=Action.MAINTENANCE)
    backends = {"tax": True, "hall": True}

    assert availability(tax_records, ready, backends) == []
    assert availability(tax_records, {**ready, "printer": paper_out}, backends) == []
    assert availability(tax_records, {**ready, "camera": camera_gone}, backends) == ["camera:not_found"]
    assert availability(tax_records, ready, {**backends, "tax": False}) == ["backend:tax"]
    for guide_only in (s for s in CATALOG if not s.journey):
        assert availability(guide_only, {**ready, "printer": paper_out}, {"tax": False}) == []


GOOD = (SERVICES_DIR / "tax_records.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("tax_records", GOOD.replace('department = "tax"', 'department = "customs"'),
         ["department", "'tax', 'exit_entry' or 'registration'"]),
        ("tax_records", GOOD.replace('zh_HK = "個人所得稅納稅記錄查詢"\n', ""), ["name.zh_HK", "Field required"]),
        ("tax_records", GOOD.replace("[guide.fee]", "[guide.fees]"), ["guide.fees", "Extra inputs"]),
        ("tax_records", GOOD.replace("order = 10", "order = "), ["not valid TOML", "line 5"]),
        ("tax_record", GOOD, ["id 'tax_records' must equal the file name 'tax_record'"]),
    ],
    ids=["wrong department", "missing language", "unknown key", "bad TOML", "id is not the file name"],
)
def test_broken_service_file_names_file_and_field(tmp_path: Path, name, text, expected):
    (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert f"{name}.toml" in str(info.value)
    for fragment in expected:
        assert fragment in str(info.value)


def test_unknown_device_state_does_not_grey_out_a_service():
    from kiosk.catalog import availability, load_catalog
    from common.device_status import DeviceState, DeviceStatus

    service = next(s for s in load_catalog() if s.id == "tax_records")
    statuses = {"camera": DeviceStatus("camera", DeviceState.UNKNOWN, "stopped"),
                "printer": DeviceStatus("printer", DeviceState.UNKNOWN, "no_status_channel")}
    assert availability(service, statuses, {}) == []


def test_tax_guides_say_what_this_kiosk_does_and_only_send_on_to_services_that_do_it_here():
    # The two tax guides used to send the citizen to each other, and neither could do it here.
    tax = {s.id: s for s in CATALOG if s.department == "tax"}
    for service in tax.values():
        steps = service.guide.steps
        assert service.journey, f"{service.id}: a guide only"
        assert steps.zh_CN.startswith("本机") and steps.en.startswith("This machine"), service.id
        assert "准备中" not in steps.zh_CN and "cannot" not in steps.en.split("\n")[0], service.id
        for other in tax.values():
            if other is not service and f"“{other.name.zh_CN}”" in steps.zh_CN:
                assert other.journey, f"{service.id} sends the citizen to {other.id}, which cannot do it here"
