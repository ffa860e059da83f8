"""The bench's customers: owners of ~85 % of the units (a few owning two, one owning ten: the customer
the 360 benchmark opens), co-owners, and people with no unit; their phones, contracts and households.

Derived columns are written exactly as the models' save() writes them: CustomerPhone.last4,
Customer.id_number_hash/id_number_masked (ID numbers only for ~1 % of the customers: encrypting 400k
of them would dominate the run), HouseholdMember.project_id."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from core.masking import mask_id_number
from customers.models import Contract, Customer, CustomerPhone, HouseholdMember, pii_hash
from customers.validators import resident_id_check_code

from .estate import Estate
from .writer import RowWriter, next_id

# The customer the 360 benchmark opens: 10 units, 50 complaints.
BENCH_360_NAME = "压测多房客户"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉晨宇浩然子涵欣怡思远"
PHONE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "158", "186", "188", "189", "177", "199")


@dataclass
class Ownership:
    unit_owner: dict[int, int]  # unit id → its owner's customer id, for every sold unit
    handed_units: list[int]  # indexes into Estate.units of the units already handed over


def resident_id(rng: random.Random, birth: datetime.date) -> str:
    body = f"{rng.choice(('440301', '310101', '110105', '330106', '510104'))}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + resident_id_check_code(body)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _encrypt(raw: str) -> str:
    field = Customer._meta.get_field("id_number")
    return field.get_db_prep_save(raw, connection)


def write_customers(
    writer: RowWriter, rng: random.Random, now: datetime.datetime, *, estate: Estate, total: int
) -> Ownership:
    today = timezone.localdate(now)
    units = estate.units
    sold = int(len(units) * 0.85)
    owners_wanted = min(int(total * 0.65), sold)
    first_cid = next_id(Customer)
    city_of_project = {p.pk: p.city_company_id for p in estate.projects}
    # Units 0..sold-1 are sold. Owner of unit i: customers 0..owners_wanted-1, a few owning two
    # (终身锁定); customer 0 is the 360 bench customer with 10 units.
    owner_index = []
    for i in range(sold):
        if i < 10:
            owner_index.append(0)
        elif i < owners_wanted:
            owner_index.append(i - 9)
        else:
            owner_index.append(rng.randrange(1, owners_wanted))
    ownership = Ownership(
        unit_owner={units[i][0]: first_cid + owner_index[i] for i in range(sold)}, handed_units=[]
    )
    home_project = {}
    for i in range(sold):
        home_project.setdefault(owner_index[i], units[i][1])
    co_owner_start = owners_wanted
    co_owners = min(int(sold * 0.3), max(0, total - owners_wanted))

    def customer_rows():
        for k in range(total):
            cid = first_cid + k
            if k in home_project:
                project_id = home_project[k]
            elif co_owner_start <= k < co_owner_start + co_owners:
                project_id = units[k - co_owner_start][1]
            else:
                project_id = estate.projects[k % len(estate.projects)].pk
            name = BENCH_360_NAME if k == 0 else _name(rng)
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 50 * 365))
            id_type = id_number = None
            id_hash = id_masked = ""
            if k % 100 == 1:  # ~1 % with an encrypted ID number, unique by birth date
                birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=k // 100)
                id_type, raw = "resident_id", resident_id(rng, birth)
                id_number = _encrypt(raw)
                id_hash, id_masked = pii_hash(raw), mask_id_number(raw)
            yield (
                cid, now, now, city_of_project[project_id], project_id, name, rng.choice("MF"),
                birth, id_type or "", id_number, id_hash, id_masked, "中国", "", "", "", "", "",
                "phone", rng.choice(("walk_in", "referral", "club", "online", "advertising", "")),
                "", 1,
            )  # fmt: skip

    writer.write(
        Customer,
        [
            "id",
            "created_at",
            "updated_at",
            "city_company_id",
            "registered_project_id",
            "name",
            "gender",
            "birth_date",
            "id_type",
            "id_number",
            "id_number_hash",
            "id_number_masked",
            "nationality",
            "employer",
            "education",
            "address",
            "email",
            "wechat_openid",
            "preferred_channel",
            "acquisition_channel",
            "notes",
            "version",
        ],  # fmt: skip
        customer_rows(),
        total,
    )

    def phone_rows():
        pid = next_id(CustomerPhone)
        for k in range(total):
            cid = first_cid + k
            for extra in range(2 if k % 5 == 0 else 1):
                number = (
                    PHONE_PREFIXES[(k + extra) % len(PHONE_PREFIXES)]
                    + f"{(cid * 7919 + extra * 4999) % 10**8:08d}"
                )
                yield pid, cid, number, number[-4:], extra == 0, "" if extra == 0 else "备用"
                pid += 1

    writer.write(
        CustomerPhone,
        ["id", "customer_id", "number", "last4", "is_primary", "label"],
        phone_rows(),
        total + total // 5,
    )

    def contract_and_household():
        contracts, members = [], []
        cid_ = next_id(Contract)
        hid = next_id(HouseholdMember)
        for i in range(sold):
            unit_id, project_id, _code = units[i]
            owner = ownership.unit_owner[unit_id]
            launch = estate.project_launch[project_id]
            signed = min(launch + datetime.timedelta(days=rng.randrange(0, 900)), today)
            promised = signed + datetime.timedelta(days=rng.randrange(365, 3 * 365))
            handed = promised + datetime.timedelta(days=rng.randrange(-60, 90))
            handed = handed if handed <= today and handed >= signed else None
            if handed:
                ownership.handed_units.append(i)
            contracts.append((
                cid_, now, now, unit_id, owner, f"HT-B{cid_:08d}", "active",
                signed - datetime.timedelta(days=rng.randrange(1, 30)), signed,
                Decimal(rng.randrange(80, 900)) * 10000, promised, handed, "", 1,
            ))  # fmt: skip
            cid_ += 1
            members.append((hid, now, now, unit_id, owner, "owner", handed or signed, project_id))
            hid += 1
            if i < co_owners:
                co_owner = first_cid + co_owner_start + i
                members.append((hid, now, now, unit_id, co_owner, "co_owner", signed, project_id))
                hid += 1
        return contracts, members

    contracts, members = contract_and_household()
    writer.write(
        Contract,
        [
            "id",
            "created_at",
            "updated_at",
            "unit_id",
            "primary_buyer_id",
            "number",
            "status",
            "subscribed_on",
            "signed_on",
            "price",
            "contractual_handover_on",
            "handed_over_on",
            "commitments",
            "version",
        ],  # fmt: skip
        contracts,
        len(contracts),
    )
    writer.write(
        HouseholdMember,
        ["id", "created_at", "updated_at", "unit_id", "customer_id", "role", "since", "project_id"],
        members,
        len(members),
    )
    return ownership
