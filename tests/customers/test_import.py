import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import Role
from customers.importing import ImportFileError, customer_workbook_import
from customers.models import (
    Contract,
    Customer,
    CustomerPhone,
    HouseholdMember,
    HouseholdRole,
    ImportJob,
    pii_hash,
)
from properties.models import Building, FinishStandard, Phase, Project, Unit
from tests.factories import BuildingFactory, UnitFactory, UserFactory, make_resident_id

pytestmark = pytest.mark.django_db

HEADERS = [
    "城市公司",
    "项目",
    "期",
    "楼栋",
    "单元",
    "房号",
    "楼层",
    "户型",
    "建筑面积(㎡)",
    "装修标准",
    "姓名",
    "性别",
    "手机",
    "证件类型",
    "证件号码",
    "身份",
    "合同编号",
    "认购日期",
    "签约日期",
    "成交价",
    "合同交付日期",
    "实际交付日期",
]


def unit_row(**changes):
    """A valid row: 四季花城 3-1-502 sold to 张伟 and handed over."""
    row = {
        "城市公司": "sz",
        "项目": "四季花城",
        "期": "一期",
        "楼栋": 3,
        "单元": 1,
        "房号": 502,
        "楼层": 5,
        "户型": "3室2厅2卫",
        "建筑面积(㎡)": 98.5,
        "装修标准": "精装",
        "姓名": "张伟",
        "性别": "男",
        "手机": 13812345678,
        "证件类型": "身份证",
        "证件号码": make_resident_id(1),
        "身份": "业主",
        "合同编号": "HT-SJHC-0001",
        "认购日期": datetime.datetime(2023, 3, 1),
        "签约日期": datetime.datetime(2023, 3, 15),
        "成交价": 3200000,
        "合同交付日期": datetime.datetime(2024, 6, 30),
        "实际交付日期": "2024-06-28",
    }
    row.update(changes)
    return row


def co_owner_row(**changes):
    return unit_row(
        **{
            "姓名": "李娜",
            "性别": "女",
            "手机": "13900001111 / 13700002222",
            "证件号码": make_resident_id(2),
            "身份": "共有人",
            "合同编号": "",
            "认购日期": None,
            "签约日期": None,
            "成交价": None,
            "合同交付日期": None,
            "实际交付日期": None,
        }
        | changes
    )


def workbook(rows, headers=HEADERS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def valid_rows():
    return [
        unit_row(),
        co_owner_row(),
        unit_row(
            **{
                "房号": 602,
                "楼层": 6,
                "装修标准": "毛坯",
                "姓名": "王芳",
                "性别": "女",
                "手机": "+86 186-0000-3333",
                "证件号码": make_resident_id(3),
                "合同编号": "HT-SJHC-0002",
                "实际交付日期": None,
            }
        ),
        unit_row(
            **{
                "房号": 602,
                "楼层": 6,
                "姓名": "赵磊",
                "手机": "15800004444",
                "证件号码": "",
                "证件类型": "",
                "身份": "租户",
                "合同编号": "",
            }
        ),
    ]


def written_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Project, Phase, Building, Unit, Customer, CustomerPhone, HouseholdMember, Contract)
    }


@pytest.fixture
def city_head_sz(city_head, project):
    return city_head


def test_dry_run_reports_each_bad_row_with_its_number_and_column_and_writes_nothing(city_head_sz):
    before = written_counts()
    rows = [
        unit_row(),  # row 2: valid
        unit_row(**{"房号": 601, "楼层": 6, "证件号码": make_resident_id(5)[:-1] + "0", "合同编号": "HT-3"}),
        unit_row(
            **{"房号": 701, "楼层": 7, "手机": "1381234567", "证件号码": make_resident_id(6), "合同编号": ""}
        ),
        unit_row(**{"项目": "", "证件号码": make_resident_id(7), "合同编号": ""}),
        unit_row(
            **{
                "房号": 801,
                "楼层": 8,
                "证件号码": make_resident_id(8),
                "合同编号": "HT-6",
                "签约日期": datetime.datetime(2024, 7, 1),
                "合同交付日期": datetime.datetime(2024, 12, 31),
            }
        ),
        unit_row(
            **{"姓名": "李四", "证件号码": make_resident_id(9), "合同编号": "HT-7"}
        ),  # same unit as row 2
    ]
    result = customer_workbook_import(by=city_head_sz, source=workbook(rows))

    found = {(error.row, error.column) for error in result.errors}
    assert found == {
        (3, "证件号码"),
        (4, "手机"),
        (5, "项目"),
        (6, "实际交付日期"),
        (7, "房号"),
    }
    messages = {error.row: error.message for error in result.errors}
    assert "check digit" in messages[3]
    assert "1381234567" in messages[4]
    assert "before the signing date" in messages[6]
    assert "row 2" in messages[7]
    assert str(result.errors[0]).startswith("Row 3, 证件号码: ")
    assert result.dry_run and not result.ok and not result.written
    assert written_counts() == before


