"""English formats: Django's, with one date style across the product (Nov. 25, 2026)."""
from django.conf.locale.en.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "N j, Y"
SHORT_DATETIME_FORMAT = "N j, Y, H:i"
DATETIME_FORMAT = "N j, Y, H:i"
