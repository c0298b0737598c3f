"""What every Jindu viewset shares: rules from the permission module and 409s with `current`."""
from django.db import models

from config.api import sent_version
from config.errors import ConflictError
from projects.permissions import require


class RuleViewSetMixin:
    """Checks `rules[action]` (a projects.permissions action needing no object) before a handler.

    Object rules are checked in the handlers with `require(user, action, obj)`, after the object
    was looked up among the ones the user may see. A stale-version conflict raised by a service
    carries the fresh model instance; it is answered with that object as this viewset shows it.
    """

    rules: dict = {}
    output_serializer_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        rule = self.rules.get(self.action)
        if rule is not None:
            require(request.user, rule)

    def expected_version(self):
        return sent_version(self.request)

    def output(self, instance):
        serializer_class = self.output_serializer_class or self.get_serializer_class()
        return serializer_class(instance, context=self.get_serializer_context()).data

    def refreshed(self, instance):
        """The instance re-read through `get_queryset` (annotations, prefetches) for output."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def handle_exception(self, exc):
        if isinstance(exc, ConflictError) and isinstance(exc.current, models.Model):
            exc.current = self.output(self.refreshed(exc.current))
        return super().handle_exception(exc)
