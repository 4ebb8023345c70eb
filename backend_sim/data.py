"""Believable records, the same every time for the same ID number (seeded), so tests can assert totals.

Income tax follows the real rules in a simplified form: wages withheld by the cumulative method
(累计预扣法: 5,000 yuan a month deducted, 15.5 % social insurance and housing fund, a fixed special
additional deduction), the annual bonus taxed separately, labour remuneration withheld at 20-40 %.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from backend_sim import addresses
from backend_sim.checks import uscc_check_char

FIRST_YEAR = 2019  # the current individual income tax law
CENT = Decimal("0.01")

_EMPLOYERS = (
    "广州市天河区云帆信息科技有限公司", "广州珠江新城物业管理有限公司", "广东岭南建设工程有限公司",
    "广州市越秀区康华医药连锁有限公司", "广州白云国际物流有限公司", "广州番禺星河电子有限公司",
)
_LABOUR_PAYERS = ("广东南粤文化传播有限公司", "广州市海珠区青禾教育培训中心", "广州羊城设计咨询有限公司")
_ANNUAL = [(36000, 3, 0), (144000, 10, 2520), (300000, 20, 16920), (420000, 25, 31920),
           (660000, 30, 52920), (960000, 35, 85920), (None, 45, 181920)]
_MONTHLY = [(3000, 3, 0), (12000, 10, 210), (25000, 20, 1410), (35000, 25, 2660),
            (55000, 30, 4410), (80000, 35, 7160), (None, 45, 15160)]
ITEM_NAMES = {"wages": "工资薪金", "labour_remuneration": "劳务报酬", "annual_bonus": "全年一次性奖金收入"}


def money(value: Decimal | int | float) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _bracket(amount: Decimal, table) -> Decimal:
    for limit, rate, quick in table:
        if limit is None or amount <= limit:
            return max(Decimal(0), amount * rate / 100 - quick)
    raise AssertionError


def tax_id_of(name: str) -> str:
    """A stable, valid unified social credit code for a payer's name (companies: ``9144...``)."""
    rng = random.Random(f"uscc:{name}")
    body = f"914401{rng.randrange(100):02d}" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_check_char(body)


@dataclass(frozen=True)
class Record:
    year: int
    month: int
    item: str
    payer: str
    income: Decimal
    tax: Decimal


def income_records(id_number: str, year: int, today: date) -> list[Record]:
    """One person's income records for one year, up to the month before ``today``."""
    person = random.Random(f"income:{id_number}")
    base = Decimal(person.randrange(6000, 32000, 500))
    employers = person.sample(_EMPLOYERS, 2)
    switch_year = person.choice((None, 2021, 2022, 2023))
    extra_deduction = Decimal(person.choice((0, 1000, 2000, 3000)))
    labour_payer = person.choice(_LABOUR_PAYERS)
    rng = random.Random(f"income:{id_number}:{year}")
    wage = money(base * Decimal("1.05") ** (year - FIRST_YEAR))
    employer = employers[1 if switch_year and year >= switch_year else 0]
    last_month = 12 if year < today.year else today.month - 1
    records: list[Record] = []
    cum_taxable = cum_withheld = Decimal(0)
    for month in range(1, last_month + 1):
        if month == 1 and rng.random() < 0.7:  # the annual bonus, taxed on its own
            bonus = money(wage * Decimal(rng.choice(("1", "1.5", "2", "3"))))
            records.append(Record(year, month, "annual_bonus", employer, bonus, money(_bonus_tax(bonus))))
        cum_taxable += wage - 5000 - money(wage * Decimal("0.155")) - extra_deduction
        due = money(_bracket(max(cum_taxable, Decimal(0)), _ANNUAL))
        records.append(Record(year, month, "wages", employer, wage, money(max(Decimal(0), due - cum_withheld))))
        cum_withheld = max(cum_withheld, due)
        if rng.random() < 0.15:
            fee = Decimal(rng.randrange(800, 30000, 100))
            records.append(Record(year, month, "labour_remuneration", labour_payer, money(fee),
                                  money(_labour_tax(fee))))
    return records


def settlement_arrears(id_number: str, today: date) -> tuple[int, Decimal] | None:
    """``(year, amount)`` of annual-settlement tax one in five people owed and did not pay by the
    30 June deadline of the following year (the tax authority marks it on the 纳税记录), or None."""
    rng = random.Random(f"arrears:{id_number}")
    last_overdue = today.year - 1 if (today.month, today.day) > (6, 30) else today.year - 2
    if rng.random() >= 0.2 or last_overdue < FIRST_YEAR:
        return None
    return rng.randrange(FIRST_YEAR, last_overdue + 1), money(rng.randrange(200, 6000))


# -- paid tax vouchers (完税凭证) for the payment certificate ---------------------------------
TAX_NAMES = {"individual_income_tax": "个人所得税", "deed_tax": "契税", "vehicle_vessel_tax": "车船税",
             "property_tax": "房产税"}
