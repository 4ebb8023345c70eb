"""Official tax documents at the reference backend, through the kiosk's own clients (replies
validated against the contract): the 纳税记录 is issued once per person, years and day (a second
request, from any kiosk, gets the same document marked as a reprint), and its verification code
verifies, while an altered or unknown one is refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend_sim import data, launch
from backend_sim.examples import CITIZEN, OTHER
from kiosk.backends import Backends, Rejected, new_idempotency_key
from tests.backend_support import transports

ISSUE, VERIFY = "tax.issue_income_record", "tax.query_document_verification"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


@pytest.fixture(scope="module")
def backends(sim):
    b = Backends(transports(sim.base_url))
    yield b
    b.close()


def years(back: int = 3) -> dict:
    this_year = date.today().year
    return {"year_from": this_year - back, "year_to": this_year}


def verify(backends, document: dict, code: str | None = None) -> dict:
    return backends.call(VERIFY, {"document_no": document["document_no"],
                                  "verification_code": code or document["verification_code"]})


def altered(code: str) -> str:
    return code[:5] + ("A" if code[5] != "A" else "B") + code[6:]


def test_issued_record_verifies_and_shows_what_the_holder_can_compare(backends):
    document = backends.call(ISSUE, CITIZEN | years(), idempotency_key=new_idempotency_key())
    assert not document["reprint"] and document["records"]
    assert document["verification_url"].endswith(f"no={document['document_no']}&code={document['verification_code']}")
    checked = verify(backends, document)
    assert checked["document_kind"] == "income_record" and checked["total"] == document["totals"]["tax_withheld"]
    assert checked["taxpayer_name_masked"] == "陈*远" and checked["period_to"] == str(date.today().year)


def test_altered_and_unknown_codes_are_refused_alike(backends):
    document = backends.call(ISSUE, OTHER | years(1), idempotency_key=new_idempotency_key())
    for number, code in ((document["document_no"], altered(document["verification_code"])),
                         (str(int(document["document_no"]) + 1), document["verification_code"])):
        with pytest.raises(Rejected) as refused:
            backends.call(VERIFY, {"document_no": number, "verification_code": code})
        assert refused.value.status == 404 and refused.value.code == "not_found"


def test_asking_again_the_same_day_returns_the_same_document_as_a_reprint(sim, backends):
    before = sim.submissions()["effects"]["documents"]
    body = CITIZEN | years(2)
    first = backends.call(ISSUE, body, idempotency_key=new_idempotency_key())
    again = backends.call(ISSUE, body, idempotency_key=new_idempotency_key())  # another kiosk, another key
    assert again["reprint"] and not first["reprint"]
    assert (again["document_no"], again["verification_code"]) == (first["document_no"], first["verification_code"])
    assert sim.submissions()["effects"]["documents"] == before + 1
    other_years = backends.call(ISSUE, CITIZEN | years(1), idempotency_key=new_idempotency_key())
    assert other_years["document_no"] != first["document_no"] and not other_years["reprint"]


def test_unpaid_settlement_arrears_are_annotated_in_the_years_they_belong_to(backends):
    arrears = data.settlement_arrears(CITIZEN["id_number"], date.today())
    assert arrears is not None, "the demo citizen owes settlement tax for one year (seeded)"
    year, amount = arrears
    covering = backends.call(ISSUE, CITIZEN | {"year_from": year, "year_to": year},
                             idempotency_key=new_idempotency_key())
    assert f"{year}年度" in covering["annotations"] and f"{amount}元" in covering["annotations"]
    assert "滞纳金" in covering["annotations"]
    if year < date.today().year - 1:
        later = backends.call(ISSUE, CITIZEN | {"year_from": year + 1, "year_to": year + 1},
                              idempotency_key=new_idempotency_key())
        assert later["annotations"] == ""


CERTIFY, VOUCHERS = "tax.issue_payment_certificate", "tax.query_tax_vouchers"


def vouchers(backends, who: dict, kind: str, year: int) -> list[dict]:
    return backends.call(VOUCHERS, who | {"tax_kind": kind, "year": year})["vouchers"]


def test_income_tax_vouchers_stop_in_2018_when_the_record_takes_over(backends):
    assert len(vouchers(backends, CITIZEN, "individual_income_tax", 2018)) == 12
    assert vouchers(backends, CITIZEN, "individual_income_tax", 2019) == []


def test_no_vouchers_in_a_year_nothing_was_paid(backends):
    bought = [year for year in range(2010, date.today().year + 1) if vouchers(backends, CITIZEN, "deed_tax", year)]
    assert len(bought) == 1  # a home is bought once
    assert vouchers(backends, CITIZEN, "deed_tax", bought[0] + 1 if bought[0] < date.today().year else 2010) == []
    with pytest.raises(Rejected) as refused:
        vouchers(backends, CITIZEN, "deed_tax", date.today().year + 1)
    assert [(f.field, f.code) for f in refused.value.fields] == [("year", "in_future")]


def test_certificate_covers_the_chosen_vouchers_verifies_and_is_issued_once(sim, backends):
    paid = vouchers(backends, CITIZEN, "individual_income_tax", 2017)[:2] + \
        [v for year in range(2010, 2027) for v in vouchers(backends, CITIZEN, "vehicle_vessel_tax", year)][:1]
    numbers = [v["voucher_no"] for v in paid]
    before = sim.submissions()["effects"]["documents"]
    first = backends.call(CERTIFY, CITIZEN | {"voucher_ids": numbers}, idempotency_key=new_idempotency_key())
    assert sorted(i["voucher_no"] for i in first["items"]) == sorted(numbers) and not first["reprint"]
    assert first["total"] == str(sum(Decimal(v["amount"]) for v in paid))
    checked = verify(backends, {"document_no": first["certificate_no"], "verification_code": first["verification_code"]})
    assert checked["document_kind"] == "payment_certificate" and checked["total"] == first["total"]
    again = backends.call(CERTIFY, CITIZEN | {"voucher_ids": numbers[::-1]}, idempotency_key=new_idempotency_key())
    assert again["reprint"] and again["certificate_no"] == first["certificate_no"]
    assert sim.submissions()["effects"]["documents"] == before + 1


def test_someone_elses_voucher_is_refused(backends):
    theirs = vouchers(backends, OTHER, "individual_income_tax", 2016)[0]["voucher_no"]
    with pytest.raises(Rejected) as refused:
        backends.call(CERTIFY, CITIZEN | {"voucher_ids": [theirs]}, idempotency_key=new_idempotency_key())
    assert [(f.field, f.code) for f in refused.value.fields] == [("voucher_ids", "not_found")]
