from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, using="default", verbosity=1, **kwargs) -> None:
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from .roles import ROLE_PERMISSIONS, role_groups_sync

    # post_migrate reaches us before it reaches properties/customers, whose permissions
    # auth would create only then: create them now (idempotent) so the groups get them.
    labels = {label for permissions in ROLE_PERMISSIONS.values() for label in permissions}
    for label in sorted(labels):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using)
    role_groups_sync(using=using)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff and access")

    def ready(self) -> None:
        # After every migrate (and every test-database flush), each role's group gets its share.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="accounts.sync_role_groups")
