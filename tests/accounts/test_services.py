import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from accounts.api_tokens import api_token_issue
from accounts.models import Role, User
from accounts.roles import ROLE_PERMISSIONS
from accounts.services import staff_deactivate_departed, staff_set_role
from accounts.tasks import deactivate_departed_staff
from tests.factories import UserFactory

TODAY = datetime.date(2025, 3, 10)


@pytest.fixture
def staff(db):
    return {
        "left_yesterday": UserFactory(employment_ends_on=TODAY - datetime.timedelta(days=1)),
        "leaves_today": UserFactory(employment_ends_on=TODAY),
        "leaves_later": UserFactory(employment_ends_on=TODAY + datetime.timedelta(days=30)),
        "permanent": UserFactory(employment_ends_on=None),
    }


def _active(staff) -> dict[str, bool]:
    return {name: User.objects.get(pk=user.pk).is_active for name, user in staff.items()}


def test_deactivate_departed_disables_only_accounts_past_their_end_date(staff):
    assert staff_deactivate_departed(today=TODAY) == 1

    assert _active(staff) == {
        "left_yesterday": False,
        "leaves_today": True,
        "leaves_later": True,
        "permanent": True,
    }
    assert User.objects.get(pk=staff["left_yesterday"].pk).deactivated_at is not None


def test_deactivate_departed_is_idempotent(staff):
    staff_deactivate_departed(today=TODAY)
    first_stamp = User.objects.get(pk=staff["left_yesterday"].pk).deactivated_at

    assert staff_deactivate_departed(today=TODAY) == 0
    assert User.objects.get(pk=staff["left_yesterday"].pk).deactivated_at == first_stamp
    assert sum(_active(staff).values()) == 3


def test_deactivate_departed_revokes_the_departed_users_api_tokens(staff):
    expires = timezone.now() + datetime.timedelta(days=30)
    departed_token = api_token_issue(user=staff["left_yesterday"], name="bi", expires_at=expires).token
    kept_token = api_token_issue(user=staff["leaves_later"], name="bi", expires_at=expires).token

    staff_deactivate_departed(today=TODAY)

    departed_token.refresh_from_db()
    kept_token.refresh_from_db()
    assert departed_token.revoked_at is not None and departed_token.revoked_by is None
    assert kept_token.revoked_at is None


def test_deactivation_task_disables_the_departed_like_the_service(staff, time_machine):
    time_machine.move_to(datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC))

    assert deactivate_departed_staff.delay().get() == 1  # eager in tests (conftest)
    assert deactivate_departed_staff.delay().get() == 0
    assert _active(staff)["left_yesterday"] is False
    assert _active(staff)["leaves_today"] is True


def test_every_role_has_a_group_with_its_permissions_after_migrate(db):
    for role in Role:
        group = Group.objects.get(name=role.value)
        codenames = set(group.permissions.values_list("codename", flat=True))
        expected = {
            f"{action}_{model}"
            for models in ROLE_PERMISSIONS[role].values()
            for model, actions in models.items()
            for action in actions
        }
        assert codenames == expected, role


def test_role_permissions_follow_the_roles_table(db):
    agent = set(Group.objects.get(name=Role.CS_AGENT).permissions.values_list("codename", flat=True))
    assert {"view_customer", "change_customer", "view_unit"} <= agent
    assert "change_unit" not in agent
    assert "delete_customer" not in agent
    contractor = Group.objects.get(name=Role.CONTRACTOR).permissions.values_list("codename", flat=True)
    assert "view_customer" not in contractor


def test_role_groups_sync_restores_a_tampered_group(db):
    group = Group.objects.get(name=Role.CS_AGENT)
    group.permissions.clear()

    call_command("migrate", verbosity=0)  # post_migrate syncs the groups

    assert group.permissions.filter(codename="change_customer").exists()


def test_set_role_puts_the_user_in_the_roles_group_only(db):
    user = UserFactory(role=Role.CS_AGENT)
    staff_set_role(user=user, role=Role.CS_AGENT)

    staff_set_role(user=user, role=Role.CITY_HEAD)

    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == [Role.CITY_HEAD.value]
    assert user.role == Role.CITY_HEAD
    assert user.is_staff
    assert user.has_perm("customers.change_customer")
    assert not user.has_perm("customers.delete_customer")


def test_set_role_to_an_agent_removes_admin_access(db):
    user = UserFactory(role=Role.CITY_HEAD)
    staff_set_role(user=user, role=Role.CITY_HEAD)

    staff_set_role(user=user, role=Role.CS_AGENT)

    user = User.objects.get(pk=user.pk)
    assert not user.is_staff
    assert not user.has_perm("properties.change_unit")