_KIND_DIGIT = {kind: str(n) for n, kind in enumerate(TAX_NAMES, start=1)}
_OLD_MONTHLY = [(1500, 3, 0), (4500, 10, 105), (9000, 20, 555), (35000, 25, 1005), (55000, 30, 2755),
                (80000, 35, 5505), (None, 45, 13505)]  # the 2011-2018 law: 3,500 yuan a month deducted


@dataclass(frozen=True)
class Voucher:
    voucher_no: str
    kind: str
    item: str
    period: str
    paid_on: date
    amount: Decimal


def vouchers(id_number: str, kind: str, year: int, today: date) -> list[Voucher]:
    """One person's paid vouchers of one tax in one year (paid before ``today``), oldest first.

    Income tax vouchers exist up to 2018 (monthly wages under the old law); a home bought in one
    year carries deed tax; a car owner pays vehicle and vessel tax every year; a landlord pays
    property tax on rent each quarter."""
    person = random.Random(f"vouchers:{id_number}")
    owner = f"{int.from_bytes(id_number.encode(), 'big') % 1_000_000:06d}"
    rows: list[tuple[str, str, date, Decimal]] = []  # item, period, paid on, amount
    if kind == "individual_income_tax" and year < FIRST_YEAR:
        wage = money(Decimal(person.randrange(6000, 32000, 500)) * Decimal("1.05") ** (year - FIRST_YEAR))
        tax = money(_bracket(max(Decimal(0), wage * Decimal("0.845") - 3500), _OLD_MONTHLY))
        rows = [("工资薪金所得", f"{year}-{m:02d}", date(year + m // 12, m % 12 + 1, 15), tax)
                for m in range(1, 13) if tax > 0]
    elif kind == "deed_tax":
        bought = person.randrange(2010, today.year + 1)
        if person.random() < 0.6 and year == bought:
            month = person.randrange(1, 13)
            price = Decimal(person.randrange(1500, 6000)) * 1000
            rows = [("房屋买卖", f"{year}-{month:02d}", date(year, month, 20), money(price * Decimal("0.015")))]
    elif kind == "vehicle_vessel_tax":
        since = person.randrange(2010, today.year + 1)
        if person.random() < 0.7 and year >= since:
            month = person.randrange(1, 13)
            rows = [("乘用车（1.6升以上至2.0升（含））", str(year), date(year, month, 8), money(person.choice((360, 420, 480))))]
    elif kind == "property_tax":
        if person.random() < 0.3:
            rent = Decimal(person.randrange(2500, 9000, 100))
            rows = [("从租计征", f"{year}-{q * 3:02d}", date(year + (q == 4), q * 3 % 12 + 1, 15),
                     money(rent * 3 * Decimal("0.04"))) for q in range(1, 5)]
    return [Voucher(f"3{_KIND_DIGIT[kind]}{year}{period[5:7] or '00'}{owner}{i:04d}", kind, item, period, paid, amount)
            for i, (item, period, paid, amount) in enumerate(rows, start=1) if paid < today]


def _bonus_tax(bonus: Decimal) -> Decimal:
    for limit, rate, quick in _MONTHLY:
        if limit is None or bonus / 12 <= limit:
            return bonus * rate / 100 - quick
    raise AssertionError


def _labour_tax(fee: Decimal) -> Decimal:
    taxable = fee - 800 if fee <= 4000 else fee * Decimal("0.8")
    if taxable <= 20000:
        return taxable * Decimal("0.2")
    if taxable <= 50000:
        return taxable * Decimal("0.3") - 2000
    return taxable * Decimal("0.4") - 7000


# -- the hall's profile (民生档案) -------------------------------------------------------------
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
_DISTRICTS = {"天河区": ("石牌街道", "天河南街道", "林和街道"), "越秀区": ("北京街道", "农林街道"),
              "海珠区": ("江海街道", "赤岗街道"), "白云区": ("三元里街道", "同德街道")}
_ROADS = ("天河路", "体育西路", "中山五路", "江南大道中", "广州大道北", "黄埔大道西")


def has_profile(id_number: str) -> bool:
    """Nine in ten people have a profile on record; the rest moved here recently."""
    return random.Random(f"profile:{id_number}").random() >= 0.1


def profile(id_number: str, name: str) -> dict:
    """The profile of someone for whom :func:`has_profile` is true (contract schema ``Profile``)."""
    rng = random.Random(f"profile:{id_number}")
    rng.random()
    district = rng.choice(sorted(_DISTRICTS))
    result = {
        "phone": "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9)),
        "address": {"district": district, "street": rng.choice(_DISTRICTS[district]),
                    "detail": f"{rng.choice(_ROADS)}{rng.randrange(1, 400)}号"
                              f"{rng.randrange(1, 30)}0{rng.randrange(1, 9)}房"},
        "household": [{"relation": "head", "name": name}],
    }
    # The address on record is a home of the standard address dictionary, with its codes (a form starts
    # at it). It comes from a generator of its own and replaces the free-text draw above, which stays
    # so that everything drawn after it (employer, household, ...) is the same person as before.
    result["address_units"], result["address"] = addresses.recorded(id_number)
    if rng.random() < 0.8:  # most people's records name an employer (社保 参保单位)
        result["employer"] = rng.choice(_EMPLOYERS)
    if rng.random() < 0.6:  # registered here before: the registration in force is at the address on record
        since = date(2026, 1, 1).toordinal() - rng.randrange(30, 1500)
        result["registrations"] = [{"registered_at": date.fromordinal(since).isoformat(),
                                    "address": result["address"], "status": "current"}]
    surname = name[0] if name else rng.choice(_SURNAMES)
    if rng.random() < 0.7:
        spouse = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, 2))
        result["household"].append({"relation": "spouse", "name": spouse})
    for _ in range(rng.choice((0, 1, 1, 2))):
        result["household"].append({"relation": "child", "name": surname + "".join(rng.sample(_GIVEN, 2))})
    return result


