"""Simplified Chinese formats: Django's, with money grouped by thousands as finance writes it."""
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
