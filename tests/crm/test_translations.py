"""The zh-Hans catalogue: complete, compiled, and what a user sees by default."""

import ast
import gettext as stdlib_gettext
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from customers.models import Customer, HouseholdRole, Stage
from properties.models import Project

CATALOGUE = Path(django_settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
# %(name)s, %s, %d and {name} placeholders must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _po_entries(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry, keys msgctxt/msgid/msgid_plural/msgstr/msgstr[N], plus flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.strip().splitlines() if line and not line.startswith("#~")]
        if not lines:
            continue
        entry: dict = {"flags": set()}
        key = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _, literal = line.partition(" ")
                entry[key] = ast.literal_eval(literal)
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries():
    entries = _po_entries(CATALOGUE / "django.po")
    assert entries[0]["msgid"] == ""  # the header
    return entries[1:]


def _translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_the_catalogue_has_an_entry_for_every_screen(po_entries):
    assert len(po_entries) > 400
    assert {"Customers", "Log in", "Import units and customers"} <= {e["msgid"] for e in po_entries}


def test_every_entry_is_translated(po_entries):
    untranslated = [e["msgid"] for e in po_entries if not all(_translations(e))]
    assert untranslated == []


def test_no_entry_is_fuzzy(po_entries):
    assert [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]] == []


def test_plural_entries_have_the_single_chinese_form(po_entries):
    header = _po_entries(CATALOGUE / "django.po")[0]["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    plurals = [e for e in po_entries if "msgid_plural" in e]
    assert plurals
    for entry in plurals:
        assert entry["msgstr[0]"]
        assert "msgstr[1]" not in entry, entry["msgid"]


def test_translations_keep_the_placeholders(po_entries):
    broken = [
        (e["msgid"], value)
        for e in po_entries
        for value in _translations(e)
        if sorted(PLACEHOLDER.findall(value)) != sorted(PLACEHOLDER.findall(e["msgid"]))
    ]
    assert broken == []


def test_translations_drop_the_english_and_keep_chinese_glosses(po_entries):
    # "Owner (业主)" becomes "业主", not "业主 (业主)"; no msgstr is left in English.
    by_id = {e["msgid"]: e for e in po_entries if "msgctxt" not in e}
    assert by_id["Owner (业主)"]["msgstr"] == "业主"
    assert by_id["×10k"]["msgstr"] == "万"
    english = [
        e["msgid"]
        for e in po_entries
        for value in _translations(e)
        if re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", value)) and not re.search(r"[\u4e00-\u9fff]", value)
    ]
    assert english == []


def test_the_compiled_catalogue_matches_the_po_file(po_entries):
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        catalogue = stdlib_gettext.GNUTranslations(compiled)
    stale = []
    for entry in po_entries:
        if "msgctxt" in entry:
            got = catalogue.pgettext(entry["msgctxt"], entry["msgid"])
            expected = entry["msgstr"]
        elif "msgid_plural" in entry:
            got = catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 2)
            expected = entry["msgstr[0]"]
        else:
            got = catalogue.gettext(entry["msgid"])
            expected = entry["msgstr"]
        if got != expected:
            stale.append(entry["msgid"])
    assert stale == [], "run: manage.py compilemessages -l zh_Hans --ignore=.venv"


def test_key_strings_come_out_in_chinese():
    with translation.override("zh-hans"):
        assert gettext("Customers") == "客户"
        assert gettext("Log in") == "登录"
        assert [str(label) for label in Stage.labels] == [
            "意向客户",
            "准业主",
            "磨合期业主",
            "稳定期业主",
            "老业主",
        ]
        assert str(HouseholdRole.OWNER.label) == "业主"
        assert str(HouseholdRole.CO_OWNER.label) == "共有人"


def test_a_customers_name_and_a_projects_name_read_differently():
    with translation.override("zh-hans"):
        assert pgettext("person", "name") == "姓名"
        assert str(Customer._meta.get_field("name").verbose_name) == "姓名"
        assert str(Project._meta.get_field("name").verbose_name) == "名称"


def test_english_stays_the_source_language():
    with translation.override("en"):
        assert gettext("Customers") == "Customers"
        assert str(Stage.PROSPECT.label) == "Prospect (意向客户)"


def test_login_page_is_chinese_without_accept_language(client, db, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default; tests/conftest.py switches it to "en"
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in html
    for text in ("登录", "用户名", "密码", "对于客户没有管理"):
        assert text in html
    for text in ("Log in", "Username", "Password", "Service, not management."):
        assert text not in html


def test_customer_pages_are_chinese_by_default(client, settings, agent, owner):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(agent)
    list_html = client.get(reverse("customers:list")).content.decode()
    assert "新建客户" in list_html
    assert "客户阶段" in list_html
    assert 'placeholder="电话 / 尾号 / 姓名 / 房号' in list_html  # the global search box
    detail_html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    for text in ("身份与联系方式", "销售合同", "房屋与住户", "当前位置", "业主"):
        assert text in detail_html
    for text in ("Sales contracts", "Identity and contact", 'aria-label="breadcrumb"'):
        assert text not in detail_html
