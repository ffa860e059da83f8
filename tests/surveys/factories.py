"""Survey test data: a questionnaire with one question of every kind (and skip logic), campaigns,
invitations for owners."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from surveys.models import (
    Campaign,
    Dimension,
    Invitation,
    Question,
    QuestionKind,
    QuestionRole,
    SurveyTemplate,
    SurveyTemplateVersion,
)
from tests.factories import CustomerFactory


class SurveyTemplateFactory(DjangoModelFactory):
    class Meta:
        model = SurveyTemplate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"template-{n}")
    name = factory.Sequence(lambda n: f"满意度调查{n}")
    name_en = factory.Sequence(lambda n: f"Satisfaction survey {n}")


class SurveyTemplateVersionFactory(DjangoModelFactory):
    class Meta:
        model = SurveyTemplateVersion

    template = factory.SubFactory(SurveyTemplateFactory)
    number = factory.Sequence(lambda n: n + 1)


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    template_version = factory.SubFactory(SurveyTemplateVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"q{n}")
    kind = QuestionKind.RATING_5
    text = factory.Sequence(lambda n: f"问题{n}")
    dimension = Dimension.HOUSE_QUALITY


def questionnaire(**template_kwargs) -> SurveyTemplateVersion:
    """A version with the three L3 questions, a dimension rating, a choice with skip logic, free text."""
    version = SurveyTemplateVersionFactory(template=SurveyTemplateFactory(**template_kwargs), number=1)
    rows = [
        ("overall", QuestionKind.RATING_5, Dimension.LOYALTY, QuestionRole.OVERALL, {}),
        ("repurchase", QuestionKind.RATING_5, Dimension.LOYALTY, QuestionRole.REPURCHASE, {}),
        ("recommend", QuestionKind.RATING_10, Dimension.LOYALTY, QuestionRole.RECOMMEND, {}),
        ("quality", QuestionKind.RATING_5, Dimension.HOUSE_QUALITY, QuestionRole.NONE, {}),
        (
            "leaks",
            QuestionKind.SINGLE,
            Dimension.HOUSE_QUALITY,
            QuestionRole.NONE,
            {
                "options": [
                    {"value": "yes", "label": "有", "label_en": "Yes"},
                    {"value": "no", "label": "没有", "label_en": "No"},
                ]
            },
        ),
        (
            "leak_rooms",
            QuestionKind.MULTIPLE,
            Dimension.HOUSE_QUALITY,
            QuestionRole.NONE,
            {
                "options": [
                    {"value": "kitchen", "label": "厨房", "label_en": "Kitchen"},
                    {"value": "bathroom", "label": "卫生间", "label_en": "Bathroom"},
                    {"value": "balcony", "label": "阳台", "label_en": "Balcony"},
                ],
                "show_if_question": "leaks",
                "show_if_values": ["yes"],
            },
        ),
        ("comments", QuestionKind.TEXT, Dimension.LIVING, QuestionRole.NONE, {"required": False}),
    ]
    for position, (code, kind, dimension, role, extra) in enumerate(rows, start=1):
        QuestionFactory(
            template_version=version,
            position=position,
            code=code,
            kind=kind,
            dimension=dimension,
            role=role,
            **extra,
        )
    return version


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"2026年下半年业主满意度调查 {n}")
    template_version = factory.LazyFunction(questionnaire)


class InvitationFactory(DjangoModelFactory):
    """An invitation sent to a customer (their city company; no project unless given)."""

    class Meta:
        model = Invitation

    campaign = factory.SubFactory(CampaignFactory)
    customer = factory.SubFactory(CustomerFactory)
    city_company = factory.LazyAttribute(lambda o: o.customer.city_company)
    trigger_key = factory.Sequence(lambda n: f"test:{n}")
    status = Invitation.Status.SENT


def owner_home(project, *, signed, handed=None, building=None, phone=True, **customer_fields):
    """An owner whose only contract (signed on `signed`, handed over on `handed`) is on a new unit of
    `building` (a new building of `project` by default); with a mobile unless phone=False."""
    from tests.factories import BuildingFactory, ContractFactory, CustomerPhoneFactory, UnitFactory

    building = building or BuildingFactory(project=project)
    customer = CustomerFactory(city_company=project.city_company, **customer_fields)
    if phone:
        CustomerPhoneFactory(customer=customer)
    ContractFactory(
        unit=UnitFactory(building=building),
        primary_buyer=customer,
        subscribed_on=None,
        signed_on=signed,
        handed_over_on=handed,
        contractual_handover_on=None,
    )
    customer.refresh_from_db()
    return customer


def completed_invitation(answers: dict, *, completed_at=None, **invitation_kwargs) -> Invitation:
    """A completed invitation with final answers, by question code of questionnaire(): an int is a
    score, a list the choices, a str the text (closed-loop tests)."""
    from django.utils import timezone

    from surveys.models import Answer

    invitation = InvitationFactory(
        status=Invitation.Status.COMPLETED, completed_at=completed_at or timezone.now(), **invitation_kwargs
    )
    questions = {q.code: q for q in invitation.campaign.template_version.questions.all()}
    for code, value in answers.items():
        question = questions[code]
        Answer.objects.create(
            invitation=invitation,
            question=question,
            score=value if isinstance(value, int) else None,
            choices=value if isinstance(value, list) else [],
            text=value if isinstance(value, str) else "",
            campaign=invitation.campaign,
            city_company=invitation.city_company,
            project=invitation.project,
            segment=invitation.segment,
            dimension=question.dimension,
            role=question.role,
            is_final=True,
        )
    # What the submit writes on the invitation (services.responses.final_recommend_score).
    recommend = [v for c, v in answers.items() if questions[c].role == "recommend" and isinstance(v, int)]
    if recommend:
        invitation.recommend_score = max(recommend)
        invitation.save(update_fields=["recommend_score"])
    return invitation
