"""Survey answers on the audit trail (core.audit), kept on their invitation: each save of the owner's
page, its autosave or an agent's interview that changes an answer writes one entry, "answer:<question
code>" old → new, with the invitation's own status and mode. The send job's bulk status moves (sent,
unreachable) are the job's, not anyone's edit: left out."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_audited_model

from .models import Invitation
from .permissions import may_view_surveys


def register() -> None:
    register_audited_model(
        Invitation,
        fields=("status", "mode", "interviewer"),
        extra={"answer": _("Answer to")},
        may_view=may_view_surveys,
    )
