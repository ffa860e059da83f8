"""A defect's path as API actions: photos, fixed, verify, reject, the owner's 复验, cancel, correct."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from core.api import IF_MATCH, VERSIONED_RESPONSES

from ...models import DefectPhoto, DefectSeverity, RoomType, Trade
from ...services import rectification as services
from ._common import ActiveContractorField, DefectDetailSerializer, _photos


class DefectVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        write_only=True,
        help_text=_("The version acted on (or an If-Match header)."),
    )


class DefectPhotosInputSerializer(DefectVersionSerializer):
    photos = _photos(required=True)
    stage = serializers.ChoiceField(
        choices=DefectPhoto.Stage.choices,
        default=DefectPhoto.Stage.PROGRESS,
        help_text=_("Contractors: progress only. Staff: found, progress or re-inspection."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DefectFixedInputSerializer(DefectVersionSerializer):
    photos = _photos(required=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DefectNoteInputSerializer(DefectVersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DefectReasonInputSerializer(DefectVersionSerializer):
    reason = serializers.CharField(max_length=2000)


class DefectCorrectInputSerializer(DefectVersionSerializer):
    """Only the fields sent change (services.defect_correct)."""

    room = serializers.ChoiceField(choices=RoomType.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    trade = serializers.ChoiceField(choices=Trade.choices, required=False)
    severity = serializers.ChoiceField(choices=DefectSeverity.choices, required=False)
    description = serializers.CharField(max_length=5000, required=False)
    contractor = ActiveContractorField(required=False, allow_null=True)


class DefectOwnerAcceptInputSerializer(DefectNoteInputSerializer):
    photos = _photos(required=False)


class DefectOwnerRejectInputSerializer(DefectReasonInputSerializer):
    photos = _photos(required=False)


def _action_schema(summary, request, status_code=200, response=None):
    return extend_schema(
        summary=summary,
        request={"multipart/form-data": request, "application/json": request},
        parameters=[IF_MATCH],
        responses={status_code: response or DefectDetailSerializer, **VERSIONED_RESPONSES},
    )


class DefectPathActions:
    """The defect's state changes, as actions of DefectViewSet (which brings `get_object`, `_render`
    and the version handling of VersionedUpdateMixin); each calls one service."""

    def _act(self, request, input_serializer, service, *, versioned=True, status_code=status.HTTP_200_OK):
        """Validate the payload, take the version, call the service, answer with the fresh defect."""
        defect = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if versioned:
            version = self.expected_version(fields)
        else:
            body_version = fields.pop("version", None)
            version = body_version if body_version is not None else self._if_match_version()
        service(defect=defect, by=request.user, expected_version=version, **fields)
        return self._render(defect.pk, status_code)

    @_action_schema(
        _("Add photos: progress (with a note) by the contractor; as found or at re-inspection by staff"),
        DefectPhotosInputSerializer,
        status.HTTP_201_CREATED,
    )
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        return self._act(
            request,
            DefectPhotosInputSerializer,
            services.defect_photos_add,
            versioned=False,
            status_code=status.HTTP_201_CREATED,
        )

    @_action_schema(_("Mark fixed with photos of the result; stops the clock"), DefectFixedInputSerializer)
    @action(detail=True, methods=["post"])
    def fixed(self, request, pk=None):
        return self._act(request, DefectFixedInputSerializer, services.defect_mark_fixed)

    @_action_schema(_("The engineer verifies the fix"), DefectNoteInputSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._act(request, DefectNoteInputSerializer, services.defect_verify)

    @_action_schema(
        _("The engineer rejects the fix: back to the contractor on a fresh clock"),
        DefectReasonInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, DefectReasonInputSerializer, services.defect_reject)

    @_action_schema(
        _("The owner accepts the fix at the re-inspection (复验)"), DefectOwnerAcceptInputSerializer
    )
    @action(detail=True, methods=["post"], url_path="owner-accept")
    def owner_accept(self, request, pk=None):
        return self._act(request, DefectOwnerAcceptInputSerializer, services.defect_owner_accept)

    @_action_schema(
        _("The owner rejects the fix at the re-inspection: back to the contractor"),
        DefectOwnerRejectInputSerializer,
    )
    @action(detail=True, methods=["post"], url_path="owner-reject")
    def owner_reject(self, request, pk=None):
        return self._act(request, DefectOwnerRejectInputSerializer, services.defect_owner_reject)

    @_action_schema(_("Cancel the defect (supervisors), with a reason"), DefectReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, DefectReasonInputSerializer, services.defect_cancel)

    @_action_schema(
        _(
            "Correct what was recorded (room, location, trade, severity, description, contractor) while the "
            "defect is open and in no rectification order; only the fields sent change"
        ),
        DefectCorrectInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        return self._act(request, DefectCorrectInputSerializer, services.defect_correct)

    @extend_schema(
        summary=_("Turn a defect reported after handover into a repair request (报修); idempotent"),
        request=None,
        responses={
            201: DefectDetailSerializer,
            200: OpenApiResponse(DefectDetailSerializer, description=_("Already linked to a complaint.")),
            **{k: VERSIONED_RESPONSES[k] for k in (400, 403, 404)},
        },
    )
    @action(detail=True, methods=["post"], url_path="to-complaint")
    def to_complaint(self, request, pk=None):
        defect = self.get_object()
        existed = defect.complaint_id is not None
        services.defect_to_complaint(by=request.user, defect=defect)
        return self._render(defect.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
