"""Rectification pages: the defect list and page with its actions, rectification orders (the
contractor's home), the owner's re-inspection (复验), the printable unit report, the Excel export
and the statistics. Thin: reads through delivery.selectors.rectification, writes through
delivery.services.rectification.

One module per part: defects (the list, the page and its actions), orders, reinspection, reports
(unit report, export, statistics, owners' reports after handover); _common holds what they share.
The URL map is below, as `urlpatterns`.
"""

from django.urls import path

from .defects import defect_action, defect_detail, defect_list
from .orders import order_detail, order_list, orders_issue
from .reinspection import reinspection, reinspection_decide
from .reports import after_handover_defect, defect_export, stats, stats_improvement, unit_report

urlpatterns = [
    path("defects/", defect_list, name="defect-list"),
    path("defects/export/", defect_export, name="defect-export"),
    path("defects/<int:pk>/", defect_detail, name="defect-detail"),
    path("defects/<int:pk>/<slug:action>/", defect_action, name="defect-action"),
    path("orders/", order_list, name="order-list"),
    path("orders/issue/", orders_issue, name="orders-issue"),
    path("orders/<int:pk>/", order_detail, name="order-detail"),
    path("handovers/<int:pk>/reinspection/", reinspection, name="reinspection"),
    path(
        "handovers/<int:pk>/reinspection/<int:defect_pk>/<slug:decision>/",
        reinspection_decide,
        name="reinspection-decide",
    ),
    path("handovers/<int:pk>/report/", unit_report, name="unit-report"),
    path("handovers/<int:pk>/owner-defect/", after_handover_defect, name="after-handover-defect"),
    path("defect-stats/", stats, name="stats"),
    path("defect-stats/improvement/", stats_improvement, name="stats-improvement"),
]