def test_valid_file_dry_run_counts_what_it_would_create_without_writing(city_head_sz):
    before = written_counts()
    result = customer_workbook_import(by=city_head_sz, source=workbook(valid_rows()))

    assert result.ok and result.dry_run and result.rows == 4
    assert result.created["units"] == 2
    assert result.created["customers"] == 4
    assert result.created["household_members"] == 4
    assert result.created["contracts"] == 2
    assert result.created["phones"] == 5
    assert written_counts() == before


@pytest.mark.parametrize("rows", [2, 20])
def test_checking_a_file_takes_the_same_number_of_queries_for_2_or_20_rows(
    city_head_sz, project, django_assert_max_num_queries, rows
):
    building = BuildingFactory(project=project, number="3", floors=30)
    for floor in range(1, 11):
        UnitFactory(building=building, entrance="1", number=f"{floor}02", floor=floor)
    lines = [
        unit_row(**{"房号": f"{n // 2 + 1}0{n % 2 + 1}", "楼层": n // 2 + 1, "证件号码": make_resident_id(n)})
        | {"合同编号": f"HT-{n}"}
        for n in range(rows)
    ]
    source = workbook(lines)
    # 13: the user's scope, then one lookup per kind of existing row (cities, projects, phases, buildings,
    # units, households, active contracts, contracts by number, customers by ID hash, phones): never per row.
    with django_assert_max_num_queries(13):
        result = customer_workbook_import(by=city_head_sz, source=source)
    assert result.ok, result.errors


def test_valid_file_writes_units_customers_phones_households_and_contracts(city_head_sz, project):
    progress = []
    result = customer_workbook_import(
        by=city_head_sz,
        source=workbook(valid_rows()),
        dry_run=False,
        progress=lambda done, total: progress.append((done, total)),
    )

    assert result.written, result.errors
    assert progress[-1] == (8, 8)
    unit = Unit.objects.get(project=project, code="3-1-502")
    assert (unit.floor, unit.floor_area, unit.finish_standard) == (
        5,
        Decimal("98.50"),
        FinishStandard.FURNISHED,
    )
    assert unit.building.phase.name == "一期"
    assert unit.building.floors == 6
    assert Unit.objects.get(code="3-1-602").finish_standard == FinishStandard.SHELL

    zhang = Customer.objects.get(id_number_hash=pii_hash(make_resident_id(1)))
    assert zhang.name == "张伟" and zhang.gender == "M"
    assert zhang.id_number == make_resident_id(1)
    assert zhang.id_number_masked == make_resident_id(1)[:4] + "*" * 10 + make_resident_id(1)[-4:]
    assert (zhang.city_company, zhang.registered_project) == (project.city_company, project)
    assert list(zhang.phones.values_list("number", "last4", "is_primary")) == [("13812345678", "5678", True)]
    li = Customer.objects.get(name="李娜")
    assert list(li.phones.order_by("id").values_list("number", "is_primary")) == [
        ("13900001111", True),
        ("13700002222", False),
    ]
    assert CustomerPhone.objects.get(number="18600003333").customer.name == "王芳"

    roles = dict(unit.household.values_list("customer__name", "role"))
    assert roles == {"张伟": HouseholdRole.OWNER, "李娜": HouseholdRole.CO_OWNER}
    assert unit.household.get(role=HouseholdRole.OWNER).since == datetime.date(2024, 6, 28)
    assert Unit.objects.get(code="3-1-602").household.get(customer__name="赵磊").role == HouseholdRole.TENANT

    contract = Contract.objects.get(number="HT-SJHC-0001")
    assert (contract.unit, contract.primary_buyer) == (unit, zhang)
    assert contract.price == Decimal("3200000.00")
    assert (contract.signed_on, contract.handed_over_on) == (
        datetime.date(2023, 3, 15),
        datetime.date(2024, 6, 28),
    )
    assert Contract.objects.get(number="HT-SJHC-0002").handed_over_on is None
    assert zhang.created_at is not None


def test_reimporting_the_same_file_creates_nothing(city_head_sz):
    first = customer_workbook_import(by=city_head_sz, source=workbook(valid_rows()), dry_run=False)
    assert first.written
    after_first = written_counts()

    second = customer_workbook_import(by=city_head_sz, source=workbook(valid_rows()), dry_run=False)

    assert second.written
    assert sum(second.created.values()) == 0 and sum(second.updated.values()) == 0
    assert written_counts() == after_first


def test_reimport_with_a_changed_area_and_handover_updates_in_place(city_head_sz):
    customer_workbook_import(by=city_head_sz, source=workbook(valid_rows()), dry_run=False)
    rows = valid_rows()
    rows[2]["建筑面积(㎡)"] = 101.25
    rows[2]["实际交付日期"] = datetime.datetime(2024, 7, 2)
    before = written_counts()

    result = customer_workbook_import(by=city_head_sz, source=workbook(rows), dry_run=False)

    assert result.written
    assert (result.updated["units"], result.updated["contracts"]) == (1, 1)
    assert written_counts() == before
    assert Unit.objects.get(code="3-1-602").floor_area == Decimal("101.25")
    contract = Contract.objects.get(number="HT-SJHC-0002")
    assert (contract.handed_over_on, contract.version) == (datetime.date(2024, 7, 2), 2)


def test_an_existing_building_and_unit_are_reused(city_head_sz, project):
    building = BuildingFactory(project=project, number="3", floors=18)
    unit = UnitFactory(building=building, entrance="1", number="502", floor=5)

    result = customer_workbook_import(by=city_head_sz, source=workbook([unit_row()]), dry_run=False)

    assert result.written
    assert (result.created["buildings"], result.created["units"]) == (0, 0)
    assert Unit.objects.get(pk=unit.pk).household.get().customer.name == "张伟"


def test_building_entrance_and_room_suffixes_name_the_same_unit(city_head_sz, project):
    unit = UnitFactory(building__project=project, building__number="3", entrance="1", number="502", floor=5)
    row = unit_row(**{"楼栋": "3栋", "单元": "1单元", "房号": "502室"})

    result = customer_workbook_import(by=city_head_sz, source=workbook([row]), dry_run=False)

    assert result.written and result.created["units"] == 0
    assert unit.household.get().customer.name == "张伟"


def test_a_floor_above_an_existing_building_is_a_row_error(city_head_sz, project):
    BuildingFactory(project=project, number="3", floors=4)

    result = customer_workbook_import(by=city_head_sz, source=workbook([unit_row()]))

    assert [(e.row, e.column) for e in result.errors] == [(2, "楼层")]


def test_english_headers_are_accepted(city_head_sz):
    english = {
        "City company": "城市公司",
        "Project": "项目",
        "Building": "楼栋",
        "Entrance": "单元",
        "Room number": "房号",
        "Floor": "楼层",
        "Floor area": "建筑面积(㎡)",
        "Finish standard": "装修标准",
        "Name": "姓名",
        "Gender": "性别",
        "Mobile": "手机",
        "ID type": "证件类型",
        "ID number": "证件号码",
        "Household role": "身份",
        "Contract number": "合同编号",
        "Signing date": "签约日期",
        "Price": "成交价",
        "Actual handover date": "实际交付日期",
    }
    row = unit_row(**{"装修标准": "furnished", "性别": "male", "证件类型": "resident id", "身份": "owner"})
    rows = [{header: row[chinese] for header, chinese in english.items()}]

    result = customer_workbook_import(by=city_head_sz, source=workbook(rows, list(english)), dry_run=False)

    assert result.written, result.errors
    assert Contract.objects.get().primary_buyer.name == "张伟"


def test_an_unknown_city_company_is_a_row_error(city_head_sz):
    result = customer_workbook_import(by=city_head_sz, source=workbook([unit_row(**{"城市公司": "bj"})]))

    assert [(e.row, e.column) for e in result.errors] == [(2, "城市公司")]
    assert "bj" in result.errors[0].message


def test_a_user_cannot_import_into_another_city_companys_project(other_agent, other_city, project):
    result = customer_workbook_import(by=other_agent, source=workbook([unit_row()]), dry_run=False)

    assert [(e.row, e.column) for e in result.errors] == [(2, "项目")]
    assert "outside your scope" in result.errors[0].message
    assert not Unit.objects.exists() and not Customer.objects.exists()


def test_an_agent_may_add_units_to_their_project_but_not_create_projects(agent, project):
    rows = [unit_row(), unit_row(**{"项目": "万科城", "证件号码": make_resident_id(4), "合同编号": "HT-9"})]

    result = customer_workbook_import(by=agent, source=workbook(rows))

    assert [(e.row, e.column) for e in result.errors] == [(3, "项目")]
    assert "Unknown project" in result.errors[0].message
    assert customer_workbook_import(by=agent, source=workbook(rows[:1]), dry_run=False).written


def test_every_problem_of_a_row_is_reported_at_once_and_each_cell_once(agent, project):
    rows = [unit_row(**{"手机": "123", "项目": "万科城", "建筑面积(㎡)": "abc"})]

    result = customer_workbook_import(by=agent, source=workbook(rows))

    assert sorted((e.row, e.column) for e in result.errors) == [(2, "建筑面积(㎡)"), (2, "手机"), (2, "项目")]


def test_a_contract_number_used_twice_in_the_file_is_a_row_error(city_head_sz):
    rows = [unit_row(), unit_row(**{"房号": 602, "楼层": 6, "证件号码": make_resident_id(3), "姓名": "王芳"})]

    result = customer_workbook_import(by=city_head_sz, source=workbook(rows))

    assert [(e.row, e.column) for e in result.errors] == [(3, "合同编号")]
    assert "row 2" in result.errors[0].message


def test_a_city_head_creates_a_new_project_only_in_their_city(city_head_sz, other_city):
    rows = [unit_row(**{"项目": "万科城"})]
    assert customer_workbook_import(by=city_head_sz, source=workbook(rows), dry_run=False).written
    assert Project.objects.get(name="万科城").city_company.code == "sz"

    result = customer_workbook_import(
        by=city_head_sz, source=workbook([unit_row(**{"城市公司": "wh", "项目": "金口花园二期"})])
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "城市公司")]


def test_roles_that_may_not_edit_customers_cannot_import(project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    with pytest.raises(PermissionDenied):
        customer_workbook_import(by=engineer, source=workbook([unit_row()]))


def test_a_file_that_is_not_a_workbook_is_refused(city_head_sz):
    with pytest.raises(ImportFileError):
        customer_workbook_import(by=city_head_sz, source=io.BytesIO("姓名,手机\n张伟,13812345678\n".encode()))


def test_missing_required_columns_are_reported_on_row_1(city_head_sz):
    result = customer_workbook_import(by=city_head_sz, source=workbook([{"姓名": "张伟"}], ["姓名", "手机"]))

    assert [e.row for e in result.errors] == [1]
    assert "City company" in result.errors[0].message


def test_a_unit_already_sold_to_someone_else_is_a_row_error(city_head_sz, owned_unit):
    row = unit_row(**{"姓名": "钱七", "证件号码": make_resident_id(11), "合同编号": "HT-NEW"})

    result = customer_workbook_import(by=city_head_sz, source=workbook([row]))

    assert {(e.row, e.column) for e in result.errors} == {(2, "身份")}


# --- the web page ---------------------------------------------------------------------------------
# The check and the import run as Celery jobs (eager in tests), queued when the request's transaction
# commits: `on_commit` runs the queued job as the request ends, as a worker would.


def upload(client, on_commit, rows=None, name="units.xlsx", content=None):
    data = content if content is not None else workbook(rows or valid_rows()).getvalue()
    file = io.BytesIO(data)
    file.name = name
    with on_commit(execute=True):
        return client.post(reverse("customers:import"), {"file": file})


def confirm(client, on_commit, job):
    with on_commit(execute=True):
        return client.post(reverse("customers:import-job-confirm", args=[job.pk]))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "imports"


def test_upload_shows_the_dry_run_report_then_confirm_writes(
    client, city_head_sz, media, django_capture_on_commit_callbacks
):
    client.force_login(city_head_sz)

    response = upload(client, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:import-job", args=[job.pk])
    assert job.status == ImportJob.Status.CHECKED
    page = client.get(response.url).content.decode()
    assert 'id="import-confirm"' in page and 'id="import-counts"' in page and 'id="import-checked"' in page
    assert not Unit.objects.exists() and not Customer.objects.exists()
    assert (media / f"{job.token}.xlsx").exists()  # kept for the confirmation

    response = confirm(client, django_capture_on_commit_callbacks, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert 'id="import-done"' in client.get(response.url).content.decode()
    assert Unit.objects.count() == 2 and Contract.objects.count() == 2
    assert not (media / f"{job.token}.xlsx").exists()
    # A second confirmation of the same upload writes nothing again.
    assert confirm(client, django_capture_on_commit_callbacks, job).status_code == 400


def test_upload_with_errors_lists_them_and_offers_no_confirmation(
    client, city_head_sz, media, django_capture_on_commit_callbacks
):
    client.force_login(city_head_sz)

    response = upload(client, django_capture_on_commit_callbacks, rows=[unit_row(**{"手机": "12345"})])

    page = client.get(response.url).content.decode()
    assert 'id="import-errors"' in page and "12345" in page
    assert 'id="import-confirm"' not in page
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert not (media / f"{job.token}.xlsx").exists()
    assert not Unit.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("customers.csv", "姓名,手机\n张伟,13812345678\n".encode()), ("customers.xlsx", b"not a zip archive")],
)
def test_upload_refuses_files_that_are_not_xlsx(
    client, city_head_sz, media, django_capture_on_commit_callbacks, name, content
):
    client.force_login(city_head_sz)

    response = upload(client, django_capture_on_commit_callbacks, name=name, content=content)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists() and not Customer.objects.exists()


def test_upload_refuses_oversized_files(
    client, city_head_sz, media, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(city_head_sz)

    response = upload(client, django_capture_on_commit_callbacks)

    assert "larger than" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_confirm_needs_a_checked_job_of_this_user(
    client, city_head_sz, media, django_capture_on_commit_callbacks
):
    client.force_login(city_head_sz)
    upload(client, django_capture_on_commit_callbacks, rows=[unit_row(**{"手机": "12345"})])
    rejected = ImportJob.objects.get()
    upload(client, django_capture_on_commit_callbacks)
    checked = ImportJob.objects.get(status=ImportJob.Status.CHECKED)

    assert confirm(client, django_capture_on_commit_callbacks, rejected).status_code == 400
    client.force_login(UserFactory(role=Role.CITY_HEAD, city_companies=[city_head_sz.city_companies.get()]))
    assert confirm(client, django_capture_on_commit_callbacks, checked).status_code == 404
    assert client.get(reverse("customers:import-job", args=[checked.pk])).status_code == 404
    assert not Unit.objects.exists()


def test_import_page_is_forbidden_to_roles_that_may_not_edit_customers(client, project):
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, projects=[project]))

    assert client.get(reverse("customers:import")).status_code == 403


def test_import_page_offers_the_template_workbook(client, city_head_sz):
    client.force_login(city_head_sz)

    response = client.get(reverse("customers:import"), {"template": "1"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:4] == b"PK\x03\x04"


# --- the management command -------------------------------------------------------------------------


def test_import_command_is_a_dry_run_unless_commit(city_head_sz, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(workbook(valid_rows()).getvalue())
    out = io.StringIO()

    call_command(
        "import_property", str(path), "--user", city_head_sz.username, stdout=out, stderr=io.StringIO()
    )
    assert "Dry run" in out.getvalue()
    assert not Unit.objects.exists()

    call_command(
        "import_property",
        str(path),
        "--user",
        city_head_sz.username,
        "--commit",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert Unit.objects.count() == 2


def test_the_sample_workbook_imports_cleanly(city_head_sz, tmp_path):
    path = tmp_path / "sample.xlsx"
    call_command("write_import_sample", str(path), "--rows", "40", stdout=io.StringIO())

    call_command(
        "import_property",
        str(path),
        "--user",
        city_head_sz.username,
        "--commit",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Customer.objects.count() == 40
    assert Project.objects.get(name="翡翠公园").units.count() == Contract.objects.count() > 0


def test_import_command_fails_on_row_errors(city_head_sz, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(workbook([unit_row(**{"手机": "12345"})]).getvalue())

    with pytest.raises(CommandError, match="1 errors"):
        call_command(
            "import_property",
            str(path),
            "--user",
            city_head_sz.username,
            "--commit",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Unit.objects.exists()
