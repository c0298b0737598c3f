"""Benchmark harness: realistic bench data, the measurement registry and this app's measurements.

Everything generated here is recognisable and removable: projects are coded ``BENCH-<tag>-NNNN``,
users are named ``bench_<tag>_…`` with an ``@bench.invalid`` address and no usable password.
``seed_bench`` tags its data ``S…``, each ``bench`` measurement ``T…``, so a measurement cleans
up only what it made while ``seed_bench --clean`` removes all of it.

Other apps add measurements in their own ``bench.py`` (the ``bench`` command imports them all)::

    @measurement("risk_register_5k", unit="ms", target=200)
    def risk_register_5k(bench):
        seeded = bench.seed_project(tasks=bench.size(2_000))
        return bench.time(lambda: ...)     # samples in seconds; the median is reported
"""
import math
import random
import secrets
import statistics
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from time import perf_counter, process_time
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.http.request import validate_host
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Organization, User
from projects.models import Membership, Project

from . import scheduling, services
from .models import Dependency, Task

PROJECT_PREFIX = "BENCH-"
USER_PREFIX = "bench_"
EMAIL_DOMAIN = "@bench.invalid"
BATCH_SIZE = 1000
DEFAULT_SEED = 20260301


# --- Registry -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measurement:
    name: str
    unit: str
    target: float
    runs: int
    warmup: int
    func: Callable


MEASUREMENTS: dict[str, Measurement] = {}
UNIT_SCALE = {"s": 1, "ms": 1000}


def measurement(name, *, unit="s", target, runs=5, warmup=1):
    """Register ``func(bench) -> [seconds, …]`` as a measurement reported in ``unit``."""
    if unit not in UNIT_SCALE:
        raise ValueError(f"unit must be one of {sorted(UNIT_SCALE)}")

    def register(func):
        MEASUREMENTS[name] = Measurement(name, unit, target, runs, warmup, func)
        return func

    return register


class Unavailable(Exception):
    """What a measurement exercises does not exist yet: reported as a null value, not a failure."""


class _QueryCount:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Bench:
    """What a measurement gets: sizes scaled for quick runs, seeded data, and a timer."""

    def __init__(self, *, tag, scale=1.0, runs=5, warmup=1, seed=DEFAULT_SEED, log=None):
        self.tag = tag
        self.scale = scale
        self.runs = runs
        self.warmup = warmup
        self.seed = seed
        self.log = log or (lambda message: None)
        self.queries = None
        self.cpu = []
        # Further figures a measurement reports, added to its JSON line as they are.
        self.extra = {}

    def size(self, full, *, minimum=10):
        """``full`` at scale 1; at least ``minimum`` so that scaled-down data keeps its shape."""
        return max(minimum, round(full * self.scale))

    def seed_project(self, *, tasks, links_per_task=1.5):
        self.log(f"seeding a {tasks}-task project")
        start = perf_counter()
        (seeded,) = seed_projects(
            tag=self.tag, projects=1, tasks_per_project=tasks, links_per_task=links_per_task,
            seed=self.seed,
        )
        self.log(f"seeded in {perf_counter() - start:.1f} s")
        return seeded

    def time(self, operation, *, prepare=None):
        """Seconds taken by each of ``runs`` calls, after ``warmup`` untimed ones.

        With ``prepare``, each call is ``operation(prepare(i))`` (i counts warm-up calls too) and
        ``prepare`` stays out of the timing. Database queries of the timed calls are counted, and
        this process's CPU time is kept in ``cpu``: on a busy machine it moves less than wall time.
        """
        samples, counts, self.cpu = [], [], []
        for i in range(self.warmup + self.runs):
            argument = () if prepare is None else (prepare(i),)
            counter = _QueryCount()
            with connection.execute_wrapper(counter):
                start, start_cpu = perf_counter(), process_time()
                operation(*argument)
                elapsed, cpu = perf_counter() - start, process_time() - start_cpu
            if i >= self.warmup:
                samples.append(elapsed)
                self.cpu.append(cpu)
                counts.append(counter.count)
        self.queries = round(statistics.median(counts)) if counts else None
        return samples


