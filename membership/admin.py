"""The club in the admin: the ledger and redemptions are read-only (written only by the services)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Member, PointsEntry, Redemption


class _ByMemberScope:
    def get_queryset(self, request):
        members = Member.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(member_id__in=members)


@admin.register(PointsEntry)
class PointsEntryAdmin(_ByMemberScope, ReadOnlyAdmin):
    """Append-only: a correction is an adjustment entry written through the member's page."""

    list_display = ("member", "kind", "points", "reason", "source", "actor", "created_at", "expires_on")
    list_filter = ("kind",)
    search_fields = ("member__number", "source")
    list_select_related = ("member", "actor")
    show_full_result_count = False


@admin.register(Redemption)
class RedemptionAdmin(_ByMemberScope, ReadOnlyAdmin):
    list_display = ("code", "benefit", "member", "redeemed_at", "redeemed_by")
    search_fields = ("code", "member__number")
    list_select_related = ("benefit", "member", "redeemed_by")
    show_full_result_count = False
