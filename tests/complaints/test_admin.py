"""Complaints in the admin: setup tables editable by the group admin, the rest read-only and scoped."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_set_role
from complaints import sla
from complaints.models import Category, Complaint, SlaAlert, SlaPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _admin_user(role, **assignments):
    return staff_set_role(user=UserFactory(role=role, **assignments), role=role)


@pytest.fixture
def group_admin_user(db):
    return _admin_user(Role.GROUP_ADMIN)


@pytest.fixture
def city_head_admin(city):
    return _admin_user(Role.CITY_HEAD, city_companies=[city])


@pytest.fixture
def other_city_head(other_city):
    return _admin_user(Role.CITY_HEAD, city_companies=[other_city])


def policy_form(**overrides):
    data = {
        "name": "测试 Test",
        "is_active": "on",
        "complaint_type": "",
        "category": "",
        "severity": "",
        "first_response_minutes": 60,
        "plan_minutes": 120,
        "resolution_minutes": 600,
        "time_basis": "clock",
        "warning_percent": 75,
        "escalation_2_after_minutes": 30,
        "escalation_3_after_minutes": 90,
    }
    data.update(overrides)
    return data


def test_group_admin_adds_an_sla_policy_with_every_field(client, group_admin_user, leak):
    client.force_login(group_admin_user)

    response = client.post(reverse("admin:complaints_slapolicy_add"), policy_form(category=leak.pk))

    assert response.status_code == 302
    policy = SlaPolicy.objects.get(name="测试 Test")
    assert (policy.category, policy.first_response_minutes, policy.escalation_3_after_minutes) == (
        leak,
        60,
        90,
    )


def test_an_sla_policy_with_targets_out_of_order_is_a_form_error(client, group_admin_user):
    client.force_login(group_admin_user)

    response = client.post(
        reverse("admin:complaints_slapolicy_add"),
        policy_form(first_response_minutes=900, escalation_2_after_minutes=200),
    )

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors)
    assert "First response and plan must be due before resolution." in errors
    assert "Level 2 must come before level 3." in errors
    assert not SlaPolicy.objects.filter(name="测试 Test").exists()


def test_group_admin_edits_the_category_tree(client, group_admin_user, leak):
    client.force_login(group_admin_user)
    url = reverse("admin:complaints_category_change", args=[leak.pk])

    response = client.post(
        url,
        {
            "parent": leak.parent_id,
            "code": "leak",
            "name": "渗漏水",
            "default_department": "maintenance",
            "sort_order": 0,
        },
    )

    assert response.status_code == 302
    leak.refresh_from_db()
    assert (leak.name, leak.default_department, leak.is_active) == ("渗漏水", "maintenance", False)


def test_group_admin_sets_a_categorys_work_order_hours(client, group_admin_user, leak):
    client.force_login(group_admin_user)
    url = reverse("admin:complaints_category_change", args=[leak.pk])
    form = {"parent": leak.parent_id, "code": "leak", "name": "渗漏", "sort_order": 0, "is_active": "on"}

    assert client.post(url, {**form, "work_order_hours": "12"}).status_code == 302
    assert Category.objects.get(pk=leak.pk).work_order_hours == 12
    assert client.post(url, {**form, "work_order_hours": ""}).status_code == 302  # back to the default
    assert Category.objects.get(pk=leak.pk).work_order_hours is None
    response = client.post(url, {**form, "work_order_hours": "0"})
    assert response.status_code == 200 and "work_order_hours" in response.context["adminform"].form.errors


def test_a_city_head_may_read_but_not_edit_categories_and_policies(client, city_head_admin, leak):
    client.force_login(city_head_admin)

    assert client.get(reverse("admin:complaints_category_changelist")).status_code == 200
    assert client.get(reverse("admin:complaints_slapolicy_add")).status_code == 403
    response = client.post(
        reverse("admin:complaints_category_change", args=[leak.pk]),
        {"parent": leak.parent_id, "code": "leak", "name": "改名", "sort_order": 0},
    )
    assert response.status_code == 403
    assert Category.objects.get(pk=leak.pk).name == "渗漏"


def test_complaints_are_listed_within_scope_and_404_outside(
    client, make_complaint, city_head_admin, other_city_head
):
    complaint = make_complaint()

    client.force_login(city_head_admin)
    response = client.get(reverse("admin:complaints_complaint_changelist"))
    assert response.status_code == 200 and list(response.context["cl"].result_list) == [complaint]
    assert client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).status_code == 200

    client.force_login(other_city_head)
    assert list(client.get(reverse("admin:complaints_complaint_changelist")).context["cl"].result_list) == []
    assert client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).status_code == 404


def test_nobody_changes_a_complaints_status_in_the_admin(client, make_complaint, group_admin_user):
    complaint = make_complaint()
    client.force_login(group_admin_user)

    response = client.post(
        reverse("admin:complaints_complaint_change", args=[complaint.pk]), {"status": "closed"}
    )

    assert response.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).status == "received"
    assert client.get(reverse("admin:complaints_complaint_add")).status_code == 403


def test_sla_alerts_are_read_only_and_scoped(client, make_complaint, city_head_admin, other_city_head):
    import datetime

    from django.utils import timezone

    complaint = make_complaint()
    sla.sla_sweep(now=timezone.now() + datetime.timedelta(hours=19))  # the warning (at 75 % of a day)
    alert = SlaAlert.objects.get(complaint=complaint)

    client.force_login(city_head_admin)
    assert list(client.get(reverse("admin:complaints_slaalert_changelist")).context["cl"].result_list) == [
        alert
    ]
    assert client.post(reverse("admin:complaints_slaalert_change", args=[alert.pk]), {}).status_code == 403
    client.force_login(other_city_head)
    assert client.get(reverse("admin:complaints_slaalert_change", args=[alert.pk])).status_code == 404


@pytest.mark.parametrize("model", ["workorder", "groupcase", "improvementitem"])
def test_the_other_complaint_lists_open_for_a_city_head(client, city_head_admin, model):
    client.force_login(city_head_admin)
    assert client.get(reverse(f"admin:complaints_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:complaints_{model}_add")).status_code == 403
