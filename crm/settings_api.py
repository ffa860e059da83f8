"""The REST API (Django REST framework) and its OpenAPI schema (drf-spectacular): authentication,
strict filters and parsers, pagination, the schema's postprocessing (core.openapi) and the names of
its enums. Part of the one settings module (crm/settings.py imports everything here).
"""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Filters refuse invalid or empty values (400) instead of ignoring them (core.api_filters).
    "DEFAULT_FILTER_BACKENDS": ["core.api_filters.StrictFilterBackend"],
    # JSON text with control characters is refused (core.parsers); forms: UnreadableInputMiddleware.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.ControlCharacterRejectingJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TIME_INPUT_FORMATS": ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"],  # what the schema's pattern says
    "DEFAULT_PAGINATION_CLASS": "core.api.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.CrmAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "客户关系中心 CRM API",
    "DESCRIPTION": "REST API v1 of the customer relations centre: property, customers, households, contracts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs describe every endpoint and field: for logged-in staff only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENFORCE_NON_BLANK_FIELDS": True,  # minLength 1 where a text field may not be blank
    # Error answers, If-Match required, JSON bodies, no control characters, times (core.openapi).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.postprocess_schema",
    ],
    # Several models have a `status` (and a department) with their own choices: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "customers.models.Contract.Status",
        "ComplaintStatusEnum": "complaints.models.Status",
        "WorkOrderStatusEnum": "complaints.models.WorkOrder.Status",
        "ImprovementItemStatusEnum": "complaints.models.ImprovementItem.Status",
        "GroupCaseStatusEnum": "complaints.models.GroupCase.Status",
        "DepartmentEnum": "accounts.models.Department",
        "StaffRoleEnum": "accounts.models.Role",
        "ComplaintSeverityEnum": "complaints.models.Severity",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "DefectSeverityEnum": "delivery.models.DefectSeverity",
        "DefectStatusEnum": "delivery.models.Defect.Status",
        "RectificationOrderStatusEnum": "delivery.models.RectificationOrder.Status",
        "DefectPhotoStageEnum": "delivery.models.DefectPhoto.Stage",
        "DefectEventKindEnum": "delivery.models.DefectEvent.Kind",
        "RoomTypeEnum": "delivery.models.RoomType",
        "AppointmentChannelEnum": "delivery.models.Appointment.Channel",
        "AppointmentStatusEnum": "delivery.models.Appointment.Status",
        "HandoverBatchStatusEnum": "delivery.models.HandoverBatch.Status",
        "HandoverStatusEnum": "delivery.models.Handover.Status",
        "ReadinessItemStatusEnum": "delivery.models.ReadinessItem.Status",
        "ReadinessItemKindEnum": "delivery.models.ReadinessItem.Kind",
        "InspectionKindEnum": "delivery.models.Inspection.Kind",
        "InspectionStatusEnum": "delivery.models.Inspection.Status",
        "SurveySegmentEnum": "surveys.models.Segment",
        "HouseholdRoleEnum": "customers.models.HouseholdRole",
        "SurveyQuestionRoleEnum": "surveys.models.QuestionRole",
        "FollowUpStatusEnum": "surveys.models.FollowUp.Status",
        "CampaignStatusEnum": "surveys.models.Campaign.Status",
        "InvitationStatusEnum": "surveys.models.Invitation.Status",
        "EnrolmentChannelEnum": "membership.models.EnrolmentChannel",
        "ClubEventStatusEnum": "membership.models.Event.Status",
        "ClubEventKindEnum": "membership.models.Event.Kind",
        "RegistrationStatusEnum": "membership.models.Registration.Status",
        "ReferralStatusEnum": "membership.models.Referral.Status",
        "PointsEntryKindEnum": "membership.models.PointsEntry.Kind",
        "BenefitKindEnum": "membership.models.Benefit.Kind",
        "RedLineItemKindEnum": "lifecycle.models.RedLineItem.Kind",
        "RiskCheckpointKindEnum": "lifecycle.models.RiskCheckpoint.Kind",
        "CommitmentStatusEnum": "lifecycle.models.Commitment.Status",
        "DashboardLevelEnum": "dashboards.api.serializers.LEVEL_CHOICES",
        "MetricUnitEnum": "dashboards.api.serializers.UNIT_CHOICES",
    },
}
