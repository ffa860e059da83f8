"""Customers (客户), their phones, households (住户关系) and sales contracts (购房合同).

The lifecycle stage is derived from contracts, never typed in:
prospect 意向客户 → 准业主 (signed, not handed over) → 磨合期 (≤ 1 year in the home)
→ 稳定期 (1–2 years) → 老业主 (> 2 years).

One module per concept: customers (the person, phones, stage, merges), households, contracts and
the import's jobs. Everything is re-exported here: `from customers.models import Customer`.
"""

from core.encryption import pii_hash, pii_hash_candidates

from .contracts import (
    Contract,
    ScopedByUnitQuerySet,
    customers_refresh_contract_dates,
    latest_active_contract,
)
from .customers import (
    CONTRACT_DATE_FIELDS,
    AcquisitionChannel,
    ContactChannel,
    Customer,
    CustomerMerge,
    CustomerPhone,
    CustomerQuerySet,
    Education,
    Gender,
    IdType,
    Stage,
    stage_on,
)
from .households import HouseholdLink, HouseholdMember, HouseholdQuerySet, HouseholdRole
from .imports import ImportJob
from .privacy import (
    CONSENT_NEEDED,
    ConsentChannel,
    ConsentPurpose,
    CustomerAnonymisation,
    CustomerConsent,
)
from .value import CustomerValue, RfmSegment, ValueClass

__all__ = [
    "CONSENT_NEEDED",
    "CONTRACT_DATE_FIELDS",
    "ConsentChannel",
    "ConsentPurpose",
    "CustomerAnonymisation",
    "CustomerConsent",
    "AcquisitionChannel",
    "ContactChannel",
    "Contract",
    "Customer",
    "CustomerValue",
    "RfmSegment",
    "CustomerMerge",
    "CustomerPhone",
    "CustomerQuerySet",
    "Education",
    "Gender",
    "HouseholdLink",
    "HouseholdMember",
    "HouseholdQuerySet",
    "HouseholdRole",
    "IdType",
    "ImportJob",
    "ScopedByUnitQuerySet",
    "Stage",
    "ValueClass",
    "customers_refresh_contract_dates",
    "latest_active_contract",
    "pii_hash",
    "pii_hash_candidates",
    "stage_on",
]
