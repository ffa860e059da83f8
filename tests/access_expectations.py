"""The access matrix: what each user gets from a GET of every route (tests/test_access_matrix.py).

A route is named by its URL name ("complaints:detail", "complaint-list"), or by its path when it
has none. Its row reads the status of each column, in the order of COLUMNS:

    200    the page or the answer
    login  a redirect to the login page (a page's anonymous visitor)
    401    the API's anonymous caller (token or session authentication refused)
    403    signed in, but the role may not (a page says so; the API refuses)
    404    the record is not in the user's scope (or the user's own record is someone else's)
    405    the route takes no GET (a POST-only action)
    302    a redirect elsewhere (a page that sends the user on)

The "other_city" column is a city head of the second city company sent to the first city's records:
every route that names a record answers them 404 (or 405 before the record is read). A new route
fails the test until it has a row here.
"""

from __future__ import annotations

COLUMNS = (
    "group_admin",
    "city_head",
    "cs_supervisor",
    "cs_agent",
    "delivery_engineer",
    "department_staff",
    "contractor",
    "readonly_manager",
    "auditor",
    "anonymous",
    "other_city",
)

# Routes the matrix does not walk, by path prefix, each with its reason.
SKIPPED = {
    "admin/": "Django's admin: is_staff and each role's model permissions (accounts.roles), tested in "
    "tests/*/test_admin.py",
    "media/": "uploaded files: each upload folder's own rule (the owning record's scope), tested in "
    "tests/delivery/test_media.py",
}

# How a URL's parameters are filled, by the route's path up to the parameter ("{pk}" style). A word
# is a seeded record of the user's city (its pk); "token:…" one of the city's public tokens;
# "=…" a literal; "number:…" a record's number.
PARAMETERS = {
    # the estate and customers
    "api/v1/city-companies/{pk}": "city_company",
    "api/v1/projects/{pk}": "project",
    "api/v1/phases/{pk}": "phase",
    "api/v1/buildings/{pk}": "building",
    "api/v1/units/{pk}": "unit",
    "api/v1/customers/{pk}": "customer",
    "api/v1/household-members/{pk}": "household_member",
    "api/v1/contracts/{pk}": "contract",
    "property/projects/{pk}": "project",
    "property/buildings/{pk}": "building",
    "property/units/{pk}": "unit",
    "customers/{pk}": "customer",
    "customers/{pk}/household/{member_pk}": "household_member",
    "customers/{pk}/merge/{duplicate_pk}": "duplicate",
    "customers/import/{pk}": "import_job",
    "exports/job/{pk}": "export_job",
    "exports/{name}": "=customers",
    "notifications/{pk}": "notification",
    "account/tokens/{pk}": "=1",
    "history/{label}": "=complaints.complaint",
    "history/{label}/{pk}": "complaint",
    "api/v1/notifications/{pk}": "notification",
    # complaints
    "api/v1/complaint-categories/{pk}": "category",
    "api/v1/sla-policies/{pk}": "sla_policy",
    "api/v1/complaints/{pk}": "complaint",
    "api/v1/work-orders/{pk}": "work_order",
    "api/v1/group-cases/{pk}": "group_case",
    "api/v1/improvement-items/{pk}": "improvement",
    "complaints/{pk}": "complaint",
    "complaints/{pk}/{action}": "=respond",
    "complaints/work-orders/{pk}": "work_order",
    "complaints/work-orders/{pk}/{action}": "=accept",
    "complaints/group-cases/{pk}": "group_case",
    "complaints/group-cases/{pk}/{action}": "=owner",
    "complaints/improvements/{pk}": "improvement",
    "public/mine/{number}": "number:complaint",
    # handover
    "api/v1/handover-batches/{pk}": "batch",
    "api/v1/readiness-items/{pk}": "readiness_item",
    "api/v1/appointments/{pk}": "appointment",
    "api/v1/handovers/{pk}": "handover",
    "api/v1/inspections/{pk}": "inspection",
    "api/v1/checklist-templates/{pk}": "checklist_template",
    "api/v1/handover-sign-offs/{pk}": "signed_handover",
    "api/v1/defects/{pk}": "defect",
    "api/v1/rectification-orders/{pk}": "rectification_order",
    "handover/batches/{pk}": "batch",
    "handover/batches/{pk}/readiness/{item_pk}": "readiness_item",
    "handover/batches/{pk}/slots/{slot_pk}": "slot",
    "handover/batches/{pk}/units/{handover_pk}": "handover",
    "handover/appointments/{pk}": "appointment",
    "handover/appointments/{pk}/{action}": "=cancel",
    "handover/book/{token}": "token:booking",
    "handover/handovers/{pk}": "handover",
    "handover/handovers/{pk}/reinspection/{defect_pk}": "defect",
    "handover/handovers/{pk}/reinspection/{defect_pk}/{decision}": "=accept",
    "handover/inspections/{pk}": "inspection",
    "handover/defects/{pk}": "defect",
    "handover/defects/{pk}/{action}": "=issue",
    "handover/orders/{pk}": "rectification_order",
    # surveys
    "api/v1/public/surveys/{token}": "token:survey",
    "api/v1/survey-templates/{pk}": "survey_template",
    "api/v1/survey-campaigns/{pk}": "campaign",
    "api/v1/survey-responses/{pk}": "invitation",
    "api/v1/survey-follow-ups/{pk}": "follow_up",
    "surveys/campaigns/{pk}": "campaign",
    "surveys/campaigns/{pk}/questions/{question_pk}": "question",
    "surveys/invitations/{pk}": "invitation",
    "surveys/follow-ups/{pk}": "follow_up",
    "s/{token}": "token:survey",
    # the club
    "api/v1/members/{pk}": "member",
    "api/v1/events/{pk}": "event",
    "api/v1/points-entries/{pk}": "points_entry",
    "api/v1/benefits/{pk}": "benefit",
    "club/benefits/{pk}": "benefit",
    "club/care/{pk}": "care_task",
    "club/care/{pk}/{outcome}": "=done",
    "club/events/{pk}": "event",
    "club/events/{pk}/registrations/{registration_pk}": "registration",
    "club/members/review/{pk}": "member",
    "club/members/{pk}": "member",
    "club/intent/{project_pk}": "upcoming_project",
    "club/e/{token}": "token:event_invite",
    "club/r/{token}": "token:registration",
    "club/unsubscribe/{token}": "token:unsubscribe",
    # the lifecycle
    "api/v1/customers/{pk}/timeline": "customer",
    "api/v1/touchpoint-plans/{pk}": "touchpoint_plan",
    "api/v1/touchpoints/{pk}": "touchpoint",
    "api/v1/commitments/{pk}": "commitment",
    "api/v1/red-line-items/{pk}": "red_line",
    "api/v1/disclosures/{pk}": "disclosure",
    "api/v1/risk-checkpoints/{pk}": "checkpoint",
    "api/v1/construction-news/{pk}": "news",
    "lifecycle/touchpoints/{pk}": "touchpoint",
    "lifecycle/commitments/{pk}": "commitment",
    "lifecycle/contracts/{pk}": "contract",
    "lifecycle/customers/{pk}": "customer",
    "lifecycle/projects/{pk}": "project",
    "lifecycle/projects/{pk}/four-year/{item_pk}": "renovation",
    "lifecycle/projects/{pk}/four-year/links/{link_pk}": "representative_link",
    "lifecycle/projects/{pk}/news/{news_pk}": "news",
    "lifecycle/projects/{pk}/news/{news_pk}/photos/{photo_pk}": "news_photo",
    "lifecycle/projects/{pk}/risk/red-line/{item_pk}": "red_line",
    "lifecycle/projects/{pk}/risk/checkpoints/{checkpoint_pk}": "checkpoint",
    "lifecycle/projects/{pk}/risk/actions/{action_pk}": "risk_action",
    "four-year/{token}": "token:four_year",
    # the dashboards' metrics
    "api/v1/metrics/{key}": "=complaints.received",
    "api/v1/metrics/breakdowns/{key}": "=estate.customers_by_stage",
}

