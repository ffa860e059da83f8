"""Questionnaires and campaigns in the API: read templates; create, edit, preview, send and close
campaigns; a campaign's results (surveys.selectors.results)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IF_MATCH, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from customers.models import RfmSegment, ValueClass
from properties.models import Building, CityCompany, Project

from ..forms.results import ResultFilterForm
from ..models import Campaign, Question, Segment, SurveyTemplate, SurveyTemplateVersion, Trigger
from ..selectors.results import campaign_results
from ..selectors.targeting import campaign_preview
from ..services import campaigns as campaign_services
from ._common import MayViewSurveys, QuestionSerializer


class TemplateVersionSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyTemplateVersion
        fields = ["id", "number", "is_frozen", "created_at", "questions"]
        read_only_fields = fields


class TemplateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    versions = TemplateVersionSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyTemplate
        fields = ["id", "code", "name", "trigger", "delay_hours", "is_active", "versions"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Survey questionnaires with their versions and questions")),
    retrieve=extend_schema(summary=_("One questionnaire with its versions and questions")),
)
class TemplateViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires are edited in the admin; the API reads them (a sent version never changes)."""

    serializer_class = TemplateSerializer
    permission_classes = [MayViewSurveys]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        questions = Question.objects.order_by("position", "id")
        versions = SurveyTemplateVersion.objects.order_by("-number").prefetch_related(
            Prefetch("questions", queryset=questions)
        )
        return SurveyTemplate.objects.prefetch_related(Prefetch("versions", queryset=versions))


CAMPAIGN_READ_FIELDS = [
    "id",
    "name",
    "template_version",
    "kind",
    "status",
    "segments",
    "value_classes",
    "rfm_segments",
    "city_company",
    "project",
    "building",
    "sample_percent",
    "sample_per_segment",
    "sample_seed",
    "exclude_surveyed_days",
    "remind_after_days",
    "max_reminders",
    "expires_at",
    "send_total",
    "send_done",
    "send_started_at",
    "send_finished_at",
    "version",
    "created_at",
]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = CAMPAIGN_READ_FIELDS
        read_only_fields = fields


class CampaignWriteSerializer(serializers.Serializer):
    """A draft's fields (surveys.services.campaigns.CAMPAIGN_FIELDS); places resolve in the user's scope."""

    name = serializers.CharField(max_length=100)
    template_version = serializers.PrimaryKeyRelatedField(
        queryset=SurveyTemplateVersion.objects.filter(template__trigger=Trigger.CAMPAIGN).select_related(
            "template"
        )
    )
    segments = serializers.ListField(
        child=serializers.ChoiceField(choices=Segment.choices), required=False, default=list, max_length=4
    )
    value_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=ValueClass.choices),
        required=False,
        default=list,
        max_length=len(ValueClass.values),
        help_text=_("Only owners of these club value classes (ABC); empty: any."),
    )
    rfm_segments = serializers.ListField(
        child=serializers.ChoiceField(choices=RfmSegment.choices),
        required=False,
        default=list,
        max_length=len(RfmSegment.values),
        help_text=_("Only owners of these RFM segments; empty: any."),
    )
    city_company = ScopedPrimaryKeyRelatedField(
        queryset=CityCompany.objects.all(), required=False, allow_null=True
    )
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    building = ScopedPrimaryKeyRelatedField(queryset=Building.objects.all(), required=False, allow_null=True)
    sample_percent = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    sample_per_segment = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sample_seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, default=1)
    exclude_surveyed_days = serializers.IntegerField(min_value=0, max_value=3650, required=False, default=90)
    remind_after_days = serializers.IntegerField(min_value=1, max_value=60, required=False, default=3)
    max_reminders = serializers.IntegerField(min_value=0, max_value=10, required=False, default=2)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, min_value=1, write_only=True)


class CampaignVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)


class SegmentPreviewSerializer(serializers.Serializer):
    segment = serializers.CharField()
    label = serializers.CharField()
    eligible = serializers.IntegerField()
    excluded = serializers.DictField(child=serializers.IntegerField())
    to_send = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    segments = SegmentPreviewSerializer(many=True)
    total = SegmentPreviewSerializer()


class EstimateSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text=_("How many answers or respondents it is computed from."))
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text=_("The 95 percent interval (Wilson for shares)."))
    high = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    reached = serializers.IntegerField()
    completed = serializers.IntegerField()
    response_rate = EstimateSerializer()
    satisfaction = EstimateSerializer(help_text=_("Top-2-box share of the overall question (1–5)."))
    recommend = EstimateSerializer(help_text=_("Promoters (9–10) minus detractors (0–6), in points."))
    l3 = EstimateSerializer(
        help_text=_("Share of respondents at the top of overall, repurchase and recommend.")
    )
    dimensions = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    def get_dimensions(self, figures) -> list[dict]:
        return [
            {"dimension": d.dimension, "mean": d.mean.as_json(), "top_box": d.top_box.as_json()}
            for d in figures.dimensions
        ]

    def get_questions(self, figures) -> list[dict]:
        return [
            {
                "code": q.question.code,
                "dimension": q.question.dimension,
                "n": q.n,
                "mean": q.mean.as_json() if q.mean else None,
                "top_box": q.top_box.as_json() if q.top_box else None,
                "recommend": q.recommend.as_json() if q.recommend else None,
                "options": [{"value": o.value, "share": o.share.as_json()} for o in q.options],
            }
            for q in figures.questions
        ]


class ResultsSerializer(serializers.Serializer):
    current = FiguresSerializer()
    previous_campaign = serializers.IntegerField(source="previous_campaign.pk", allow_null=True, default=None)
    previous = FiguresSerializer(allow_null=True)
    follow_ups = serializers.SerializerMethodField()

    def get_follow_ups(self, results) -> dict:
        counts = results.follow_ups
        return {"open": counts.open, "overdue": counts.overdue, "closed": counts.closed}


@extend_schema_view(
    list=extend_schema(summary=_("Survey campaigns in scope")),
    retrieve=extend_schema(summary=_("One campaign; ETag carries the version")),
    create=extend_schema(summary=_("Create a draft campaign"), request=CampaignWriteSerializer),
    partial_update=extend_schema(
        summary=_("Edit a draft campaign (send its version)"),
        request=CampaignWriteSerializer,
        parameters=[IF_MATCH],
    ),
)
class CampaignViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CampaignSerializer
    permission_classes = [MayViewSurveys]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["status", "kind", "city_company", "project"]

    def get_queryset(self):
        return Campaign.objects.visible_to(self.request.user).select_related("template_version")

    def retrieve(self, request, *args, **kwargs):
        campaign = self.get_object()
        return self.with_etag(Response(CampaignSerializer(campaign).data), campaign)

    def create(self, request, *args, **kwargs):
        serializer = CampaignWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        campaign = campaign_services.campaign_create(by=request.user, **fields)
        return self.with_etag(
            Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED), campaign
        )

    def partial_update(self, request, *args, **kwargs):
        campaign = self.get_object()
        serializer = CampaignWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        # The service checks the whole draft: what the request leaves out keeps its current value.
        current = {name: getattr(campaign, name) for name in campaign_services.CAMPAIGN_FIELDS}
        campaign = campaign_services.campaign_update(
            by=request.user, campaign=campaign, expected_version=version, **{**current, **fields}
        )
        return self.with_etag(Response(CampaignSerializer(campaign).data), campaign)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def _act(self, request, service) -> Response:
        campaign = self.get_object()
        serializer = CampaignVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = self.expected_version(dict(serializer.validated_data))
        campaign = service(by=request.user, campaign=campaign, expected_version=version)
        return self.with_etag(Response(CampaignSerializer(campaign).data), campaign)

    @extend_schema(
        summary=_("Start sending a draft (a background job; progress in send_done / send_total)"),
        request=CampaignVersionSerializer,
        parameters=[IF_MATCH],
        responses={200: CampaignSerializer},
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._act(request, campaign_services.campaign_send)

    @extend_schema(
        summary=_("Close a campaign: no more answers or reminders"),
        request=CampaignVersionSerializer,
        parameters=[IF_MATCH],
        responses={200: CampaignSerializer},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, campaign_services.campaign_close)

    @extend_schema(
        summary=_("Counts per segment: eligible, excluded by reason, to be sent"),
        responses={200: PreviewSerializer},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        preview = campaign_preview(self.get_object())
        return Response(PreviewSerializer({"segments": preview.segments, "total": preview.total}).data)

    @extend_schema(
        summary=_("Results: response rate, satisfaction, recommend score, L3, by dimension and question"),
        parameters=[],
        responses={200: ResultsSerializer},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Filtered like the results page (?segment=&city_company=&project=&dimension=), only the
        answers in the user's scope, each figure with its count and 95 % interval."""
        campaign = self.get_object()
        form = ResultFilterForm(request.query_params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(form.errors)
        filters = form.filters() if form.is_bound else None
        results = campaign_results(user=request.user, campaign=campaign, filters=filters)
        return Response(ResultsSerializer(results).data)
