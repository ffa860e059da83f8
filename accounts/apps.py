from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks
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


def _start_idle_clock(sender, request, user, **kwargs) -> None:
    from .middleware import idle_clock_start

    if request is not None and hasattr(request, "session"):
        idle_clock_start(request)


def check_two_factor_roles(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .roles import Role

    errors = []
    for name in ("TWO_FACTOR_ROLES", "TWO_FACTOR_REQUIRED_ROLES"):
        unknown = sorted(set(getattr(settings, name)) - set(Role.values))
        if unknown:
            errors.append(
                checks.Error(
                    f"{name} names unknown roles: {', '.join(unknown)}.",
                    hint=f"Use role values: {', '.join(Role.values)}.",
                    id="accounts.E001",
                )
            )
    return errors


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff and access")

    def ready(self) -> None:
        # After every migrate (and every test-database flush), each role's group gets its share.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="accounts.sync_role_groups")
        # Every login (the form, the code step, the tests' force_login) starts the idle clock.
        user_logged_in.connect(_start_idle_clock, dispatch_uid="accounts.start_idle_clock")
        checks.register(check_two_factor_roles)

        from core.exports import register_exporter
        from core.menu import register_menu_entry

        from . import exports, menu

        register_menu_entry(order=85, entry=menu.access_log_menu)
        register_exporter("access-log", exports.ACCESS_LOG_EXPORTER)