# The query string of a route that reads nothing without one, filled like PARAMETERS.
QUERIES = {
    "complaints:duplicates": {"customer": "customer", "unit": "unit", "category": "category"},
}

# The kind of record an API list returns, for the lists with no detail route to name it.
LIST_KINDS = {
    "api/v1/referrals/": "referral",
    "api/v1/purchase-intentions/": "intention",
    "api/v1/appointment-slots/": "slot",
}

# The pages of owners and the public (no staff scope: a token, a phone code or the form is the
# credential). They answer every column alike, and show what the link's owner may see whoever follows
# it, so the out-of-scope check does not apply.
PUBLIC = {
    "healthz",
    "login",
    "set_language",
    "survey-public",
    "delivery:owner-book",
    "public:submit",
    "public:code",
    "public:submitted",
    "public:track",
    "public:mine",
    "public:mine_code",
    "public:mine_confirm",
    "public:mine_sign_out",
    "public:mine_case",
    "survey_public:answer",
    "survey_public:save",
    "survey_public:thanks",
    "survey_public:opt_out",
    "club_public:intent",
    "club_public:intent_done",
    "club_public:invite",
    "club_public:registration",
    "club_public:join",
    "club_public:joined",
    "club_public:unsubscribe",
    "lifecycle_public:representative",
}

