"""`manage.py bench [NAME …]`: run performance measurements, one JSON object per line.

    manage.py bench                              every registered measurement
    manage.py bench reschedule_edit_10k --runs 3
    manage.py bench --scale 0.01                 the same measurements on 1 % of the data

Each measurement generates its data in the configured database, times several runs after a
warm-up and prints {"name", "value" (median wall time), "unit", "target", "runs", "queries",
"cpu" (median CPU time of this process, same unit)}, then deletes what it generated, also when
it fails. A measurement that cannot run yet prints "value": null and an "error"; one that fails
does too, and the command then exits non-zero. Measurements run with DEBUG off and live in the
`bench.py` module of any installed app (see tasks/bench.py).
"""
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from tasks.bench import DEFAULT_SEED, MEASUREMENTS, run_measurement


class Command(BaseCommand):
    help = "Run performance measurements and print one JSON line each."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="NAME", help="Measurements (all if none).")
        parser.add_argument("--runs", type=int, help="Timed runs each (default: per measurement).")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Fraction of the full data sizes to use."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--list", action="store_true", dest="list_only", help="List the measurements and exit."
        )

    def handle(self, *args, names, runs, scale, seed, list_only, **options):
        autodiscover_modules("bench")
        if list_only:
            for item in MEASUREMENTS.values():
                self.stdout.write(f"{item.name}\t{item.target} {item.unit}\t{item.runs} runs")
            return
        unknown = sorted(set(names) - set(MEASUREMENTS))
        if unknown:
            raise CommandError(
                f"Unknown measurement {', '.join(unknown)}; known: {', '.join(MEASUREMENTS)}"
            )
        if runs is not None and runs < 1 or scale <= 0:
            raise CommandError("--runs and --scale must be positive.")
        verbose = options["verbosity"] >= 1
        failed = []
        for name in names or MEASUREMENTS:
            line = run_measurement(
                MEASUREMENTS[name], scale=scale, runs=runs, seed=seed,
                log=self.stderr.write if verbose else None,
            )
            if line.pop("failed", False):
                failed.append(name)
            self.stdout.write(json.dumps(line, ensure_ascii=False))
            self.stdout.flush()
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)}")
