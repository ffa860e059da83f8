# Run by .ci/schemathesis.sh through `manage.py shell`: an API token for the administrator (admin) and
# for a customer-service agent who sees one city company (深圳, code sz), printed as "TOKEN <who> <key>".
import datetime

from django.utils import timezone

from accounts.api_tokens import api_token_issue
from accounts.models import Role, User
from accounts.services import staff_set_role
from properties.models import CityCompany

agent, _created = User.objects.get_or_create(
    username="api_agent", defaults={"display_name": "API 客服专员", "email": "api_agent@demo.crm.local"}
)
staff_set_role(user=agent, role=Role.CS_AGENT)
agent.city_companies.set([CityCompany.objects.get(code="sz")])
agent.projects.clear()
expires = timezone.now() + datetime.timedelta(days=1)
for who, user in (("admin", User.objects.get(username="admin")), ("agent", agent)):
    print("TOKEN", who, api_token_issue(user=user, name="schemathesis", expires_at=expires).key)
