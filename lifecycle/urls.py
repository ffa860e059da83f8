"""Staff pages of the 6+2 lifecycle, under /lifecycle/ (namespace `lifecycle`)."""

from django.urls import path

from .views import commitments, news, projects, renovation, risk, risk_edit, timeline, touchpoints

app_name = "lifecycle"

urlpatterns = [
    path("touchpoints/", touchpoints.my_touchpoints_view, name="my_touchpoints"),
    path("touchpoints/<int:pk>/record/", touchpoints.touchpoint_record_view, name="touchpoint_record"),
    path("touchpoints/rates/", touchpoints.touchpoint_rates_view, name="touchpoint_rates"),
    path("touchpoints/all/", touchpoints.touchpoint_list_view, name="touchpoint_list"),
    # --- registers: commitments, risk ---
    path("projects/<int:pk>/commitments/", commitments.project_commitments, name="project_commitments"),
    path("contracts/<int:pk>/commitments/", commitments.contract_commitments, name="contract_commitments"),
    path("commitments/<int:pk>/settle/", commitments.commitment_settle, name="commitment_settle"),
    path("projects/<int:pk>/risk/", risk.project_risk, name="project_risk"),
    path("projects/<int:pk>/four-year/", renovation.project_renovation, name="project_renovation"),
    path("projects/<int:pk>/four-year/add/", renovation.renovation_add, name="renovation_add"),
    path(
        "projects/<int:pk>/four-year/<int:item_pk>/", renovation.renovation_update, name="renovation_update"
    ),
    path("projects/<int:pk>/four-year/links/", renovation.representative_link_add, name="link_add"),
    path(
        "projects/<int:pk>/four-year/links/<int:link_pk>/revoke/",
        renovation.representative_link_revoke,
        name="link_revoke",
    ),
    # --- the risk page's writes, and the index of projects ---
    path("projects/", projects.project_index, name="projects"),
    path("projects/<int:pk>/risk/red-line/add/", risk_edit.red_line_add, name="red_line_add"),
    path("projects/<int:pk>/risk/red-line/<int:item_pk>/", risk_edit.red_line_edit, name="red_line_edit"),
    path(
        "projects/<int:pk>/risk/red-line/<int:item_pk>/photos/",
        risk_edit.red_line_photo_add,
        name="red_line_photo_add",
    ),
    path("projects/<int:pk>/risk/disclosures/", risk_edit.disclosure_publish, name="disclosure_publish"),
    path(
        "projects/<int:pk>/risk/acknowledgements/", risk_edit.acknowledgement_add, name="acknowledgement_add"
    ),
    path("projects/<int:pk>/risk/checkpoints/add/", risk_edit.checkpoint_add, name="checkpoint_add"),
    path(
        "projects/<int:pk>/risk/checkpoints/<int:checkpoint_pk>/",
        risk_edit.checkpoint_edit,
        name="checkpoint_edit",
    ),
    path(
        "projects/<int:pk>/risk/checkpoints/<int:checkpoint_pk>/actions/",
        risk_edit.action_add,
        name="action_add",
    ),
    path("projects/<int:pk>/risk/actions/<int:action_pk>/", risk_edit.action_update, name="action_update"),
    # --- the owner timeline ---
    path("customers/<int:pk>/timeline/", timeline.customer_timeline_page, name="customer_timeline"),
    # --- construction news (施工进度) ---
    path("news/", news.news_index, name="news_index"),
    path("projects/<int:pk>/news/", news.news_list, name="news_list"),
    path("projects/<int:pk>/news/add/", news.news_add, name="news_add"),
    path("projects/<int:pk>/news/<int:news_pk>/", news.news_detail, name="news_detail"),
    path("projects/<int:pk>/news/<int:news_pk>/edit/", news.news_edit, name="news_edit"),
    path("projects/<int:pk>/news/<int:news_pk>/send/", news.news_send, name="news_send"),
    path("projects/<int:pk>/news/<int:news_pk>/progress/", news.news_progress, name="news_progress"),
    path(
        "projects/<int:pk>/news/<int:news_pk>/photos/<int:photo_pk>/remove/",
        news.news_photo_remove,
        name="news_photo_remove",
    ),
]
