from django.utils import translation
from rest_framework import serializers

from notifications.models import Kind, Notification


class NotificationSerializer(serializers.ModelSerializer):
    """API.md: {id, kind, project, task, message, created_at, read}, plus the page it links to.

    `message` is rendered in the caller's own language, whatever the request asks for.
    """

    message = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "project", "task", "message", "created_at", "read", "link"]
        read_only_fields = fields

    def get_message(self, obj) -> str:
        request = self.context.get("request")
        language = getattr(getattr(request, "user", None), "language", None)
        if not language:
            return obj.text
        with translation.override(language):
            return obj.text

    def get_link(self, obj) -> str:
        return obj.link


class ReadAllSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class MarkedReadSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
