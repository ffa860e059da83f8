"""Club members on the audit trail (core.audit): their details as staff correct them, the link to their
customer record, leaving the club. Points and tiers have their own ledger and rule (not here)."""

from core.audit import register_audited_model
from core.masking import mask_id_number, mask_phone

from .models import Member
from .permissions import may_view_club
from .services.enrolment import EDITABLE_FIELDS


def register() -> None:
    register_audited_model(
        Member,
        fields=(*EDITABLE_FIELDS, "phone", "city_company", "project", "customer", "link_status", "left_at"),
        personal={"id_number": mask_id_number, "phone": mask_phone},
        may_view=may_view_club,
    )
