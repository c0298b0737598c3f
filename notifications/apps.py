from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from .schedule import install_schedule

        post_migrate.connect(install_schedule, sender=self,
                             dispatch_uid="notifications.install_schedule")
