"""`manage.py run_alerts [--date YYYY-MM-DD]`: every alert job at once, as the scheduler runs them.

Prints how many notifications each job added and how many e-mails went out. Safe to run any
number of times: a second run on the same date adds nothing.
"""
from django.core.management.base import BaseCommand, CommandError

from notifications import jobs


class Command(BaseCommand):
    help = "Run the alert jobs (overdue, due soon, stale progress, progress reminder) and e-mail."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args, date=None, **options):
        try:
            day = jobs.parse_day(date)
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        counts = jobs.run_all(on=day)
        width = max(len(name) for name in counts)
        self.stdout.write(f"Alerts for {day.isoformat()}:")
        for name, count in counts.items():
            self.stdout.write(f"  {name.ljust(width)}  {count}")
