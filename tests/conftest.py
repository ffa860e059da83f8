import pytest
from celery._state import _set_task_join_will_block
from rest_framework.test import APIClient

from accounts.models import Role
from crm.celery import app as celery_app
from tests.factories import (
    CityCompanyFactory,
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run in-process unless a test starts a real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
    # An eager task sets Celery's process-wide "joining would block" flag while it runs and restores
    # it after; two threads running tasks at once (the PostgreSQL race tests) can leave it set, and
    # every later .get() would then refuse to run.
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.3 s per user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _long_idle_sessions(settings):
    """Tests move the clock by hours between a login and the next page; the idle logout
    (SESSION_IDLE_MINUTES) has its own tests (tests/accounts/test_sessions_and_passwords.py), which
    set it back."""
    settings.SESSION_IDLE_MINUTES = 365 * 24 * 60


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the dashboard's counts are kept per scope, and the
    scopes (ids) of one test's rolled-back rows come back in the next one's."""
    from django.core.cache import cache

    from complaints.selectors import forget_reference_data

    cache.clear()
    # Each process also keeps the reference data for a few seconds; a transactional test's flush
    # sends no signal, so drop that copy too.
    forget_reference_data()


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages stay in memory (core.outbox.providers.sms_outbox), never in var/sms/."""
    from core.outbox import providers

    settings.SMS_PROVIDER = "core.outbox.providers.LocmemSmsProvider"
    providers.sms_outbox.clear()
    yield providers.sms_outbox
    providers.sms_outbox.clear()


@pytest.fixture(autouse=True)
def wechat_outbox(settings):
    """WeChat template messages stay in memory (core.outbox.providers.wechat_outbox)."""
    from core.outbox import providers

    settings.WECHAT_PROVIDER = "core.outbox.providers.LocmemWechatProvider"
    providers.wechat_outbox.clear()
    yield providers.wechat_outbox
    providers.wechat_outbox.clear()


@pytest.fixture(autouse=True)
def _no_outbox_rate_limit(settings):
    """Tests never wait for a channel's next second; tests/core/test_outbox_rate.py tests the limit."""
    settings.OUTBOX_PER_SECOND = {}


@pytest.fixture(autouse=True)
def _reads_on_primary(settings):
    """Every test reads the primary, even with DATABASE_REPLICA_URL set (CI's streaming replica):
    tests/core/test_replica.py turns the replica on where it tests it."""
    settings.READ_REPLICA_ALIAS = None


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions on messages read English; the UI default (zh-hans) is tested on its own."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def city(db):
    return CityCompanyFactory(code="sz", name="深圳公司", city="深圳")


@pytest.fixture
def other_city(db):
    return CityCompanyFactory(code="wh", name="武汉公司", city="武汉")


@pytest.fixture
def project(city):
    return ProjectFactory(city_company=city, code="sjhc", name="四季花城")


@pytest.fixture
def other_project(other_city):
    return ProjectFactory(city_company=other_city, code="jk", name="金口花园")


@pytest.fixture
def agent(project):
    return UserFactory(username="agent", role=Role.CS_AGENT, projects=[project])


@pytest.fixture
def supervisor(project):
    return UserFactory(username="supervisor", role=Role.CS_SUPERVISOR, projects=[project])


@pytest.fixture
def city_head(city):
    return UserFactory(username="cityhead", role=Role.CITY_HEAD, city_companies=[city])


@pytest.fixture
def group_admin(db):
    return UserFactory(username="admin", role=Role.GROUP_ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def other_agent(other_project):
    return UserFactory(username="otheragent", role=Role.CS_AGENT, projects=[other_project])


@pytest.fixture
def owned_unit(project):
    """A unit of 四季花城 with a signed contract, its owner and the owner's phone."""
    unit = UnitFactory(building__project=project, building__number="3", entrance="1", number="502", floor=5)
    owner = CustomerFactory(city_company=project.city_company, registered_project=project, name="张伟")
    CustomerPhoneFactory(customer=owner, number="13812345678")
    ContractFactory(unit=unit, primary_buyer=owner)
    HouseholdMemberFactory(unit=unit, customer=owner)
    return unit


@pytest.fixture
def owner(owned_unit):
    return owned_unit.household.get(role="owner").customer


@pytest.fixture
def api_client():
    return APIClient()