def new_tag(kind):
    """A tag no bench data uses yet: ``kind`` (S for seed_bench, T for bench) + 4 hex digits."""
    while True:
        tag = f"{kind}{secrets.token_hex(2)}"
        if not (
            Project.objects.filter(code__startswith=f"{PROJECT_PREFIX}{tag}-").exists()
            or User.objects.filter(username__startswith=f"{USER_PREFIX}{tag.lower()}_").exists()
        ):
            return tag


def run_measurement(item, *, scale=1.0, runs=None, seed=DEFAULT_SEED, log=None):
    """One JSON-ready line for ``item``; whatever it seeded is deleted, even when it fails.

    A failure is reported in the line's ``error`` (and its traceback on stderr) and flagged
    with ``failed``; Unavailable only sets ``error``.
    """
    log = log or (lambda message: None)
    line = {"name": item.name, "value": None, "unit": item.unit, "target": item.target}
    bench = Bench(
        tag=new_tag("T"), scale=scale, runs=runs or item.runs, warmup=item.warmup, seed=seed,
        log=lambda message: log(f"{item.name}: {message}"),
    )
    try:
        # Production runs with DEBUG off: no query log, no template debug information.
        with override_settings(DEBUG=False):
            samples = item.func(bench)
        digits = 4 if item.unit == "s" else 2
        line["value"] = round(statistics.median(samples) * UNIT_SCALE[item.unit], digits)
        line["runs"] = len(samples)
        if bench.queries:
            line["queries"] = bench.queries
        if bench.cpu:
            line["cpu"] = round(statistics.median(bench.cpu) * UNIT_SCALE[item.unit], digits)
        line.update(bench.extra)
    except Unavailable as exc:
        line["error"] = str(exc)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        line["error"] = f"{type(exc).__name__}: {exc}"
        line["failed"] = True
    finally:
        delete_bench_data(tag=bench.tag)
    return line


# --- Bench data -----------------------------------------------------------------------------

FAMILY_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余"
GIVEN_NAMES = [
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "强", "婷", "鹏", "涛",
    "丽", "超", "明", "霞", "平", "刚", "华", "宇", "浩", "欣", "晨", "志强", "秀英", "建国",
    "海燕", "晓东", "文静", "子豪", "雨涵", "俊杰", "佳怡", "国庆", "红梅",
]
CITIES = [
    "杭州", "宁波", "温州", "绍兴", "嘉兴", "湖州", "金华", "台州", "丽水", "衢州", "舟山",
    "上海", "苏州", "南京", "合肥", "福州",
]
PROJECT_KINDS = [
    "数据中心网络改造", "广域网升级", "园区无线覆盖", "安全等保整改", "云平台迁移",
    "视频监控联网", "运维监控平台建设", "核心交换扩容", "灾备中心建设", "呼叫中心系统升级",
]
PHASES = [
    "项目启动", "需求调研", "方案设计", "设备采购", "到货验收", "安装部署", "系统集成",
    "联调测试", "割接上线", "试运行", "培训交付", "竣工验收", "项目收尾",
]
AREAS = [
    "核心机房", "汇聚层", "接入层", "数据中心A区", "数据中心B区", "灾备中心", "无线网络",
    "安全边界", "运维平台", "监控系统", "存储系统", "虚拟化平台", "呼叫中心", "出口链路",
]
PACKAGE_WORKS = ["网络建设", "设备安装", "系统部署", "链路割接", "安全加固", "综合布线", "联调"]
ACTIONS = [
    "勘察", "安装", "配置", "调试", "测试", "上架", "布线", "割接", "巡检", "编写", "评审",
    "采购", "部署", "迁移", "备份", "验证", "优化", "培训",
]
OBJECTS = [
    "核心交换机", "汇聚交换机", "接入交换机", "防火墙", "负载均衡", "路由器", "无线AP",
    "服务器", "存储阵列", "光缆", "VLAN 规划", "路由策略", "监控告警", "日志审计", "备份策略",
    "用户手册", "测试用例", "割接方案", "应急预案", "IP 地址规划", "机柜", "UPS 电源", "堡垒机",
    "VPN 网关",
]
MILESTONE_WORDS = ["验收通过", "到货确认", "方案评审通过", "割接完成", "签字确认"]
ORDINALS = "一二三四五六七八九十"
TEAMS = [team for team, _label in Membership.Team.choices]


