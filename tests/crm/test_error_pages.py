import pytest

pytestmark = pytest.mark.django_db


def test_out_of_scope_record_shows_the_crm_404_page_in_chinese(client, settings, other_agent, owner):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(other_agent)
    response = client.get(f"/customers/{owner.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "未找到" in html and "返回首页" in html
    assert "张伟" not in html


def test_forbidden_action_shows_the_crm_403_page(client, settings, project, owner):
    from tests.factories import UserFactory

    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(UserFactory(role="contractor", projects=[project]))
    response = client.get(f"/customers/{owner.pk}/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_a_write_that_loses_a_race_at_the_database_is_a_409_page_not_a_500(
    client, settings, agent, owner, monkeypatch
):
    """E.g. a customer merged away between loading a page and posting from it: the database refuses
    the write (a broken link); the user is told to reload, nothing is half-saved."""
    from django.db import IntegrityError

    from customers import services

    def lost_race(**kwargs):
        raise IntegrityError('insert or update violates foreign key constraint "customer_id_fk"')

    monkeypatch.setattr(services, "household_member_remove", lost_race)
    settings.LANGUAGE_CODE = "zh-hans"
    member = owner.households.get()
    client.force_login(agent)

    response = client.post(f"/customers/{owner.pk}/household/{member.pk}/remove/")

    assert response.status_code == 409
    html = response.content.decode()
    assert "重新加载" in html or "刷新" in html
    assert "customer_id_fk" not in html
