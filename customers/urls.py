from django.urls import path

from . import import_views, privacy_views, views

app_name = "customers"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("customers/", views.customer_list, name="list"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/import/", import_views.customer_import, name="import"),
    path("customers/import/<int:pk>/", import_views.import_job_detail, name="import-job"),
    path("customers/import/<int:pk>/status/", import_views.import_job_status, name="import-job-status"),
    path("customers/import/<int:pk>/confirm/", import_views.import_job_confirm, name="import-job-confirm"),
    path("customers/import/<int:pk>/cancel/", import_views.import_job_cancel, name="import-job-cancel"),
    path("customers/link/", views.household_link, name="link"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/reveal/", views.customer_reveal, name="reveal"),
    path("customers/<int:pk>/merge/<int:duplicate_pk>/", views.customer_merge, name="merge"),
    path("customers/<int:pk>/consent/", privacy_views.consent_record, name="consent"),
    path("customers/<int:pk>/subject-export/", privacy_views.subject_export, name="subject-export"),
    path("customers/<int:pk>/anonymise/", privacy_views.anonymise, name="anonymise"),
    path("customers/<int:pk>/household/add/", views.household_member_add, name="household-add"),
    path("customers/<int:pk>/contracts/add/", views.contract_create, name="contract-add"),
    path(
        "customers/<int:pk>/household/<int:member_pk>/remove/",
        views.household_member_remove,
        name="household-remove",
    ),
]
