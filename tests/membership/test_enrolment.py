"""Enrolment rules: age on the day, consents, duplicate phones, scope, member numbers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from membership.models import Consent, EnrolmentChannel, Member
from membership.services.enrolment import AlreadyAMember, age_on, member_enrol
from tests.factories import ProjectFactory, UserFactory
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def enrol(by=None, **overrides):
    fields = {
        "name": "李娜",
        "gender": "F",
        "birth_date": datetime.date(1990, 4, 1),
        "nationality": "中国",
        "employer": "深圳某科技公司",
        "education": "bachelor",
        "phone": "13700000001",
        "interests": ["family", "culture"],
        "club_data_consent": True,
        "marketing_consent": False,
        "channel": EnrolmentChannel.STAFF if by else EnrolmentChannel.PUBLIC,
        "today": TODAY,
    }
    fields.update(overrides)
    return member_enrol(by=by, **fields)


def test_a_staff_enrolment_records_the_member_both_consents_and_a_readable_number(agent, project):
    member = enrol(by=agent, project=project, marketing_consent=True)
    assert member.number == "WKSZ000001"
    assert (member.city_company, member.project, member.enrolled_by) == (project.city_company, project, agent)
    consents = {c.kind: c for c in member.consents.all()}
    assert consents[Consent.Kind.CLUB_DATA].granted and consents[Consent.Kind.MARKETING].granted
    assert consents[Consent.Kind.CLUB_DATA].text_version == "club-data-2026.1"
    assert consents[Consent.Kind.MARKETING].recorded_by == agent
    assert consents[Consent.Kind.MARKETING].channel == EnrolmentChannel.STAFF


def test_member_numbers_follow_each_city_companys_sequence(agent, project, other_project, group_admin):
    first = enrol(by=agent, project=project, phone="13700000001")
    second = enrol(by=agent, project=project, phone="13700000002")
    elsewhere = enrol(by=group_admin, project=other_project, phone="13700000003")
    assert [first.number, second.number, elsewhere.number] == ["WKSZ000001", "WKSZ000002", "WKWH000001"]


def test_a_number_already_taken_by_an_imported_member_is_skipped(agent, project):
    MemberFactory(number="WKSZ000001", city_company=project.city_company, phone="13900000009")
    assert enrol(by=agent, project=project).number == "WKSZ000002"


@pytest.mark.parametrize(
    ("birth_date", "accepted"),
    [
        (datetime.date(2008, 12, 5), True),  # 18 today
        (datetime.date(2008, 12, 6), False),  # 18 tomorrow
        (datetime.date(2008, 12, 4), True),
    ],
)
def test_a_member_is_18_or_older_on_the_day(agent, project, birth_date, accepted):
    if accepted:
        assert enrol(by=agent, project=project, birth_date=birth_date).pk
    else:
        with pytest.raises(ValidationError) as refused:
            enrol(by=agent, project=project, birth_date=birth_date)
        assert refused.value.message_dict["birth_date"] == ["The club is open to people 18 or older."]
        assert not Member.objects.exists()


def test_born_on_29_february_turns_18_on_1_march_in_a_common_year():
    born = datetime.date(2008, 2, 29)
    assert age_on(born, datetime.date(2026, 2, 28)) == 17
    assert age_on(born, datetime.date(2026, 3, 1)) == 18


def test_any_nationality_may_join(agent, project):
    member = enrol(by=agent, project=project, nationality="France", id_number="14AB12345")
    assert member.nationality == "France"


def test_the_club_data_consent_is_required_and_marketing_is_optional(agent, project):
    with pytest.raises(ValidationError) as refused:
        enrol(by=agent, project=project, club_data_consent=False, marketing_consent=True)
    assert "club_data_consent" in refused.value.message_dict
    member = enrol(by=agent, project=project, marketing_consent=False)
    marketing = member.consents.get(kind=Consent.Kind.MARKETING)
    assert marketing.granted is False  # the answer "no" is recorded too


def test_a_phone_held_by_an_active_member_is_refused_and_staff_learn_which(agent, project):
    existing = enrol(by=agent, project=project, phone="13700000001")
    with pytest.raises(AlreadyAMember) as refused:
        enrol(by=agent, project=project, phone="137 0000 0001", name="另一人")
    assert refused.value.member == existing
    assert refused.value.message_dict["phone"] == ["This mobile number already belongs to a club member."]


def test_a_phone_of_a_member_who_left_may_join_again(agent, project):
    MemberFactory(phone="13700000001", left_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    assert enrol(by=agent, project=project, phone="13700000001").pk


def test_staff_enrol_only_within_their_scope(agent, other_project):
    with pytest.raises(PermissionDenied):
        enrol(by=agent, project=other_project)


def test_an_agent_of_projects_only_cannot_enrol_at_a_whole_city_company(agent, city):
    with pytest.raises(PermissionDenied):
        enrol(by=agent, city_company=city)


def test_a_city_head_may_enrol_at_their_city_company_without_a_project(city_head, city):
    member = enrol(by=city_head, city_company=city)
    assert (member.city_company, member.project) == (city, None)


def test_a_read_only_manager_may_not_enrol(project):
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    with pytest.raises(PermissionDenied):
        enrol(by=manager, project=project)


def test_bad_fields_come_back_as_field_errors(agent, project):
    with pytest.raises(ValidationError) as refused:
        enrol(by=agent, project=project, name=" ", phone="12345", interests=["golf"])
    assert {"name", "phone", "interests"} <= set(refused.value.message_dict)


def test_a_project_of_another_city_company_than_the_one_chosen_is_refused(group_admin, project, other_city):
    with pytest.raises(ValidationError) as refused:
        enrol(by=group_admin, project=project, city_company=other_city)
    assert "project" in refused.value.message_dict


def test_public_enrolment_has_no_staff_actor(project):
    member = enrol(project=ProjectFactory(city_company=project.city_company))
    assert member.enrolled_by is None and member.channel == EnrolmentChannel.PUBLIC
    assert member.consents.filter(recorded_by__isnull=True).count() == 2