class SeededProject(NamedTuple):
    project: Project
    pm: User
    tasks: int
    links: int


@dataclass
class _Leaf:
    task: Task
    phase: int
    container: int
    position: int
    is_gate: bool = False
    path: tuple = ()


def seed_projects(*, tag, projects, tasks_per_project, links_per_task, seed, progress=None):
    """Projects with a team, a WBS of phases and work packages over leaf tasks, and links.

    Each project is created through bulk inserts, one WBS level at a time, then scheduled with
    services.schedule_project so that its stored dates are the real ones.
    """
    rng = random.Random(seed)
    pms, pool = _seed_users(rng, tag, projects)
    today = timezone.localdate()
    seeded = []
    for number, pm in enumerate(pms, start=1):
        with transaction.atomic():
            project = Project.objects.create(
                code=f"{PROJECT_PREFIX}{tag}-{number:04d}",
                name=f"{rng.choice(CITIES)}{rng.choice(PROJECT_KINDS)}（基准测试）",
                description="Generated by seed_bench.",
                status=Project.Status.EXECUTING,
                planned_start=today - timedelta(days=rng.randrange(180)),
                planned_end=today + timedelta(days=365),
            )
            team = _seed_team(rng, project, pm, pool)
            tasks, links = _seed_plan(rng, project, pm, team, tasks_per_project, links_per_task)
            result = services.schedule_project(project=project)
            if result.tasks:
                project.planned_end = max(result.project_finish, project.planned_start)
                Project.objects.filter(pk=project.pk).update(planned_end=project.planned_end)
        seeded.append(SeededProject(project, pm, tasks, links))
        if progress:
            progress(number, project, tasks, links)
    return seeded


def _person(rng):
    return rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)


def _seed_users(rng, tag, projects):
    """One PM per project and a shared pool of staff, six per project, that teams draw from."""
    password = make_password(None)
    prefix = f"{USER_PREFIX}{tag.lower()}_"
    users = []
    for kind, count in (("pm", projects), ("m", max(12, 6 * projects))):
        for i in range(1, count + 1):
            family, given = _person(rng)
            username = f"{prefix}{kind}{i:04d}"
            users.append(User(
                username=username, email=f"{username}{EMAIL_DOMAIN}", password=password,
                first_name=given, last_name=family, display_name=family + given,
                system_role=User.SystemRole.STAFF,
            ))
    users = User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    return users[:projects], users[projects:]


def _seed_team(rng, project, pm, pool):
    """The PM, an assistant, a QA engineer and 6-14 members; returns those who own tasks."""
    people = rng.sample(pool, min(len(pool), rng.randint(8, 16)))
    memberships = [Membership(project=project, user=pm, role=Membership.Role.PM)]
    roles = [Membership.Role.ASSISTANT, Membership.Role.QA]
    for i, user in enumerate(people):
        role = roles[i] if i < len(roles) else Membership.Role.MEMBER
        team = rng.choice(TEAMS) if role == Membership.Role.MEMBER else ""
        memberships.append(Membership(project=project, user=user, role=role, team=team))
    Membership.objects.bulk_create(memberships)
    return [pm, *people[len(roles):]]


def _shape(total):
    """(phases, work packages, leaves): about one summary task in eight, as in real plans."""
    if total < 6:
        return 0, 0, total
    phases = max(1, round(math.sqrt(total) / 7))
    packages = round(total / 8) - phases
    if packages < phases:
        packages = 0
    return phases, packages, total - phases - packages


def _phase_name(index):
    name = PHASES[index % len(PHASES)]
    lap = index // len(PHASES)
    return f"{name}（{ORDINALS[lap % 10]}期）" if lap else name


