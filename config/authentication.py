"""API authentication (kept apart from config.api, which DRF imports while loading settings)."""
from django.utils import translation
from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """Token auth that, like the session middleware, speaks the user's chosen language."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].language:
            translation.activate(result[0].language)
            request._request.LANGUAGE_CODE = translation.get_language()
        return result
