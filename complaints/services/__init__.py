"""Every write to complaints, one module per part of the work: intake, the handling path, work orders,
group cases and improvement items, the handling of a group case (case_handling), SLA policies, the public form, attachments, reclassification;
_common holds who may do what and the locking, timeline and notification helpers they share, rules
what must hold of a complaint or a group case for each action (allowed_actions, case_allowed_actions:
what the pages offer).

This package re-exports each public service, so `from complaints.services import complaint_create`
and `services.complaint_create(...)` work as before the split.
"""

from ._common import ACTION_ROLES, CASE_OWNER_ROLES, READ_PAGE_ROLES, TRANSITIONS, may, may_read
from .attachments import MAX_ATTACHMENT_BYTES, attachment_add
from .case_handling import (
    group_case_agree_plan,
    group_case_assign_owner,
    group_case_clear_crisis,
    group_case_close,
    group_case_flag_crisis,
    group_case_message_owners,
    group_case_reopen,
    group_case_report_save,
    group_case_resolve,
)
from .group_cases import (
    complaint_join_group_case,
    group_case_create,
    group_case_link,
    group_case_proposal_settings,
    improvement_item_create,
    improvement_item_set_status,
)
from .intake import CREATE_REFERENCES, complaint_create
from .path import (
    MAX_RETURN_VISIT_ATTEMPTS,
    RESPONSE_METHODS,
    SATISFIED_FROM,
    complaint_add_note,
    complaint_agree_plan,
    complaint_bulk_assign,
    complaint_close,
    complaint_dispatch,
    complaint_pause,
    complaint_reopen,
    complaint_resolve,
    complaint_respond,
    complaint_resume,
    complaint_return_visit,
    major_report_save,
)
from .policies import sla_policy_save
from .public import (
    PUBLIC_CODE_LIFETIME,
    PUBLIC_CODE_MAX_ATTEMPTS,
    complaint_link_customer,
    public_code_check,
    public_code_send,
    public_complaint_submit,
    public_owner_confirm,
)
from .reclassification import complaint_reclassify
from .rules import allowed_actions, case_allowed_actions
from .work_orders import work_order_accept, work_order_complete, work_order_create, work_order_progress

__all__ = [
    "ACTION_ROLES",
    "CASE_OWNER_ROLES",
    "CREATE_REFERENCES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_RETURN_VISIT_ATTEMPTS",
    "PUBLIC_CODE_LIFETIME",
    "PUBLIC_CODE_MAX_ATTEMPTS",
    "READ_PAGE_ROLES",
    "RESPONSE_METHODS",
    "SATISFIED_FROM",
    "TRANSITIONS",
    "allowed_actions",
    "attachment_add",
    "case_allowed_actions",
    "complaint_add_note",
    "complaint_agree_plan",
    "complaint_bulk_assign",
    "complaint_close",
    "complaint_create",
    "complaint_dispatch",
    "complaint_join_group_case",
    "complaint_link_customer",
    "complaint_reclassify",
    "complaint_pause",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_respond",
    "complaint_resume",
    "complaint_return_visit",
    "group_case_agree_plan",
    "group_case_assign_owner",
    "group_case_clear_crisis",
    "group_case_close",
    "group_case_create",
    "group_case_flag_crisis",
    "group_case_link",
    "group_case_message_owners",
    "group_case_proposal_settings",
    "group_case_reopen",
    "group_case_report_save",
    "group_case_resolve",
    "improvement_item_create",
    "improvement_item_set_status",
    "major_report_save",
    "may",
    "may_read",
    "public_code_check",
    "public_code_send",
    "public_complaint_submit",
    "public_owner_confirm",
    "sla_policy_save",
    "work_order_accept",
    "work_order_complete",
    "work_order_create",
    "work_order_progress",
]
