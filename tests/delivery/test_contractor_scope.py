"""Finding 10.3 on the handover desk: a contractor user sees and fixes their company's defects and
rectification orders in the projects assigned to them only (pages, API, the export, floor plans), and
a defect or an order goes only to a company engaged on its project."""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from delivery.models import Defect, DefectPhoto, FloorPlan, RectificationOrder
from delivery.services import rectification as services
from delivery.services.defects import defect_record
from notifications.models import Notification
from tests.api import client_for
from tests.factories import ContractorFactory, UnitFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1"
JPEG = image_bytes()  # a real image: uploads are opened and re-encoded
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def firm(project, other_project):
    """A company with work in two city companies."""
    return ContractorFactory(name="中建三局", projects=[project, other_project])


@pytest.fixture
def crew(firm, project):
    """Its user assigned to one project."""
    return UserFactory(username="crew", role=Role.CONTRACTOR, contractor=firm, projects=[project])


@pytest.fixture
def far_engineer(other_project):
    return UserFactory(username="farengineer", role=Role.DELIVERY_ENGINEER, projects=[other_project])


@pytest.fixture
def far_unit(other_project):
    return UnitFactory(building__project=other_project, layout="3室2厅2卫")


@pytest.fixture
def record(seeded_checklist, firm):
    def make(by, unit, **fields):
        fields = {"room": "bathroom", "trade": "waterproofing", "severity": "normal", "description": "地漏反坡",
                  "contractor": firm, "photos": [photo()], **fields}  # fmt: skip
        return defect_record(by=by, unit=unit, **fields)

    return make


@pytest.fixture
def defects(record, engineer, far_engineer, owned_unit, far_unit):
    """(here, there): the company's defect in the contractor's project and in the other city, each in
    its rectification order."""
    here, there = record(engineer, owned_unit), record(far_engineer, far_unit)
    services.rectification_orders_issue(by=engineer, defects=[here])
    services.rectification_orders_issue(by=far_engineer, defects=[there])
    return Defect.objects.get(pk=here.pk), Defect.objects.get(pk=there.pk)


def rows(response) -> int:
    return response.content.decode().count('data-testid="defect-row"')


# --- what a contractor sees ------------------------------------------------------------------------------


def test_finding_10_3_contractor_pages_show_only_their_projects_defects_and_orders(client, crew, defects):
    here, there = defects
    client.force_login(crew)

    listing = client.get(reverse("delivery:defect-list"), {"status": "all"}).content.decode()
    assert here.number in listing and there.number not in listing
    assert client.get(reverse("delivery:defect-detail", args=[here.pk])).status_code == 200
    assert client.get(reverse("delivery:defect-detail", args=[there.pk])).status_code == 404
    orders = client.get(reverse("delivery:order-list")).content.decode()
    assert here.order.number in orders and there.order.number not in orders
    assert client.get(reverse("delivery:order-detail", args=[here.order_id])).status_code == 200
    assert client.get(reverse("delivery:order-detail", args=[there.order_id])).status_code == 404


def test_finding_10_3_contractor_api_lists_and_details_only_their_projects_work(crew, defects):
    here, there = defects
    api = client_for(crew)

    assert [row["id"] for row in api.get(f"{API}/defects/").json()["results"]] == [here.pk]
    assert [row["id"] for row in api.get(f"{API}/rectification-orders/").json()["results"]] == [here.order_id]
    assert api.get(f"{API}/defects/{there.pk}/").status_code == 404
    assert api.get(f"{API}/rectification-orders/{there.order_id}/").status_code == 404


def test_finding_10_3_contractor_may_not_work_on_the_other_projects_defect(client, crew, defects):
    _here, there = defects
    client.force_login(crew)
    act = lambda action: reverse("delivery:defect-action", args=[there.pk, action])  # noqa: E731

    assert client.post(act("progress"), {"version": there.version, "note": "已开工"}).status_code == 404
    assert client.post(act("fixed"), {"version": there.version, "photos": [photo()]}).status_code == 404
    api = client_for(crew)
    response = api.post(f"{API}/defects/{there.pk}/photos/", {"photos": [photo()], "note": "已开工"})
    assert response.status_code == 404
    response = api.post(
        f"{API}/defects/{there.pk}/fixed/",
        {"photos": [photo()], "version": there.version},
        format="multipart",
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.defect_mark_fixed(by=crew, defect=there, photos=[photo()])

    there = Defect.objects.get(pk=there.pk)
    assert there.status == Defect.Status.FIXING
    assert not there.photos.exclude(stage=DefectPhoto.Stage.FOUND).exists()


def test_finding_10_3_the_export_leaves_the_other_project_out(client, crew, defects):
    here, _there = defects
    client.force_login(crew)

    response = client.get(reverse("delivery:defect-export"))

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]] == [here.number]


