"""What the rectification API shares: the permission, the contractor field, the defect as shown."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers

from accounts.models import Contractor
from core.api import MAX_ID

from ...deadlines import defect_deadline_state
from ...models import Defect, DefectEvent, DefectPhoto
from ...services import rectification as services


class RectificationPermission(permissions.BasePermission):
    """Reads follow the scope; a write needs the role `services.may(user, action)` allows.

    On a detail action the role is checked after the object is found, so a row outside the
    scope answers 404 whatever the role.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return self._may(user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or self._may(request.user, view)

    @staticmethod
    def _may(user, view) -> bool:
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return needed is not None and services.may(user, needed)


class ActiveContractorField(serializers.PrimaryKeyRelatedField):
    """A contractor reference; ids beyond a bigint are unknown ids, never a database error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contractor.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.isdigit() and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


DEADLINE_HELP = _("on_time, warning, overdue; stopped once the contractor is done (or the defect cancelled).")

DEFECT_FIELDS = [
    "id",
    "number",
    "project",
    "project_name",
    "unit",
    "unit_code",
    "building",
    "handover",
    "room",
    "location",
    "trade",
    "severity",
    "description",
    "contractor",
    "contractor_name",
    "order",
    "order_number",
    "status",
    "found_at",
    "due_at",
    "deadline_state",
    "rework_count",
    "fixed_at",
    "verified_at",
    "accepted_at",
    "after_handover",
    "complaint",
    "version",
    "created_at",
    "updated_at",
]


class DefectSerializer(serializers.ModelSerializer):
    """A row of the list, with the rectification deadline's badge state."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    building = serializers.IntegerField(source="unit.building_id", read_only=True)
    contractor_name = serializers.CharField(
        source="contractor.name", read_only=True, default=None, allow_null=True
    )
    order_number = serializers.CharField(source="order.number", read_only=True, default=None, allow_null=True)
    deadline_state = serializers.SerializerMethodField(help_text=DEADLINE_HELP)

    class Meta:
        model = Defect
        fields = DEFECT_FIELDS
        read_only_fields = fields

    def get_deadline_state(self, defect) -> str:
        return defect_deadline_state(defect)


class DefectPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = DefectPhoto
        fields = ["id", "image", "stage", "content_type", "size", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class DefectEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.StringRelatedField(source="actor", allow_null=True)

    class Meta:
        model = DefectEvent
        fields = ["id", "kind", "note", "actor", "actor_name", "data", "created_at"]
        read_only_fields = fields


class DefectDetailSerializer(DefectSerializer):
    """The defect page: photos by stage, the timeline, the escalation level and the linked complaint."""

    photos = DefectPhotoSerializer(many=True, read_only=True)
    events = DefectEventSerializer(many=True, read_only=True)
    complaint_number = serializers.CharField(
        source="complaint.number", read_only=True, default=None, allow_null=True
    )

    class Meta(DefectSerializer.Meta):
        fields = [
            *DEFECT_FIELDS,
            "inspection",
            "pin_x",
            "pin_y",
            "reported_by",
            "verified_by",
            "escalation_level",
            "complaint_number",
            "photos",
            "events",
        ]
        read_only_fields = fields


PHOTO_HELP = _("JPEG, PNG or WebP (multipart/form-data), 10 MB each, at most 10.")


def _photos(required: bool) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        required=required,
        min_length=1 if required else 0,
        max_length=10,
        default=list if not required else serializers.empty,
        help_text=PHOTO_HELP,
    )