def _area(rng):
    return rng.choice([
        lambda: rng.choice(AREAS),
        lambda: f"{rng.choice(CITIES)}分公司",
        lambda: f"办公楼{rng.randint(1, 30)}层",
    ])()


def _duration(rng):
    if rng.random() < 0.04:
        return 0
    return min(15, int(rng.triangular(1, 16, 3)))


def _link_kind(rng):
    """Mostly finish-to-start; some start-to-start and finish-to-finish; lags and a few leads."""
    draw = rng.random()
    if draw < 0.8:
        lag = rng.randint(1, 5) if rng.random() < 0.1 else 0
        if not lag and rng.random() < 0.04:
            lag = -rng.randint(1, 2)
        return "FS", lag
    if draw < 0.92:
        return "SS", rng.randint(0, 3)
    return "FF", rng.randint(0, 2)


def _sizes(rng, total, count):
    """``total`` split into ``count`` parts of at least one, each within about ±40 % of the mean."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(count)]
    share = (total - count) / sum(weights)
    sizes = [1 + int(share * weight) for weight in weights]
    for _ in range(total - sum(sizes)):
        sizes[rng.randrange(count)] += 1
    return sizes


def _path_codes(path):
    """The WBS code and sort key services.schedule_project gives the task at ``path``."""
    return ".".join(map(str, path)), "".join(f"{number:05d}." for number in path)


def _seed_plan(rng, project, pm, team, total, links_per_task):
    """The WBS and its links, created one level at a time. Returns (tasks, links) created.

    Every link joins two leaves and goes from a smaller (phase, is phase gate, position in its
    work package) to a greater one, so the network is acyclic by construction. Work packages of
    one phase run in parallel, each mostly a chain; a phase ends with a gate milestone that most
    of the next phase's packages wait for.
    """
    n_phases, n_packages, n_leaves = _shape(total)
    phases = Task.objects.bulk_create([
        Task(project=project, position=i + 1, name=_phase_name(i), owner=pm, client_visible=True)
        for i in range(n_phases)
    ], batch_size=BATCH_SIZE)
    gates = n_phases if n_leaves >= n_phases + max(n_packages, n_phases) else 0
    package_phase = sorted([*range(min(n_phases, n_packages)),
                            *(rng.randrange(n_phases) for _ in range(n_packages - n_phases))])
    packages, containers, children = [], [], {}
    for phase in package_phase:
        children[phase] = children.get(phase, 0) + 1
        area = _area(rng)
        packages.append(Task(
            project=project, parent=phases[phase], position=children[phase],
            name=f"{area}{rng.choice(PACKAGE_WORKS)}", owner=rng.choice(team),
        ))
        containers.append((packages[-1], phase, area, (phase + 1, children[phase])))
    packages = Task.objects.bulk_create(packages, batch_size=BATCH_SIZE)
    # Leaves hang under work packages, or under phases (or the top) in plans too small for them.
    if not containers:
        containers = [(task, i, _area(rng), (i + 1,)) for i, task in enumerate(phases)]
        containers = containers or [(None, 0, _area(rng), ())]

    leaves = []
    sizes = _sizes(rng, n_leaves - gates, len(containers))
    for index, ((parent, phase, area, path), size) in enumerate(
        zip(containers, sizes, strict=True)
    ):
        for position in range(size):
            duration = _duration(rng)
            name = (f"{area}{rng.choice(MILESTONE_WORDS)}" if duration == 0
                    else f"{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}")
            # An agreed delivery or access date now and then, around when the phase should run.
            not_before = (project.planned_start + timedelta(days=phase * 80 + rng.randrange(60))
                          if rng.random() < 0.01 else None)
            leaves.append(_Leaf(Task(
                project=project, parent=parent, position=position + 1, name=name,
                owner=rng.choice(team) if rng.random() < 0.95 else None, duration_days=duration,
                start_no_earlier_than=not_before, client_visible=duration == 0,
            ), phase, index, position, path=(*path, position + 1)))
        if gates and (index + 1 == len(containers) or containers[index + 1][1] != phase):
            position = (children[phase] if packages else size) + 1
            leaves.append(_Leaf(Task(
                project=project, parent=phases[phase], position=position,
                name=f"{_phase_name(phase)}完成", owner=pm, duration_days=0, client_visible=True,
            ), phase, -1, 0, is_gate=True, path=(phase + 1, position)))
    pairs = _plan_links(rng, leaves, round(total * links_per_task))
    _prefill_schedule(project, leaves, pairs)
    _set_progress(rng, leaves, timezone.localdate())
    Task.objects.bulk_create([leaf.task for leaf in leaves], batch_size=BATCH_SIZE)
    Dependency.objects.bulk_create([
        Dependency(project=project, predecessor=leaves[pred].task, successor=leaves[succ].task,
                   type=kind, lag_days=lag)
        for (pred, succ), (kind, lag) in pairs.items()
    ], batch_size=BATCH_SIZE)
    return n_phases + len(packages) + len(leaves), len(pairs)


def _prefill_schedule(project, leaves, pairs):
    """Give the leaves, before they are inserted, the dates schedule_project will compute.

    Only a speed-up: schedule_project still runs afterwards and remains the authority, but it
    then rewrites only the summary rows instead of every row.
    """
    result = scheduling.schedule(
        [(i, leaf.task.duration_days, leaf.task.start_no_earlier_than)
         for i, leaf in enumerate(leaves)],
        [(pred, succ, kind, lag) for (pred, succ), (kind, lag) in pairs.items()],
        calendar=services.engine_calendar(project.calendar), project_start=project.planned_start,
    )
    for i, leaf in enumerate(leaves):
        row, task = result.tasks[i], leaf.task
        task.wbs, task.sort_key = _path_codes(leaf.path)
        task.planned_start, task.planned_end = row.early_start, row.early_finish
        task.late_start, task.late_finish = row.late_start, row.late_finish
        task.total_float, task.free_float = row.total_float, row.free_float
        task.is_critical = row.critical


def _set_progress(rng, leaves, today):
    """Progress as of ``today`` by the planned dates, with one past task in ten running late."""
    for leaf in leaves:
        task = leaf.task
        if task.planned_end < today and rng.random() < 0.9:
            task.status, task.percent_complete = Task.Status.DONE, 100
            task.actual_start, task.actual_finish = task.planned_start, task.planned_end
        elif task.planned_start <= today:
            task.status, task.percent_complete = Task.Status.IN_PROGRESS, rng.randrange(5, 95, 5)
            task.actual_start = task.planned_start


def _plan_links(rng, leaves, wanted):
    """{(pred index, succ index): (type, lag)}: chains, phase gates, then cross links."""
    pairs = {}
    by_container, by_phase, gate_of = {}, {}, {}
    for i, leaf in enumerate(leaves):
        if leaf.is_gate:
            gate_of[leaf.phase] = i
        else:
            by_container.setdefault(leaf.container, []).append(i)
            by_phase.setdefault(leaf.phase, []).append(i)
    by_phase_position = {}
    for i, leaf in enumerate(leaves):
        if not leaf.is_gate:
            by_phase_position.setdefault((leaf.phase, leaf.position), []).append(i)

    for members in by_container.values():
        # Mostly one after the other; now and then two tasks of a package run side by side.
        for j in range(1, len(members)):
            pred = members[j - 2] if j >= 2 and rng.random() < 0.25 else members[j - 1]
            pairs[pred, members[j]] = _link_kind(rng)
        phase = leaves[members[0]].phase
        if phase - 1 in by_phase:
            gate = gate_of.get(phase - 1)
            if gate is not None and rng.random() < 0.7:
                pairs[gate, members[0]] = ("FS", 0)
            else:
                previous = by_phase[phase - 1]
                pairs[rng.choice(previous[len(previous) * 2 // 3:]), members[0]] = _link_kind(rng)
        if phase in gate_of:
            pairs[members[-1], gate_of[phase]] = ("FS", 0)
    if len(pairs) > wanted:
        return dict(rng.sample(list(pairs.items()), wanted))

    candidates = [i for i, leaf in enumerate(leaves) if not leaf.is_gate and leaf.position]
    attempts = 20 * (wanted - len(pairs))
    while candidates and len(pairs) < wanted and attempts:
        attempts -= 1
        succ = rng.choice(candidates)
        leaf = leaves[succ]
        if leaf.phase - 1 in by_phase and rng.random() < 0.2:
            pred = rng.choice(by_phase[leaf.phase - 1])
        else:
            pred = rng.choice(by_phase_position[leaf.phase, rng.randrange(leaf.position)])
        if (pred, succ) not in pairs:
            pairs[pred, succ] = _link_kind(rng)
    return pairs


def delete_bench_data(*, tag=None):
    """Delete the bench projects and users of ``tag`` (all of them without one) and their history.

    Returns (projects, users) deleted. History recording is off meanwhile, so deleting leaves
    no trace, and projects go one at a time to keep the cascade's memory small.
    """
    code_prefix = f"{PROJECT_PREFIX}{tag}-" if tag else PROJECT_PREFIX
    user_prefix = f"{USER_PREFIX}{tag.lower()}_" if tag else USER_PREFIX
    project_ids = list(
        Project.objects.filter(code__startswith=code_prefix).values_list("pk", flat=True)
    )
    users = User.objects.filter(username__startswith=user_prefix, email__endswith=EMAIL_DOMAIN)
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for pk in project_ids:
            with transaction.atomic():
                Project.objects.filter(pk=pk).delete()
        for model in apps.get_models():
            # Historical models (simple_history) name the model they record in instance_type.
            recorded = getattr(model, "instance_type", None)
            if recorded is Project:
                model.objects.filter(id__in=project_ids).delete()
            elif recorded and any(field.name == "project" for field in model._meta.fields):
                model.objects.filter(project_id__in=project_ids).delete()
        user_count = users.count()
        organizations = list(users.exclude(organization=None).values_list(
            "organization", flat=True).distinct())
        users.delete()
        # Client organisations made for bench clients (portal measurements) go with them.
        Organization.objects.filter(pk__in=organizations, name__startswith=PROJECT_PREFIX,
                                    users__isnull=True, projects__isnull=True).delete()
    return len(project_ids), user_count


# --- Measurements of the tasks app ------------------------------------------------------------

CPM_START = date(2026, 3, 2)


@measurement("cpm_100k", unit="s", target=1.0)
def cpm_100k(bench):
    """The engine alone: 100,000 tasks and 150,000 links scheduled in memory."""
    tasks, links = scheduling.random_network(
        bench.size(100_000), 1.5, bench.seed, first_start=CPM_START
    )
    calendar = scheduling.WorkCalendar()
    return bench.time(
        lambda: scheduling.schedule(tasks, links, calendar=calendar, project_start=CPM_START)
    )


@measurement("reschedule_edit_10k", unit="s", target=1.0)
def reschedule_edit_10k(bench):
    """One duration edit in a 10,000-task plan, re-scheduled and saved by services.update_task.

    The edited task is the earliest critical one, and its duration goes up and down by one day
    in turn, so every run moves the dates of everything after it.
    """
    seeded = bench.seed_project(tasks=bench.size(10_000))
    leaves = Task.objects.filter(project=seeded.project, is_summary=False, duration_days__gt=0)
    edited = (leaves.filter(is_critical=True).order_by("planned_start", "sort_key").first()
              or leaves.order_by("planned_start", "sort_key").first())
    base = edited.duration_days

    def prepare(run):
        # What a request would load: the user and the task, fresh.
        return (User.objects.get(pk=seeded.pm.pk),
                Task.objects.select_related("project").get(pk=edited.pk),
                base + (1 if run % 2 == 0 else 0))

    return bench.time(
        lambda args: services.update_task(user=args[0], task=args[1], duration_days=args[2]),
        prepare=prepare,
    )


@measurement("plan_page_2k", unit="ms", target=300)
def plan_page_2k(bench):
    """Server time of the planning page of a 2,000-task project, as its PM opens it."""
    try:
        reverse("tasks:plan", args=[1])
    except NoReverseMatch:
        raise Unavailable("planning page not available") from None
    seeded = bench.seed_project(tasks=bench.size(2_000))
    url = reverse("tasks:plan", args=[seeded.project.pk])
    client = Client(HTTP_HOST=_allowed_host())
    client.force_login(seeded.pm)
    secure = getattr(settings, "SECURE_SSL_REDIRECT", False)

    def get():
        response = client.get(url, secure=secure)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")

    try:
        return bench.time(get)
    finally:
        client.logout()


def _allowed_host():
    """A host name the settings accept, for requests made by the test client."""
    if validate_host("testserver", settings.ALLOWED_HOSTS):
        return "testserver"
    return next(
        (host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"), "testserver"
    )


# --- Measurements of the progress sheet -------------------------------------------------------

def _tasks_for_rows(rows):
    """The plan size whose seeded WBS has at least ``rows`` leaf tasks, the sheet's rows."""
    total = rows
    while _shape(total)[2] < rows:
        total += 1
    return total