# Route → one status per column, in COLUMNS' order (the header's abbreviations).
MATRIX = """
# route                                   admin head  sup   agent eng   dept  contr mgr   aud   anon  other

# --- the kernel: health, language, the API schema and its docs
healthz                                   200   200   200   200   200   200   200   200   200   200   200
# /metrics answers Prometheus only: its token or an allowed address (neither is set here)
metrics                                   404   404   404   404   404   404   404   404   404   404   404
set_language                              302   302   302   302   302   302   302   302   302   302   302

# --- logging in and one's own account (accounts): the code step asks for a password step first;
# two-factor is offered to the roles of TWO_FACTOR_ROLES (the group admin and city heads).
login-code                                login login login login login login login login login login login
account                                   200   200   200   200   200   200   200   200   200   login 200
password-change                           200   200   200   200   200   200   200   200   200   login 200
api-tokens                                200   200   200   200   200   200   200   200   200   login 200
api-token-revoke                          405   405   405   405   405   405   405   405   405   login 405
two-factor                                200   200   403   403   403   403   403   403   403   login 200
two-factor-off                            405   405   405   405   405   405   405   405   405   login 405
# The personal-data access log: the privacy auditor and the group administrator (PIPL).
accounts:access-log                       200   403   403   403   403   403   403   403   200   login 403

# --- the API (token): lists and details are read; an action answers GET with 405
# The schema is for any signed-in user (the docs page too); the API refuses the anonymous with 401.
api-schema                                200   200   200   200   200   200   200   200   200   401   200
api-docs                                  200   200   200   200   200   200   200   200   200   login 200
survey-public                             200   200   200   200   200   200   200   200   200   200   200
# Department staff and contractors see no customers (README, Who sees what).
customer-timeline                         200   200   200   200   200   403   403   200   403   401   404
# The dashboards and their figures: supervisors, city heads, read-only managers and the group.
metric-list                               200   200   200   403   403   403   403   200   403   401   200
metric-breakdown-list                     200   200   200   403   403   403   403   200   403   401   200
metric-breakdown-detail                   200   200   200   403   403   403   403   200   403   401   200
metric-detail                             200   200   200   403   403   403   403   200   403   401   200
city-company-list                         200   200   200   200   200   200   200   200   200   401   200
city-company-detail                       200   200   200   200   200   200   200   200   404   401   404
project-list                              200   200   200   200   200   200   200   200   200   401   200
project-detail                            200   200   200   200   200   200   200   200   404   401   404
phase-list                                200   200   200   200   200   200   200   200   200   401   200
phase-detail                              200   200   200   200   200   200   200   200   404   401   404
building-list                             200   200   200   200   200   200   200   200   200   401   200
building-detail                           200   200   200   200   200   200   200   200   404   401   404
unit-list                                 200   200   200   200   200   200   200   200   200   401   200
unit-detail                               200   200   200   200   200   200   200   200   404   401   404
customer-list                             200   200   200   200   200   403   403   200   403   401   200
customer-detail                           200   200   200   200   200   403   403   200   403   401   404
customer-merge                            405   405   405   405   405   403   403   405   403   401   405
customer-reveal                           405   405   405   405   405   403   403   405   403   401   405
household-member-list                     200   200   200   200   200   403   403   200   403   401   200
household-member-link                     405   405   405   405   405   403   403   405   403   401   405
household-member-detail                   200   200   200   200   200   403   403   200   403   401   404
contract-list                             200   200   200   200   200   403   403   200   403   401   200
contract-detail                           200   200   200   200   200   403   403   200   403   401   404
complaint-category-list                   200   200   200   200   200   200   200   200   200   401   200
complaint-category-detail                 200   200   200   200   200   200   200   200   200   401   200
sla-policy-list                           200   200   200   200   200   200   200   200   200   401   200
sla-policy-detail                         200   200   200   200   200   200   200   200   200   401   200
complaint-list                            200   200   200   200   200   200   200   200   200   401   200
complaint-detail                          200   200   200   200   200   200   200   200   404   401   404
complaint-agree-plan                      405   405   405   405   405   405   405   405   405   401   405
complaint-close                           405   405   405   405   405   405   405   405   405   401   405
complaint-dispatch-to                     405   405   405   405   405   405   405   405   405   401   405
complaint-join-group-case                 405   405   405   405   405   405   405   405   405   401   405
complaint-link-customer                   405   405   405   405   405   405   405   405   405   401   405
complaint-major-report                    405   405   405   405   405   405   405   405   405   401   405
complaint-notes                           405   405   405   405   405   405   405   405   405   401   405
complaint-pause                           405   405   405   405   405   405   405   405   405   401   405
complaint-reclassify                      405   405   405   405   405   405   405   405   405   401   405
complaint-reopen                          405   405   405   405   405   405   405   405   405   401   405
complaint-resolve                         405   405   405   405   405   405   405   405   405   401   405
complaint-respond                         405   405   405   405   405   405   405   405   405   401   405
complaint-resume                          405   405   405   405   405   405   405   405   405   401   405
complaint-return-visit                    405   405   405   405   405   405   405   405   405   401   405
complaint-work-orders                     405   405   405   405   405   405   405   405   405   401   405
work-order-list                           200   200   200   200   200   200   200   200   200   401   200
work-order-detail                         200   200   200   200   200   200   200   200   404   401   404
work-order-accept                         405   405   405   405   405   405   405   405   405   401   405
work-order-complete                       405   405   405   405   405   405   405   405   405   401   405
work-order-progress                       405   405   405   405   405   405   405   405   405   401   405
notification-list                         200   200   200   200   200   200   200   200   200   401   200
notification-mark-all-read                405   405   405   405   405   405   405   405   405   401   405
# A notification is its recipient's (the first city's supervisor) and nobody else's, the group admin's neither.
notification-detail                       404   404   200   404   404   404   404   404   404   401   404
notification-mark-read                    405   405   405   405   405   405   405   405   405   401   405
# The API reads improvement items for everyone but contractors (its `readers`); the page is for the
# roles that raise them and the read-only managers (complaints:improvements).
improvement-item-list                     200   200   200   200   200   200   403   200   200   401   200
improvement-item-detail                   200   200   200   200   200   200   403   200   404   401   404
improvement-item-set-status               405   405   405   405   405   405   403   405   405   401   405
group-case-list                           200   200   200   200   200   200   403   200   200   401   200
group-case-detail                         200   200   200   200   200   200   403   200   404   401   404
group-case-agree-plan                     405   405   405   405   405   405   403   405   405   401   405
group-case-assign-owner                   405   405   405   405   405   405   403   405   405   401   405
group-case-clear-crisis                   405   405   405   405   405   405   403   405   405   401   405
group-case-close                          405   405   405   405   405   405   403   405   405   401   405
group-case-flag-crisis                    405   405   405   405   405   405   403   405   405   401   405
group-case-reopen                         405   405   405   405   405   405   403   405   405   401   405
group-case-report                         405   405   405   405   405   405   403   405   405   401   405
group-case-resolve                        405   405   405   405   405   405   403   405   405   401   405
group-case-write-to-owners                405   405   405   405   405   405   403   405   405   401   405
member-list                               200   200   200   200   403   403   403   200   403   401   200
member-detail                             200   200   200   200   403   403   403   200   403   401   404
referral-list                             200   200   200   200   403   403   403   200   403   401   200
purchase-intention-list                   200   200   200   200   403   403   403   200   403   401   200
purchase-intention-counts                 200   200   200   200   403   403   403   200   403   401   200
event-list                                200   200   200   200   403   403   403   200   403   401   200
event-detail                              200   200   200   200   403   403   403   200   403   401   404
event-cancel                              405   405   405   405   403   403   403   405   403   401   405
event-check-in                            405   405   405   405   403   403   403   405   403   401   405
event-register                            405   405   405   405   403   403   403   405   403   401   405
event-registrations                       200   200   200   200   403   403   403   200   403   401   404
points-entry-list                         200   200   200   200   403   403   403   200   403   401   200
points-entry-detail                       200   200   200   200   403   403   403   200   403   401   404
benefit-list                              200   200   200   200   403   403   403   200   403   401   200
# A city company's benefit or campaign is seen by the users of that city company (city heads, the
# managers); project-scoped staff see the group's and their projects' (visible_to).
benefit-detail                            200   200   404   404   403   403   403   200   403   401   404
benefit-redeem                            405   405   405   405   403   403   403   405   403   401   405
# The handover desk: nothing for department staff and contractors, but their own company's defects and
# rectification orders (a contractor); the API's lists follow the scope (an empty list), the pages refuse.
handover-batch-list                       200   200   200   200   200   403   403   200   403   401   200
handover-batch-detail                     200   200   200   200   200   403   403   200   403   401   404
handover-batch-close                      405   405   405   405   405   403   403   405   403   401   405
handover-batch-open                       405   405   405   405   405   403   403   405   403   401   405
readiness-item-list                       200   200   200   200   200   403   403   200   403   401   200
readiness-item-detail                     200   200   200   200   200   403   403   200   403   401   404
appointment-slot-list                     200   200   200   200   200   403   403   200   403   401   200
appointment-list                          200   200   200   200   200   403   403   200   403   401   200
appointment-detail                        200   200   200   200   200   403   403   200   403   401   404
appointment-advance                       405   405   405   405   405   403   403   405   403   401   405
appointment-cancel                        405   405   405   405   405   403   403   405   403   401   405
appointment-no-show                       405   405   405   405   405   403   403   405   403   401   405
appointment-reschedule                    405   405   405   405   405   403   403   405   403   401   405
handover-list                             200   200   200   200   200   403   403   200   403   401   200
handover-detail                           200   200   200   200   200   403   403   200   403   401   404
inspection-list                           200   200   200   200   200   403   403   200   403   401   200
inspection-detail                         200   200   200   200   200   403   403   200   403   401   404
inspection-checks                         405   405   405   405   405   403   403   405   403   401   405
inspection-complete                       405   405   405   405   405   403   403   405   403   401   405
checklist-template-list                   200   200   200   200   200   403   403   200   403   401   200
checklist-template-detail                 200   200   200   200   200   403   403   200   403   401   200
handover-sign-off-list                    200   200   200   200   200   403   403   200   403   401   200
handover-sign-off-detail                  200   200   200   200   200   403   403   200   403   401   404
defect-list                               200   200   200   200   200   200   200   200   200   401   200
defect-detail                             200   200   200   200   200   404   200   200   404   401   404
defect-cancel                             405   405   405   405   405   405   405   405   405   401   405
defect-correct                            405   405   405   405   405   405   405   405   405   401   405
defect-fixed                              405   405   405   405   405   405   405   405   405   401   405
defect-owner-accept                       405   405   405   405   405   405   405   405   405   401   405
defect-owner-reject                       405   405   405   405   405   405   405   405   405   401   405
defect-photos                             405   405   405   405   405   405   405   405   405   401   405
defect-reject                             405   405   405   405   405   405   405   405   405   401   405
defect-to-complaint                       405   405   405   405   405   405   405   405   405   401   405
defect-verify                             405   405   405   405   405   405   405   405   405   401   405
rectification-order-list                  200   200   200   200   200   200   200   200   200   401   200
rectification-order-issue                 405   405   405   405   405   405   405   405   405   401   405
rectification-order-detail                200   200   200   200   200   404   200   200   404   401   404
survey-template-list                      200   200   200   200   403   403   403   200   403   401   200
survey-template-detail                    200   200   200   200   403   403   403   200   403   401   200
survey-campaign-list                      200   200   200   200   403   403   403   200   403   401   200
survey-campaign-detail                    200   200   404   404   403   403   403   200   403   401   404
survey-campaign-close                     405   405   405   405   403   403   403   405   403   401   405
survey-campaign-preview                   200   200   404   404   403   403   403   200   403   401   404
survey-campaign-results                   200   200   404   404   403   403   403   200   403   401   404
survey-campaign-send                      405   405   405   405   403   403   403   405   403   401   405
survey-response-list                      200   200   200   200   403   403   403   200   403   401   200
survey-response-detail                    200   200   200   200   403   403   403   200   403   401   404
survey-follow-up-list                     200   200   200   200   403   403   403   200   403   401   200
survey-follow-up-detail                   200   200   200   200   403   403   403   200   403   401   404
survey-follow-up-raise-complaint          405   405   405   405   403   403   403   405   403   401   405
survey-follow-up-record                   405   405   405   405   403   403   403   405   403   401   405
touchpoint-plan-list                      200   200   200   200   200   403   403   200   403   401   200
touchpoint-plan-detail                    200   200   200   200   200   403   403   200   403   401   200
touchpoint-list                           200   200   200   200   200   403   403   200   403   401   200
touchpoint-detail                         200   200   200   200   200   403   403   200   403   401   404
touchpoint-complete                       405   405   405   405   405   403   403   405   403   401   405
commitment-list                           200   200   200   200   200   403   403   200   403   401   200
commitment-detail                         200   200   200   200   200   403   403   200   403   401   404
commitment-settle                         405   405   405   405   405   403   403   405   403   401   405
red-line-item-list                        200   200   200   200   200   403   403   200   403   401   200
red-line-item-detail                      200   200   200   200   200   403   403   200   403   401   404
disclosure-list                           200   200   200   200   200   403   403   200   403   401   200
disclosure-detail                         200   200   200   200   200   403   403   200   403   401   404
disclosure-acknowledge                    405   405   405   405   405   403   403   405   403   401   405
risk-checkpoint-list                      200   200   200   200   200   403   403   200   403   401   200
risk-checkpoint-detail                    200   200   200   200   200   403   403   200   403   401   404
risk-checkpoint-add-action                405   405   405   405   405   403   403   405   403   401   405
construction-news-list                    200   200   200   200   200   403   403   200   403   401   200
construction-news-detail                  200   200   200   200   200   403   403   200   403   401   404
api-root                                  200   200   200   200   200   200   200   200   200   401   200

# --- the home page, the dashboards, login
# The home page is every signed-in user's work queue.
home                                      200   200   200   200   200   200   200   200   200   login 200
dashboards                                200   200   200   403   403   403   403   200   403   login 200
dashboards:recount                        405   405   405   405   405   405   405   405   405   login 405
dashboards:export                         200   200   200   403   403   403   403   200   403   login 200
dashboards:report                         200   200   200   403   403   403   403   200   403   login 200
dashboards:report-pdf                     200   200   200   403   403   403   403   200   403   login 200
login                                     200   200   200   200   200   200   200   200   200   200   200
logout                                    405   405   405   405   405   405   405   405   405   405   405

# --- customers
customers:search                          200   200   200   200   200   403   403   200   403   login 200
customers:list                            200   200   200   200   200   403   403   200   403   login 200
customers:create                          200   200   200   200   403   403   403   403   403   login 200
customers:import                          200   200   200   200   403   403   403   403   403   login 200
# An import or export job is its uploader's (the first city's head): the group admin's neither.
customers:import-job                      404   200   404   404   403   403   403   403   403   login 404
customers:import-job-status               404   200   404   404   403   403   403   403   403   login 404
customers:import-job-confirm              405   405   405   405   405   405   405   405   405   login 405
customers:import-job-cancel               405   405   405   405   405   405   405   405   405   login 405
customers:link                            200   200   200   403   403   403   403   403   403   login 200
customers:detail                          200   200   200   200   200   403   403   200   403   login 404
customers:edit                            200   200   200   200   403   403   403   403   403   login 404
customers:reveal                          405   405   405   405   405   405   405   405   405   login 405
# The privacy section's posts (PIPL): the services check the role and the scope (tests/customers).
customers:consent                         405   405   405   405   405   405   405   405   405   login 405
customers:subject-export                  405   405   405   405   405   405   405   405   405   login 405
customers:anonymise                       405   405   405   405   405   405   405   405   405   login 405
customers:merge                           200   200   200   403   403   403   403   403   403   login 404
customers:household-add                   405   405   405   405   405   405   405   405   405   login 405
customers:contract-add                    405   405   405   405   405   405   405   405   405   login 405
customers:household-remove                405   405   405   405   405   405   405   405   405   login 405

# --- the property browser
properties:project-list                   200   200   200   200   200   200   200   200   200   login 200
properties:project-detail                 200   200   200   200   200   200   200   200   404   login 404
properties:building-detail                200   200   200   200   200   200   200   200   404   login 404
properties:unit-detail                    200   200   200   200   200   200   200   200   404   login 404

# --- complaints
complaints:board                          200   200   200   200   200   200   200   200   200   login 200
complaints:bulk-assign                    405   405   405   405   405   405   405   405   405   login 405
# Recording complaints: agents and above, not the read-only managers.
complaints:hotline                        200   200   200   200   403   403   403   403   403   login 200
complaints:create                         302   302   302   302   403   403   403   403   403   login 302
complaints:duplicates                     200   200   200   200   200   404   404   200   404   login 404
complaints:detail                         200   200   200   200   200   200   200   200   404   login 404
# A record's history (the audit trail) answers as the record's own page does.
audit:history                             200   200   200   200   200   200   200   200   404   login 404
complaints:action                         405   405   405   405   405   405   405   405   405   login 405
complaints:work-orders                    200   200   200   200   200   200   200   200   200   login 200
complaints:work-order                     200   200   200   200   200   200   200   200   404   login 404
complaints:work-order-action              405   405   405   405   405   405   405   405   405   login 405
complaints:supervisor                     200   200   200   403   403   403   403   200   403   login 200
complaints:group-cases                    200   200   200   200   200   200   403   200   200   login 200
complaints:group-case-create              405   405   405   405   405   405   405   405   405   login 405
complaints:group-case                     200   200   200   200   200   200   404   200   404   login 404
complaints:group-case-action              405   405   405   405   405   405   405   405   405   login 405
complaints:improvements                   200   200   200   403   403   200   403   200   403   login 200
complaints:improvement-from-selection     405   405   405   405   405   405   405   405   405   login 405
complaints:improvement-status             405   405   405   405   405   405   405   405   405   login 405

# --- the handover desk
delivery:batch-list                       200   200   200   200   200   403   403   200   403   login 200
delivery:batch-create                     200   200   200   403   200   403   403   403   403   login 200
delivery:batch-detail                     200   200   200   200   200   403   403   200   403   login 404
delivery:batch-edit                       200   200   200   403   200   403   403   403   403   login 404
delivery:batch-open                       405   405   405   405   405   405   405   405   405   login 405
delivery:batch-close                      405   405   405   405   405   405   405   405   405   login 405
delivery:batch-units                      405   405   405   405   405   405   405   405   405   login 405
delivery:batch-unit-remove                405   405   405   405   405   405   405   405   405   login 405
delivery:batch-unit-send-link             405   405   405   405   405   405   405   405   405   login 405
delivery:readiness-add                    405   405   405   405   405   405   405   405   405   login 405
delivery:readiness-update                 405   405   405   405   405   405   405   405   405   login 405
delivery:slot-create                      405   405   405   405   405   405   405   405   405   login 405
delivery:slots-generate                   405   405   405   405   405   405   405   405   405   login 405
delivery:slot-delete                      405   405   405   405   405   405   405   405   405   login 405
delivery:book                             200   200   200   200   200   403   403   403   403   login 404
delivery:queue                            200   200   200   200   200   403   403   200   403   login 404
delivery:queue-screen                     200   200   200   200   200   403   403   200   403   login 404
delivery:appointment-action               405   405   405   405   405   405   405   405   405   login 405
delivery:owner-book                       200   200   200   200   200   200   200   200   200   200   200
delivery:handover-detail                  200   200   200   200   200   403   403   200   403   login 404
delivery:inspection-start                 405   405   405   405   405   405   405   405   405   login 405
delivery:sign-off                         200   200   200   200   200   403   403   200   403   login 404
delivery:inspection                       200   200   200   200   200   403   403   200   404   login 404
delivery:inspection-check                 405   405   405   405   405   405   405   405   405   login 405
delivery:inspection-defect                405   405   405   405   405   405   405   405   405   login 405
delivery:inspection-complete              405   405   405   405   405   405   405   405   405   login 405
delivery:defect-list                      200   200   200   200   200   403   200   200   200   login 200
delivery:formal-inspection-list           200   200   200   200   200   403   403   200   403   login 200
delivery:defect-export                    200   200   200   200   200   403   200   200   200   login 200
delivery:defect-detail                    200   200   200   200   200   404   200   200   404   login 404
delivery:defect-action                    405   405   405   405   405   405   405   405   405   login 405
delivery:order-list                       200   200   200   200   200   403   200   200   200   login 200
delivery:orders-issue                     405   405   405   405   405   405   405   405   405   login 405
delivery:order-detail                     200   200   200   200   200   404   200   200   404   login 404
# The owner's re-inspection and an after-handover defect are writes: not for read-only managers.
delivery:reinspection                     200   200   200   200   200   404   404   403   404   login 404
delivery:reinspection-decide              405   405   405   405   405   405   405   405   405   login 405
delivery:unit-report                      200   200   200   200   200   404   404   200   404   login 404
delivery:after-handover-defect            200   200   200   200   200   404   404   403   404   login 404
delivery:stats                            200   200   200   200   200   403   403   200   200   login 200
delivery:stats-improvement                405   405   405   405   405   405   405   405   405   login 405

# --- surveys
surveys:campaigns                         200   200   200   200   403   403   403   200   403   login 200
surveys:responses                         200   200   200   200   403   403   403   200   403   login 200
surveys:campaign_create                   200   200   200   403   403   403   403   403   403   login 200
surveys:campaign                          200   200   404   404   403   403   403   200   403   login 404
surveys:campaign_edit                     200   200   404   404   403   403   403   403   403   login 404
surveys:campaign_send                     405   405   405   405   405   405   405   405   405   login 405
surveys:campaign_close                    405   405   405   405   405   405   405   405   405   login 405
surveys:campaign_progress                 200   200   404   404   403   403   403   200   403   login 404
surveys:results                           200   200   404   404   403   403   403   200   403   login 404
surveys:verbatims                         200   200   404   404   403   403   403   200   403   login 404
surveys:interview                         200   200   200   200   403   403   403   403   403   login 404
surveys:follow_ups                        200   200   200   200   403   403   403   200   403   login 200
surveys:follow_up                         200   200   200   200   403   403   403   200   403   login 404
surveys:follow_up_record                  405   405   405   405   405   405   405   405   405   login 405
surveys:follow_up_raise_complaint         405   405   405   405   405   405   405   405   405   login 405

# --- the club
club:referrals                            200   200   200   200   403   403   403   200   403   login 200
club:referral_buyers                      200   200   200   200   403   403   403   200   403   login 200
club:referral_list                        200   200   200   200   403   403   403   200   403   login 200
club:referral_new                         200   200   200   200   403   403   403   403   403   login 200
club:intentions                           200   200   200   200   403   403   403   200   403   login 200
club:intention_new                        200   200   200   200   403   403   403   403   403   login 200
club:events                               200   200   200   200   403   403   403   200   403   login 200
club:event_new                            200   200   200   403   403   403   403   403   403   login 200
club:event                                200   200   200   200   403   403   403   200   403   login 404
club:event_edit                           200   200   200   403   403   403   403   403   403   login 404
club:event_register                       405   405   405   405   405   405   405   405   405   login 405
club:event_invite                         405   405   405   405   405   405   405   405   405   login 405
club:event_invitations                    405   405   405   405   405   405   405   405   405   login 405
club:event_invitations_progress           200   200   200   200   403   403   403   200   403   login 404
club:registration_cancel                  405   405   405   405   405   405   405   405   405   login 405
club:check_in                             200   200   200   200   403   403   403   403   403   login 404
club:sign_in_sheet                        200   200   200   200   403   403   403   200   403   login 404
club:benefits                             200   200   200   200   403   403   403   200   403   login 200
club:benefit_create                       200   200   200   403   403   403   403   403   403   login 200
club:benefit_redeem                       405   405   405   405   405   405   405   405   405   login 405
club:benefit                              200   200   404   404   403   403   403   200   403   login 404
club:benefit_edit                         200   200   404   403   403   403   403   403   403   login 404
club:points_adjust                        405   405   405   405   405   405   405   405   405   login 405
club:care_tasks                           200   200   200   200   403   403   403   200   403   login 200
club:care_task_close                      405   405   405   405   405   405   405   405   405   login 405
club:members                              200   200   200   200   403   403   403   200   403   login 200
club:enrol                                200   200   200   200   403   403   403   403   403   login 200
club:link_review                          200   200   200   403   403   403   403   403   403   login 200
club:link_review_decide                   405   405   405   405   405   405   405   405   405   login 405
club:member                               200   200   200   200   403   403   403   200   403   login 404
club:member_edit                          200   200   200   200   403   403   403   403   403   login 404
club:member_consent                       405   405   405   405   405   405   405   405   405   login 405
club:member_reveal                        405   405   405   405   405   405   405   405   405   login 405

# --- the 6+2 lifecycle
lifecycle:my_touchpoints                  200   200   200   200   200   403   403   403   403   login 200
lifecycle:touchpoint_record               405   405   405   405   405   405   405   405   405   login 405
lifecycle:touchpoint_rates                200   200   200   403   403   403   403   200   403   login 200
lifecycle:touchpoint_list                 200   200   200   403   403   403   403   200   403   login 200
lifecycle:project_commitments             200   200   200   200   200   403   403   200   403   login 404
lifecycle:contract_commitments            200   200   200   200   200   403   403   200   403   login 404
lifecycle:commitment_settle               405   405   405   405   405   405   405   405   405   login 405
lifecycle:project_risk                    200   200   200   200   200   403   403   200   403   login 404
lifecycle:project_renovation              200   200   200   200   200   403   403   200   403   login 404
lifecycle:renovation_add                  405   405   405   405   405   405   405   405   405   login 405
lifecycle:renovation_update               405   405   405   405   405   405   405   405   405   login 405
lifecycle:link_add                        405   405   405   405   405   405   405   405   405   login 405
lifecycle:link_revoke                     405   405   405   405   405   405   405   405   405   login 405
lifecycle:projects                        200   200   200   200   200   403   403   200   403   login 200
lifecycle:red_line_add                    405   405   405   405   405   405   405   405   405   login 405
lifecycle:red_line_edit                   200   200   200   403   403   403   403   403   403   login 404
lifecycle:red_line_photo_add              405   405   405   405   405   405   405   405   405   login 405
lifecycle:disclosure_publish              405   405   405   405   405   405   405   405   405   login 405
lifecycle:acknowledgement_add             405   405   405   405   405   405   405   405   405   login 405
lifecycle:checkpoint_add                  405   405   405   405   405   405   405   405   405   login 405
lifecycle:checkpoint_edit                 200   200   200   403   403   403   403   403   403   login 404
lifecycle:action_add                      405   405   405   405   405   405   405   405   405   login 405
lifecycle:action_update                   405   405   405   405   405   405   405   405   405   login 405
lifecycle:customer_timeline               200   200   200   200   200   403   403   200   403   login 404
lifecycle:news_index                      200   200   200   200   200   403   403   200   403   login 200
lifecycle:news_list                       200   200   200   200   200   403   403   200   403   login 404
lifecycle:news_add                        200   200   200   403   403   403   403   403   403   login 404
lifecycle:news_detail                     200   200   200   200   200   403   403   200   403   login 404
lifecycle:news_edit                       200   200   200   403   403   403   403   403   403   login 404
lifecycle:news_send                       405   405   405   405   405   405   405   405   405   login 405
lifecycle:news_progress                   200   200   200   200   200   403   403   200   403   login 404
lifecycle:news_photo_remove               405   405   405   405   405   405   405   405   405   login 405

# --- exports
# The city head's own export (the download: a finished workbook); started from a list (?name=customers).
exports:job                               404   200   404   404   404   404   404   404   404   login 404
exports:job-status                        404   200   404   404   404   404   404   404   404   login 404
exports:job-download                      404   200   404   404   404   404   404   404   404   login 404
exports:start                             200   200   200   200   200   403   403   200   403   login 200

# --- notifications (the supervisor's own)
notifications:list                        200   200   200   200   200   200   200   200   200   login 200
notifications:read                        405   405   405   405   405   405   405   405   405   login 405
notifications:read-all                    405   405   405   405   405   405   405   405   405   login 405

# --- public pages (no login): the complaint form, an owner's cases
# The public complaint form lists every project of the group (the owner picks theirs).
public:submit                             200   200   200   200   200   200   200   200   200   200   200
public:code                               405   405   405   405   405   405   405   405   405   405   405
public:submitted                          302   302   302   302   302   302   302   302   302   302   302
public:track                              200   200   200   200   200   200   200   200   200   200   200
public:mine                               200   200   200   200   200   200   200   200   200   200   200
public:mine_code                          405   405   405   405   405   405   405   405   405   405   405
public:mine_confirm                       302   302   302   302   302   302   302   302   302   302   302
public:mine_sign_out                      405   405   405   405   405   405   405   405   405   405   405
public:mine_case                          302   302   302   302   302   302   302   302   302   302   302

# --- public pages: the owner's survey
survey_public:answer                      200   200   200   200   200   200   200   200   200   200   200
survey_public:save                        405   405   405   405   405   405   405   405   405   405   405
survey_public:thanks                      200   200   200   200   200   200   200   200   200   200   200
survey_public:opt_out                     200   200   200   200   200   200   200   200   200   200   200

# --- public pages of the club: the purchase-intention form, a member's links
club_public:intent                        200   200   200   200   200   200   200   200   200   200   200
club_public:intent_done                   200   200   200   200   200   200   200   200   200   200   200
club_public:invite                        302   302   302   302   302   302   302   302   302   302   302
club_public:registration                  200   200   200   200   200   200   200   200   200   200   200
club_public:join                          200   200   200   200   200   200   200   200   200   200   200
club_public:joined                        200   200   200   200   200   200   200   200   200   200   200
club_public:unsubscribe                   200   200   200   200   200   200   200   200   200   200   200

# --- public pages: the owners' representatives' four-year page
lifecycle_public:representative           200   200   200   200   200   200   200   200   200   200   200
"""


def _rows(matrix: str) -> dict[str, str]:
    rows = {}
    for line in matrix.splitlines():
        if line.strip() and not line.startswith("#"):
            key, statuses = line.split(maxsplit=1)
            assert key not in rows, f"two rows for {key}"
            rows[key] = statuses
    return rows


EXPECTED = _rows(MATRIX)
