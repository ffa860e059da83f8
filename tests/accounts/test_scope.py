import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from accounts.scope import Scope
from customers.models import Customer
from tests.factories import ProjectFactory, UserFactory

SCOPED_ROLES = [role for role in Role if role != Role.GROUP_ADMIN]
ROLES_WITHOUT_CUSTOMERS = {Role.DEPARTMENT_STAFF, Role.CONTRACTOR, Role.AUDITOR}


def test_group_admin_scope_is_unrestricted(db):
    admin = UserFactory(role=Role.GROUP_ADMIN)

    assert Scope.for_user(admin) == Scope(is_unrestricted=True)


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_city_assignment_gives_every_project_of_the_city(role, city, project, other_project):
    second_project = ProjectFactory(city_company=city)
    user = UserFactory(role=role, city_companies=[city])

    scope = Scope.for_user(user)

    assert not scope.is_unrestricted
    assert scope.city_company_ids == {city.pk}
    assert scope.project_ids == {project.pk, second_project.pk}


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_project_assignment_gives_that_project_only(role, project, other_project):
    user = UserFactory(role=role, projects=[project])

    scope = Scope.for_user(user)

    assert not scope.is_unrestricted
    assert scope.city_company_ids == frozenset()
    assert scope.project_ids == {project.pk}


@pytest.mark.parametrize("role", list(Role))
def test_role_decides_whether_customers_in_scope_are_visible(role, owner, project):
    user = UserFactory(role=role, projects=[project])

    visible = set(Customer.objects.visible_to(user))

    assert visible == (set() if role in ROLES_WITHOUT_CUSTOMERS else {owner})


def test_unassigned_staff_see_nothing(db):
    user = UserFactory(role=Role.CS_SUPERVISOR)

    assert Scope.for_user(user) == Scope()


def test_inactive_and_anonymous_users_have_an_empty_scope(project):
    inactive = UserFactory(role=Role.GROUP_ADMIN, is_active=False)

    assert Scope.for_user(inactive) == Scope()
    assert Scope.for_user(AnonymousUser()) == Scope()


def test_scope_is_cached_on_the_user_object(project, django_assert_num_queries):
    user = UserFactory(role=Role.CS_AGENT, projects=[project])
    user = type(user).objects.get(pk=user.pk)

    with django_assert_num_queries(1):  # city companies and projects, one UNION ALL
        first = user.scope
    with django_assert_num_queries(0):
        assert user.scope is first
