"""Planning pages of the handover module (交付), mounted at /handover/: the batch list (the module's
home), batch create/edit and page (readiness, units, slots), booking, the staff queue, the site
screen, and the owner's public booking page. Thin: reads through delivery.selectors.planning,
writes through delivery.services.planning.

Scope first (404), then role (403) for writes; contractors and department staff see none of it.

One module per part: batches (the list, create and edit, the batch page with its readiness
checklist, units and slots), booking (booking and changing appointments), queue (the day's queue
and the site screen), owner (the public booking link); _common holds what they share. The URL map
is below, as `urlpatterns`.
"""

from django.urls import path

from .batches import (
    batch_close,
    batch_create,
    batch_detail,
    batch_edit,
    batch_list,
    batch_open,
    readiness_add,
    readiness_update,
    slot_create,
    slot_delete,
    slots_generate,
    unit_remove,
    units_add,
)
from .booking import appointment_action, book, booking_link_send
from .owner import owner_book
from .queue import queue, queue_screen

urlpatterns = [
    path("", batch_list, name="batch-list"),
    path("batches/new/", batch_create, name="batch-create"),
    path("batches/<int:pk>/", batch_detail, name="batch-detail"),
    path("batches/<int:pk>/edit/", batch_edit, name="batch-edit"),
    path("batches/<int:pk>/open/", batch_open, name="batch-open"),
    path("batches/<int:pk>/close/", batch_close, name="batch-close"),
    path("batches/<int:pk>/units/", units_add, name="batch-units"),
    path("batches/<int:pk>/units/<int:handover_pk>/remove/", unit_remove, name="batch-unit-remove"),
    path(
        "batches/<int:pk>/units/<int:handover_pk>/send-link/", booking_link_send, name="batch-unit-send-link"
    ),
    path("batches/<int:pk>/readiness/", readiness_add, name="readiness-add"),
    path("batches/<int:pk>/readiness/<int:item_pk>/", readiness_update, name="readiness-update"),
    path("batches/<int:pk>/slots/", slot_create, name="slot-create"),
    path("batches/<int:pk>/slots/generate/", slots_generate, name="slots-generate"),
    path("batches/<int:pk>/slots/<int:slot_pk>/delete/", slot_delete, name="slot-delete"),
    path("batches/<int:pk>/book/", book, name="book"),
    path("batches/<int:pk>/queue/", queue, name="queue"),
    path("batches/<int:pk>/queue/screen/", queue_screen, name="queue-screen"),
    path("appointments/<int:pk>/<slug:action>/", appointment_action, name="appointment-action"),
    path("book/<uuid:token>/", owner_book, name="owner-book"),
]