class _Sheet(NamedTuple):
    project: Project
    client: Client
    week: str
    url: str
    rows: int


def _seed_sheet(bench, rows, *, path):
    """A project with ``rows`` sheet rows, and a test client signed in as its assistant."""
    from .progress import week_of

    seeded = bench.seed_project(tasks=_tasks_for_rows(bench.size(rows)))
    assistant = Membership.objects.select_related("user").get(
        project=seeded.project, role=Membership.Role.ASSISTANT
    ).user
    client = Client(HTTP_HOST=_allowed_host())
    client.force_login(assistant)
    week = week_of(timezone.localdate())
    url = f"/api/v1/projects/{seeded.project.pk}/{path}?week={week}"
    count = Task.objects.filter(project=seeded.project, is_summary=False).count()
    bench.log(f"{count} sheet rows, week {week}")
    return _Sheet(seeded.project, client, week, url, count)


def _request(sheet, method, *args, expect=200, **kwargs):
    secure = getattr(settings, "SECURE_SSL_REDIRECT", False)
    response = getattr(sheet.client, method)(*args, secure=secure, **kwargs)
    if response.status_code != expect:
        raise AssertionError(
            f"{method.upper()} {args[0]} answered {response.status_code}: {response.content[:300]}"
        )
    return response


def _sheet_edit(rows, run):
    """New values for every row, different on every run: % complete, hours, note, problems."""
    for number, row in enumerate(rows):
        yield row, {
            "percent_complete": (20, 50, 100)[(number + run) % 3],
            "hours": 1 + (number + run) % 8,
            "note": f"第{run}轮：完成{row['name']}的现场工作",
            "problems": "" if (number + run) % 10 else f"备件未到货（第{run}轮）",
        }