def test_finding_10_3_the_other_projects_floor_plan_is_404(client, crew, defects, project, other_project):
    """The company has a defect in the other project: that no longer opens its floor plans to this user."""
    here_plan = FloorPlan(project=project, layout="3室2厅2卫")
    here_plan.image.save("here.png", ContentFile(PNG), save=True)
    there_plan = FloorPlan(project=other_project, layout="3室2厅2卫")
    there_plan.image.save("there.png", ContentFile(PNG), save=True)
    client.force_login(crew)

    assert client.get(reverse("media", args=[here_plan.image.name])).status_code == 200
    assert client.get(reverse("media", args=[there_plan.image.name])).status_code == 404
    assert client.get(reverse("media", args=[defects[1].photos.get().image.name])).status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_finding_10_3_contractor_lists_query_count_is_constant(
    client, crew, record, engineer, far_engineer, owned_unit, far_unit, count, django_assert_max_num_queries
):
    for _ in range(count):
        record(engineer, owned_unit)
        record(far_engineer, far_unit)
    client.force_login(crew)
    api = client_for(crew)

    # As the engineer's list (test_rectification_views): at most 10.
    with django_assert_max_num_queries(10):
        page = client.get(reverse("delivery:defect-list"))
    # token + user 1, scope 2, the page 1 = 4.
    with django_assert_max_num_queries(4):
        listing = api.get(f"{API}/defects/").json()["results"]

    assert rows(page) == count
    assert {row["id"] for row in listing} == set(
        Defect.objects.filter(unit=owned_unit).values_list("pk", flat=True)
    )


# --- giving work to a company --------------------------------------------------------------------------


@pytest.fixture
def stranger(other_project):
    """A company engaged only on the other project."""
    return ContractorFactory(name="武汉本地施工", projects=[other_project])


def test_finding_10_3_a_defect_for_a_company_not_on_the_project_is_refused(
    record, engineer, owned_unit, stranger
):
    with pytest.raises(ValidationError) as refused:
        record(engineer, owned_unit, contractor=stranger)
    assert refused.value.message_dict["contractor"] == ["武汉本地施工 does not work on this project."]

    response = client_for(engineer).post(
        f"{API}/defects/",
        {"unit": owned_unit.pk, "room": "living", "trade": "civil", "severity": "normal", "description": "x",
         "contractor": stranger.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "contractor" in response.json()

    defect = record(engineer, owned_unit, contractor=None)
    with pytest.raises(ValidationError) as refused:
        services.defect_correct(by=engineer, defect=defect, contractor=stranger)
    assert "contractor" in refused.value.message_dict
    assert Defect.objects.get(pk=defect.pk).contractor is None


def test_finding_10_3_a_rectification_order_for_a_company_not_on_the_project_is_refused(
    client, record, engineer, owned_unit, stranger
):
    defect = record(engineer, owned_unit, contractor=None)
    client.force_login(engineer)

    response = client.post(
        reverse("delivery:orders-issue"), {"defects": [defect.pk], "contractor": stranger.pk}, follow=True
    )
    assert "武汉本地施工 does not work on this project." in response.content.decode()
    response = client_for(engineer).post(
        f"{API}/rectification-orders/issue/",
        {"defects": [defect.pk], "contractor": stranger.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["contractor"] == ["武汉本地施工 does not work on this project."]
    with pytest.raises(ValidationError):
        services.rectification_orders_issue(by=engineer, defects=[defect], contractor=stranger)
    assert not RectificationOrder.objects.exists()
    assert Defect.objects.get(pk=defect.pk).status == Defect.Status.OPEN


def test_finding_10_3_an_order_notifies_only_the_companys_people_on_the_project(
    record, engineer, owned_unit, crew, firm, other_project
):
    far_crew = UserFactory(role=Role.CONTRACTOR, contractor=firm, projects=[other_project])

    services.rectification_orders_issue(by=engineer, defects=[record(engineer, owned_unit)])

    assert Notification.objects.filter(recipient=crew, kind="rectification_order").exists()
    assert not Notification.objects.filter(recipient=far_crew).exists()
