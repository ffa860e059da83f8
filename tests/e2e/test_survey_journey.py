"""Journey 3: a satisfaction survey sent and answered.

A city company head drafts a campaign for the project's new buyers on the campaign form, checks the
preview and sends it; the invitation is in the outbox with the owner's link; the owner opens the link
on a phone and answers; the campaign's results show the answer.
"""

import datetime
import re

from django.utils import timezone

from core.models import OutboxMessage
from surveys.models import Answer, Campaign, Invitation
from tests.browser.chromium import TIMEOUT_MS, requires_chromium
from tests.e2e.conftest import assert_fits
from tests.surveys.factories import owner_home, questionnaire

pytestmark = requires_chromium


def pick(page, code: str, value: str) -> None:
    page.locator(f'[data-testid=question-{code}] label:has(input[value="{value}"])').click()


def test_a_campaign_sent_answered_and_in_the_results(
    live_server, chromium, city, project, city_head, open_as, sms_outbox
):
    from playwright.sync_api import expect

    version = questionnaire(name="2026年交付业主满意度调查")
    owner = owner_home(project, signed=timezone.localdate() - datetime.timedelta(days=20), name="李娜")

    # The city head drafts the campaign for the project's buyers and sends it.
    manager = open_as("cityhead")
    manager.goto(f"{live_server.url}/surveys/campaigns/")
    manager.get_by_role("link", name=re.compile("New campaign")).click()
    form = manager.get_by_test_id("campaign-form")
    form.locator("input[name=name]").fill("四季花城新业主调查")
    form.locator("select[name=template_version]").select_option(str(version.pk))
    form.locator("input[name=segments][value=buyer]").check()
    form.locator("select[name=city_company]").select_option(str(city.pk))
    form.locator("select[name=project]").select_option(str(project.pk))
    form.locator("[type=submit]").click()
    manager.wait_for_url(re.compile(r"/surveys/campaigns/\d+/$"))
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.project_id, campaign.segments) == (
        Campaign.Status.DRAFT,
        project.pk,
        ["buyer"],
    )
    expect(manager.get_by_test_id("preview-total")).to_contain_text("1")
    send = manager.get_by_test_id("send-form")
    expect(send.locator("[type=submit]")).to_contain_text("Send to 1 owners")
    send.locator("[type=submit]").click()
    expect(manager.get_by_test_id("campaign-progress")).to_contain_text("1 of 1 invitations sent")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN

    # The invitation went through the outbox, with the owner's own link in it.
    invitation = Invitation.objects.get(campaign=campaign)
    assert invitation.customer_id == owner.pk and invitation.status == Invitation.Status.SENT
    message = OutboxMessage.objects.get(idempotency_key=f"survey-invitation.{invitation.pk}")
    link = re.search(r"/s/[^/\s]+/", message.body).group(0)
    assert link == f"/s/{invitation.token}/"
    assert (message.channel, message.recipient) == ("sms", owner.phones.get().number)
    # The outbox's drain handed it to the text-message provider (in memory here).
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert [sms.text for sms in sms_outbox if sms.idempotency_key == message.idempotency_key] == [
        message.body
    ]

    # The owner opens the link on their phone and answers.
    phone = chromium.new_page(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(TIMEOUT_MS)
    phone.goto(f"{live_server.url}{link}")
    expect(phone.get_by_test_id("project-name")).to_have_text("四季花城")
    pick(phone, "overall", "5")
    pick(phone, "repurchase", "4")
    pick(phone, "recommend", "9")
    pick(phone, "quality", "4")
    pick(phone, "leaks", "no")
    expect(phone.get_by_test_id("question-leak_rooms")).to_be_hidden()
    phone.get_by_test_id("question-comments").locator("textarea").fill("交付很顺利")
    phone.get_by_test_id("submit").click()
    expect(phone.get_by_test_id("thanks")).to_be_visible()
    assert_fits(phone)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.COMPLETED
    finals = {a.question.code: a for a in Answer.objects.filter(invitation=invitation, is_final=True)}
    assert finals["overall"].score == 5 and finals["recommend"].score == 9
    assert finals["comments"].text == "交付很顺利"

    # The campaign's results show the one answer.
    manager.goto(f"{live_server.url}/surveys/campaigns/{campaign.pk}/results/")
    headline = manager.get_by_test_id("headline")
    expect(headline).to_contain_text("1 answered of 1 reached (1 invited)")
    expect(manager.get_by_test_id("satisfaction")).to_contain_text("n = 1")
    expect(manager.get_by_test_id("recommend")).to_contain_text("n = 1")
    assert_fits(manager)