@measurement("sheet_load_1k", unit="ms", target=300)
def sheet_load_1k(bench):
    """The weekly sheet of a 1,000-row project as JSON, as its assistant opens it (API)."""
    sheet = _seed_sheet(bench, 1_000, path="progress-sheet/")
    try:
        return bench.time(lambda: _request(sheet, "get", sheet.url))
    finally:
        sheet.client.logout()


@measurement("sheet_save_1k", unit="s", target=1.5)
def sheet_save_1k(bench):
    """The assistant saves the week's sheet with all 1,000 rows changed (API, JSON)."""
    import json

    sheet = _seed_sheet(bench, 1_000, path="progress-sheet/")
    url = sheet.url.split("?")[0]

    def prepare(run):
        rows = _request(sheet, "get", sheet.url).json()["rows"]
        body = {"week": sheet.week, "rows": [
            {"task": row["task"], "version": row["version"], **values}
            for row, values in _sheet_edit(rows, run)
        ]}
        return json.dumps(body)

    def save(body):
        updated = _request(sheet, "post", url, body, content_type="application/json").json()
        if updated["updated"] != sheet.rows:
            raise AssertionError(f"{updated['updated']} of {sheet.rows} rows saved")

    try:
        return bench.time(save, prepare=prepare)
    finally:
        sheet.client.logout()


