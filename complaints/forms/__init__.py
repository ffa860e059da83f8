"""Forms of the complaint desk, one module per part of the work. They parse and check input; every write
goes through complaints.services.

board (the SLA board's filters and bulk assignment), intake (hotline, new complaint), path (the actions
on a complaint), group_cases (group cases and improvement items), work_orders; _common holds the
choices, the fast select and the versioned form they share. This package re-exports them all, so
`forms.DispatchForm` works as before the split.
"""

from ._common import BLANK, FastSelect, VersionedForm, category_choices, colleagues
from .board import BoardFilterForm, BulkAssignForm
from .group_cases import (
    CaseCloseForm,
    CaseCrisisClearForm,
    CaseCrisisForm,
    CaseMessageForm,
    CaseOwnerForm,
    CasePlanForm,
    CaseReopenForm,
    CaseReportForm,
    CaseResolveForm,
    GroupCaseFilterForm,
    GroupCaseForm,
    GroupCaseJoinForm,
    ImprovementFilterForm,
    ImprovementForm,
    ImprovementListForm,
    ImprovementStatusForm,
)
from .intake import ComplaintForm, HotlineSearchForm, MultipleFileField, MultipleFileInput
from .path import (
    AttachmentForm,
    CloseForm,
    DispatchForm,
    LinkCustomerForm,
    MajorReportForm,
    NoteForm,
    PlanForm,
    ReasonForm,
    ReclassifyForm,
    ResolveForm,
    RespondForm,
    ResumeForm,
    ReturnVisitForm,
    WorkOrderForm,
)
from .work_orders import WorkOrderAcceptForm, WorkOrderNoteForm, local_now_input

__all__ = [
    "BLANK",
    "AttachmentForm",
    "BoardFilterForm",
    "BulkAssignForm",
    "CaseCloseForm",
    "CaseCrisisClearForm",
    "CaseCrisisForm",
    "CaseMessageForm",
    "CaseOwnerForm",
    "CasePlanForm",
    "CaseReopenForm",
    "CaseReportForm",
    "CaseResolveForm",
    "CloseForm",
    "ComplaintForm",
    "DispatchForm",
    "FastSelect",
    "GroupCaseFilterForm",
    "GroupCaseForm",
    "GroupCaseJoinForm",
    "HotlineSearchForm",
    "ImprovementFilterForm",
    "ImprovementForm",
    "ImprovementListForm",
    "ImprovementStatusForm",
    "LinkCustomerForm",
    "MajorReportForm",
    "MultipleFileField",
    "MultipleFileInput",
    "NoteForm",
    "PlanForm",
    "ReasonForm",
    "ReclassifyForm",
    "ResolveForm",
    "RespondForm",
    "ResumeForm",
    "ReturnVisitForm",
    "VersionedForm",
    "WorkOrderAcceptForm",
    "WorkOrderForm",
    "WorkOrderNoteForm",
    "category_choices",
    "colleagues",
    "local_now_input",
]
