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
