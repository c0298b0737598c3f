"""`manage.py seed_bench`: many large, realistic, scheduled projects for performance work.

    manage.py seed_bench --projects 50 --tasks-per-project 2000 --links-per-task 1.5 --seed 1
    manage.py seed_bench --clean

Each run adds its own tagged projects (BENCH-S…-NNNN) and users (bench_s…_…); `--clean`
deletes everything any seed_bench or bench run left behind.
"""
from time import perf_counter

from django.core.management.base import BaseCommand, CommandError

from tasks.bench import DEFAULT_SEED, delete_bench_data, new_tag, seed_projects


class Command(BaseCommand):
    help = "Generate large scheduled bench projects (or delete them all with --clean)."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=50)
        parser.add_argument("--tasks-per-project", type=int, default=2000)
        parser.add_argument("--links-per-task", type=float, default=1.5)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--clean", action="store_true",
            help="Delete every bench project and user instead of generating any.",
        )

    def handle(self, *args, projects, tasks_per_project, links_per_task, seed, clean, **options):
        start = perf_counter()
        if clean:
            deleted_projects, deleted_users = delete_bench_data()
            self.stdout.write(
                f"Deleted {deleted_projects} bench projects and {deleted_users} bench users "
                f"in {perf_counter() - start:.1f} s."
            )
            return
        if projects < 1 or tasks_per_project < 1 or links_per_task < 0:
            raise CommandError("Need at least one project of one task, and links ≥ 0.")

        def progress(number, project, tasks, links):
            if options["verbosity"] >= 2 or number == projects or number % 10 == 0:
                self.stderr.write(
                    f"{number}/{projects} {project.code}: {tasks} tasks, {links} links "
                    f"({perf_counter() - start:.1f} s)"
                )

        tag = new_tag("S")
        seeded = seed_projects(
            tag=tag, projects=projects, tasks_per_project=tasks_per_project,
            links_per_task=links_per_task, seed=seed, progress=progress,
        )
        self.stdout.write(
            f"Seeded {len(seeded)} projects (BENCH-{tag}-…), "
            f"{sum(s.tasks for s in seeded)} tasks, {sum(s.links for s in seeded)} links "
            f"in {perf_counter() - start:.1f} s."
        )
