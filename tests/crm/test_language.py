import pytest

pytestmark = pytest.mark.django_db


def test_ui_is_chinese_even_when_the_browser_asks_for_english(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_language_switch_to_english_sticks(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/")
    assert 'lang="en"' in response.content.decode()


def test_unknown_language_cookie_falls_back_to_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert 'lang="zh-hans"' in client.get("/login/").content.decode()