@measurement("xlsx_export_10k", unit="s", target=3.0)
def xlsx_export_10k(bench):
    """The weekly sheet of a 10,000-row project as an .xlsx workbook (API)."""
    sheet = _seed_sheet(bench, 10_000, path="progress-sheet.xlsx")
    try:
        return bench.time(lambda: _request(sheet, "get", sheet.url))
    finally:
        sheet.client.logout()


@measurement("xlsx_import_10k", unit="s", target=5.0)
def xlsx_import_10k(bench):
    """A filled-in 10,000-row workbook uploaded: every row's H–K changed, all saved (API).

    Each run exports the sheet afresh and edits it with openpyxl, as a planner would in Excel;
    only the upload is timed.
    """
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    sheet = _seed_sheet(bench, 10_000, path="progress-sheet.xlsx")

    def prepare(run):
        book = load_workbook(io.BytesIO(_request(sheet, "get", sheet.url).content))
        cells = book.worksheets[0]
        rows = [{"name": row[3].value, "cells": row}
                for row in cells.iter_rows(min_row=2, max_col=11)]
        for row, values in _sheet_edit(rows, run):
            for offset, value in enumerate(values.values(), start=7):
                row["cells"][offset].value = value
        out = io.BytesIO()
        book.save(out)
        return SimpleUploadedFile("sheet.xlsx", out.getvalue())

    def upload(file):
        updated = _request(sheet, "post", sheet.url, {"file": file}).json()
        if updated["updated"] != sheet.rows:
            raise AssertionError(f"{updated['updated']} of {sheet.rows} rows saved")

    try:
        return bench.time(upload, prepare=prepare)
    finally:
        sheet.client.logout()


