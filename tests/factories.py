"""factory-boy factories shared by every app's tests."""

import datetime
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from accounts.models import Contractor, Role, User
from customers.models import Contract, Customer, CustomerPhone, HouseholdMember, HouseholdRole, IdType
from customers.validators import resident_id_check_code
from properties.models import Building, CityCompany, Phase, Project, Unit


def image_bytes(image_format: str = "JPEG", width: int = 8, height: int = 6, exif=None) -> bytes:
    """A real tiny image (uploads are opened and re-encoded by Pillow, so fake bytes are refused)."""
    output = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (width, height), (180, 120, 90)).save(output, image_format, **options)
    return output.getvalue()


def photo_upload(name: str = "photo.jpg", image_format: str = "JPEG", **kwargs) -> SimpleUploadedFile:
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[image_format]
    return SimpleUploadedFile(name, image_bytes(image_format, **kwargs), content_type=content_type)


def make_resident_id(n: int, birth: datetime.date = datetime.date(1985, 6, 15)) -> str:
    """A checksum-valid 18-digit resident ID, different for every n."""
    first17 = f"440301{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_code(first17)


class CityCompanyFactory(DjangoModelFactory):
    class Meta:
        model = CityCompany
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"city{n}")
    name = factory.Sequence(lambda n: f"城市公司{n}")
    city = "深圳"


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    city_company = factory.SubFactory(CityCompanyFactory)
    code = factory.Sequence(lambda n: f"proj{n}")
    name = factory.Sequence(lambda n: f"四季花城{n}")


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"{n}期")


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    floors = 18


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    project = factory.SelfAttribute("building.project")
    entrance = "1"
    # Rooms 03-92: never a fixture's explicit xx01/xx02 ("3-1-502"), whatever the global sequence reached.
    number = factory.Sequence(lambda n: f"{(n % 17) + 1}{(n % 90) + 3:02d}{n // 1530 or ''}")
    floor = factory.LazyAttribute(
        lambda o: int(o.number[:-2]) if o.number[:-2].isdigit() and int(o.number[:-2]) <= 18 else 1
    )
    layout = "3室2厅2卫"
    floor_area = Decimal("98.50")


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    city_company = factory.SubFactory(CityCompanyFactory)
    name = factory.Sequence(lambda n: f"客户{n}")
    gender = "F"
    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(make_resident_id)


class CustomerPhoneFactory(DjangoModelFactory):
    class Meta:
        model = CustomerPhone

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"138{n:08d}")
    is_primary = True


class HouseholdMemberFactory(DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    unit = factory.SubFactory(UnitFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = HouseholdRole.OWNER


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    unit = factory.SubFactory(UnitFactory)
    primary_buyer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"HT-2024-{n:06d}")
    subscribed_on = datetime.date(2024, 3, 1)
    signed_on = datetime.date(2024, 3, 15)
    price = Decimal("3200000.00")
    contractual_handover_on = datetime.date(2026, 6, 30)


class ContractorFactory(DjangoModelFactory):
    class Meta:
        model = Contractor
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"施工单位{n}")

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        """The projects the company is engaged on (work goes only there)."""
        if create and extracted:
            self.projects.add(*extracted)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CS_AGENT
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def city_companies(self, create, extracted, **kwargs):
        if create and extracted:
            self.city_companies.set(extracted)

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()