# -- exit-entry offices and slots ------------------------------------------------------------
OFFICES = {"THCRJ": "天河区出入境接待大厅", "YXCRJ": "越秀区出入境接待大厅"}
SLOT_STARTS = ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
               "14:00", "14:30", "15:00", "15:30", "16:00", "16:30")


def slot_capacity(office_id: str, day: date, start: str) -> tuple[int, int]:
    """(capacity, already booked elsewhere) of a slot: the same every time it is asked."""
    rng = random.Random(f"slot:{office_id}:{day.isoformat()}:{start}")
    capacity = rng.choice((2, 3, 4))
    return capacity, rng.choice(range(capacity + 1))

OFFICE_DETAILS = {  # address, opening hours as posted
    "THCRJ": ("天河区天河路505号", "周一至周六 9:00-12:00，14:00-17:00"),
    "YXCRJ": ("越秀区解放南路155号", "周一至周六 9:00-12:00，14:00-17:00"),
}


@dataclass(frozen=True)
class PastApplication:
    """A document application a citizen handed in at a counter (seeded, see :func:`past_applications`)."""

    number: str          # the 受理编号, CR + 14 digits
    business: str
    office_id: str
    received: date
    collection: str      # counter or post
    refused: bool


def past_applications(id_number: str, today: date) -> list[PastApplication]:
    """The citizen's counter applications of the last weeks: one or two, the same all day for the same ID
    number. Each was handed in ``age`` days ago, where ``age`` grows by one a day and wraps after 30 days
    (then a newer application takes its place), so its progress moves on from day to day."""
    rng = random.Random(f"progress:{id_number}")
    found = []
    for n in range(rng.choice((1, 1, 2))):
        age = (today.toordinal() + rng.randrange(30)) % 30
        received = date.fromordinal(today.toordinal() - age)
        number = f"CR{received:%Y%m%d}{rng.randrange(1, 999):03d}{n}{rng.randrange(10, 99)}"
        found.append(PastApplication(number, rng.choice(("passport", "hk_macau_permit", "taiwan_permit")),
                                     rng.choice(sorted(OFFICES)), received, rng.choice(("counter", "counter", "post")),
                                     rng.random() < 0.1))
    return found

# -- HK/Macau travel permits (往来港澳通行证) ------------------------------------------------------
def permit(id_number: str) -> tuple[str, date]:
    """The holder's e-permit number and expiry date: issued between 2016 and 2025, valid 10 years
    (5 years when issued before the holder turned 16), so some expire soon or have expired."""
    rng = random.Random(f"permit-hkmo:{id_number}")
    number = "C" + "".join(rng.choice("0123456789") for _ in range(8))
    issued = date(2016 + rng.randrange(10), rng.randrange(1, 13), rng.randrange(1, 29))
    birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    years = 5 if (issued.year - birth.year, issued.month, issued.day) < (16, birth.month, birth.day) else 10
    return number, issued.replace(year=issued.year + years)


def own_papers(id_number: str) -> dict[str, str]:
    """What the citizen types from papers of their own that no record fills, by field name: the
    number of their Hong Kong and Macao travel permit (the demo citizen, the tests and the soak)."""
    return {"permit_number": permit(id_number)[0]}


def has_relatives_in(id_number: str) -> bool:
    """About one in three have close relatives in Hong Kong or Macao (a 探亲 endorsement)."""
    return random.Random(f"relatives:{id_number}").random() < 0.35


def business_traveller(id_number: str) -> bool:
    """About one in five work for a company registered for business travel (a 商务 endorsement)."""
    return random.Random(f"business:{id_number}").random() < 0.2