# --- Measurements of the Gantt chart -----------------------------------------------------------

def _gantt_project(bench):
    """A 10,000-task plan with its 15,000 links and a baseline, as the Gantt draws it."""
    seeded = bench.seed_project(tasks=bench.size(10_000))
    services.take_baseline(user=seeded.pm, project=seeded.project, name="基准")
    links = Dependency.objects.filter(project=seeded.project).count()
    bench.log(f"{seeded.tasks} tasks, {links} links")
    return seeded


@measurement("gantt_build_10k", unit="s", target=2.0)
def gantt_build_10k(bench):
    """The Gantt figure of a 10,000-task plan read, built and serialised (what a worker does)."""
    from . import gantt, gantt_cache

    seeded = _gantt_project(bench)
    options, _errors = gantt.parse_options(project=seeded.project, params={})
    today = timezone.localdate()
    return bench.time(lambda: gantt_cache.render(
        project=seeded.project, options=options, language="zh-hans", today=today))


@measurement("gantt_cached_10k", unit="ms", target=100)
def gantt_cached_10k(bench):
    """`GET /api/v1/projects/{id}/gantt/` of a 10,000-task plan whose figure is cached."""
    from . import gantt, gantt_cache

    seeded = _gantt_project(bench)
    project = seeded.project
    options, _errors = gantt.parse_options(project=project, params={})
    today = timezone.localdate()
    language = seeded.pm.language
    key = gantt_cache.figure_key(project, options, language, today)
    # What the Celery job leaves behind; the request then only reads it.
    gantt_cache.render_in_background(project_id=project.pk, options=options.as_dict(),
                                     language=language, today=today, key=key)
    url = reverse("project-gantt", args=[project.pk])
    # As a browser asks: it takes the figure gzipped, as cached.
    client = Client(HTTP_HOST=_allowed_host(), HTTP_ACCEPT_ENCODING="gzip, deflate")
    client.force_login(seeded.pm)
    secure = getattr(settings, "SECURE_SSL_REDIRECT", False)

    def get():
        response = client.get(url, secure=secure)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")

    try:
        return bench.time(get)
    finally:
        client.logout()
        gantt_cache.plan_cache().delete(key)
        gantt_cache.bump_plan_revision(project.pk)
