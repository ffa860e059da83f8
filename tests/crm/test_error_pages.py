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
