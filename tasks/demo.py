"""Plans for the demo company (`manage.py seed_demo`): realistic network/IT schedules in Chinese.

A template is a few phases of steps. A step is a task (1–15 working days) or a milestone
(0 days); its owner is a slot of the team ("pm", "assistant", "qa", or a member slot such as
"net" that the seed maps to a person); `after` lists its predecessors in planner notation
(`"design, survey SS+2, cabling FF+1, drawings FS-2"`). Steps may carry what execution made of
them: `problem` (a problem reported while it ran), `late` (why it fell behind: it stays
unfinished past its planned finish) and `slip` (working days it grew by after the baseline).

`seed_plan` builds a template into a project through the plan and progress services, acting
as the people who would in real life: the PM imports the plan, takes the baseline and changes
durations; owners report progress on their own tasks; the PM clears solved problems. What
happened is derived from the stored schedule and the day the seed runs, so the demo always
looks current. The pure parts (fitting, the rows, the progress reports) need no database.
"""
import datetime
import graphlib
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from projects.models import Project

from . import progress, scheduling, services
from .models import Task

MAX_DAYS = 15
LINK = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)(?:\s+(?P<type>FS|SS|FF|SF)(?P<lag>[+-]\d+)?)?$")


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    owner: str
    days: int
    after: str = ""
    problem: str = ""
    late: str = ""
    slip: int = 0
    hours_per_day: int = 8  # of the owner's effort: waiting on a supplier takes little

    @property
    def is_milestone(self):
        return self.days == 0


@dataclass(frozen=True)
class Phase:
    name: str
    steps: tuple


@dataclass(frozen=True)
class PlanTemplate:
    key: str
    name: str
    phases: tuple

    @property
    def steps(self):
        return [step for phase in self.phases for step in phase.steps]

    def links(self):
        """(predecessor key, successor key, type, lag) for every `after` entry."""
        out = []
        for step in self.steps:
            for token in filter(None, (t.strip() for t in step.after.split(","))):
                match = LINK.match(token)
                if not match:
                    raise ValueError(f"{self.key}.{step.key}: cannot read link {token!r}")
                out.append((match["key"], step.key, match["type"] or "FS",
                            int(match["lag"] or 0)))
        return out


def _phase(name, *steps):
    return Phase(name, steps)


S = Step

DC_NETWORK = PlanTemplate("dc_network", "数据中心网络改造", (
    _phase(
        "需求调研",
        S("kickoff", "项目启动与现场勘查", "net", 3),
        S("assets", "现网设备与链路资产梳理", "net", 8, "kickoff"),
        S("interview", "业务系统与流量需求访谈", "pm", 5, "kickoff SS+1"),
        S("traffic", "现网流量与性能基线采集", "ops", 5, "assets SS+2"),
        S("req_ok", "需求确认书签署", "pm", 0, "assets, interview, traffic"),
    ),
    _phase(
        "方案设计",
        S("arch", "Spine-Leaf 总体架构设计", "net", 10, "req_ok"),
        S("evpn", "VXLAN/EVPN 与 IP 地址规划", "net", 6, "arch SS+3"),
        S("policy", "防火墙与负载均衡策略迁移方案", "net", 5, "arch"),
        S("cut_plan", "分批割接与回退方案", "net", 5, "evpn, policy"),
        S("test_plan", "测试方案与测试用例编写", "test", 6, "evpn FS-2, cut_plan FF+1"),
        S("design_ok", "方案评审通过", "qa", 0, "cut_plan, test_plan"),
    ),
    _phase(
        "设备采购",
        S("bom", "设备选型与采购清单确认", "pm", 3, "design_ok"),
        S("contract", "采购合同签订", "pm", 3, "bom"),
        S("access_supply", "接入交换机供货", "assistant", 3, "contract", hours_per_day=1),
        S("core_supply", "核心及 Spine 交换机供货", "assistant", 10, "contract FS+3", slip=5,
          hours_per_day=1,
          problem="设备到货延迟：厂家通知核心交换机因板卡缺货推迟 5 个工作日发货，"
                  "已要求厂家书面说明，并协调临时借用设备用于调试。"),
        S("access_arrived", "接入设备到货", "assistant", 0, "access_supply"),
        S("core_arrived", "核心设备到货", "pm", 0, "core_supply"),
        S("unbox", "接入设备开箱验收与加电测试", "ops", 1, "access_arrived"),
    ),
    _phase(
        "实施部署",
        S("racks", "机柜、电源与综合布线准备", "ops", 4, "design_ok FS+2"),
        S("access_install", "接入交换机上架与配置", "net", 3, "unbox, racks"),
        S("access_cut", "第一批接入区割接", "net", 2, "access_install"),
        S("ledger", "现网配置备份与资产台账更新", "ops", 5, "racks SS+2",
          late="割接值守占用人手，配置备份与台账更新滞后，预计下周补齐。"),
        S("core_install", "核心交换机上架调试", "net", 10, "core_arrived, racks",
          problem="核心设备晚到 5 个工作日，上架调试顺延；原厂工程师需提前一周预约，"
                  "已申请行方顺延核心区割接窗口。"),
        S("fabric", "VXLAN/EVPN 配置与安全策略迁移", "net", 10, "core_install SS+3"),
        S("core_cut", "核心区割接", "net", 3, "fabric, rehearsal"),
        S("cut_done", "割接完成", "pm", 0, "core_cut, access_cut"),
    ),
    _phase(
        "测试验收",
        S("rehearsal", "割接前连通性测试与回退演练", "test", 4, "fabric SS+4"),
        S("verify", "割接后业务验证与性能测试", "test", 5, "cut_done"),
        S("ha_test", "故障切换与高可用测试", "test", 5, "verify SS+2"),
        S("fixes", "问题整改与复测", "net", 4, "ha_test, verify FF+1"),
        S("uat", "行方用户验收测试配合", "test", 8, "fixes"),
        S("initial_acc", "初验", "pm", 0, "uat"),
    ),
    _phase(
        "上线运维",
        S("monitor", "新网络接入监控平台", "ops", 4, "cut_done"),
        S("docs", "运维手册与竣工文档编写", "ops", 8, "verify SS+3"),
        S("handover", "运维交接与培训", "ops", 3, "docs, initial_acc, ledger, monitor"),
        S("trial", "试运行值守", "ops", 15, "initial_acc", hours_per_day=4),
        S("trial_report", "试运行总结报告", "pm", 3, "trial"),
        S("visit", "行方满意度回访", "cs", 2, "initial_acc FS+5"),
        S("final_acc", "终验", "pm", 0, "trial_report FS+5, handover, visit"),
    ),
))

CLOUD_MIGRATION = PlanTemplate("cloud_migration", "政务云迁移", (
    _phase(
        "迁移评估",
        S("survey", "委办局业务系统调研", "mkt", 10),
        S("inventory", "系统资产与依赖关系梳理", "sys", 10, "survey SS+3"),
        S("grading", "迁移难度评估与分批计划", "sys", 5, "inventory"),
        S("assess_ok", "迁移评估报告确认", "pm", 0, "grading, survey"),
    ),
    _phase(
        "方案设计",
        S("network", "云平台网络与安全组规划", "sys", 6, "assess_ok"),
        S("method", "迁移方法与数据同步方案", "sys", 8, "network SS+2"),
        S("rollback", "迁移回退与应急预案", "sys", 4, "method"),
        S("test_plan", "迁移测试方案编写", "test", 5, "method FF+2"),
        S("design_ok", "迁移方案评审通过", "qa", 0, "rollback, test_plan"),
    ),
    _phase(
        "云资源准备",
        S("quota", "云资源申请与配额审批", "pm", 5, "network"),
        S("vpc", "VPC、安全组与专线配置", "sys", 6, "quota FS+3"),
        S("backup", "云上监控与备份策略配置", "ops", 5, "vpc SS+2"),
        S("ready", "云资源就绪", "pm", 0, "vpc, backup"),
    ),
    _phase(
        "分批迁移",
        S("pilot", "试点系统迁移（2 套）", "sys", 5, "ready, design_ok"),
        S("batch1", "第一批系统迁移（10 套）", "sys", 10, "pilot"),
        S("batch2", "第二批系统迁移（11 套）", "sys", 9, "batch1"),
        S("batch3", "第三批系统迁移（18 套）", "sys", 12, "batch2", slip=3,
          problem="第三批中 3 套系统增量数据同步失败，已重新全量同步，割接顺延一个周末。"),
        S("tuning", "社保查询系统性能调优", "sys", 4, "batch3", slip=4,
          problem="社保查询系统迁移后高峰期响应变慢，已定位为数据库连接池配置问题；"
                  "优化完成前原环境暂缓下线。"),
        S("batch3_backup", "第三批系统备份策略补齐", "ops", 5, "batch3 SS+6",
          late="第三批系统数量多，仍有 6 套系统的备份策略未配置完成。"),
        S("batch4", "第四批系统迁移（19 套）", "sys", 12, "batch3 FS+2",
          problem="第四批中 2 套系统依赖的数据库版本过旧，需先升级数据库再迁移，"
                  "已与委办局确认升级窗口。"),
        S("migrated", "60 套系统迁移完成", "pm", 0, "batch4, tuning"),
    ),
    _phase(
        "测试验收",
        S("func_test", "分批功能测试", "test", 15, "batch1 SS+3, batch4 FF+3"),
        S("perf_test", "全量性能压测", "test", 6, "migrated"),
        S("scan", "等保安全扫描与加固", "ops", 5, "migrated"),
        S("accepted", "迁移验收", "pm", 0, "perf_test, scan, func_test"),
    ),
    _phase(
        "上线保障",
        S("hypercare", "上线重保值守", "ops", 15, "accepted", hours_per_day=4),
        S("decommission", "原环境下线与数据归档", "ops", 10, "accepted FS+5"),
        S("handover", "运维交接与培训", "ops", 4, "accepted, batch3_backup"),
        S("promotion", "迁移成果总结与推广材料", "mkt", 5, "accepted FS-2"),
        S("feedback", "委办局满意度回访", "cs", 3, "handover"),
        S("closeout", "项目终验", "pm", 0, "hypercare FS+3, decommission, feedback, promotion"),
    ),
))

PRIVATE_5G = PlanTemplate("private_5g", "5G 专网部署", (
    _phase(
        "需求调研",
        S("scenes", "应急场景与业务需求调研", "pm", 8),
        S("site_survey", "12 个基站点位现场勘察", "net", 15, "scenes SS+3"),
        S("coverage", "覆盖与容量需求分析", "net", 6, "site_survey"),
        S("req_ok", "需求规格书确认", "pm", 0, "coverage, scenes"),
    ),
    _phase(
        "方案设计",
        S("core_design", "专网核心网（UPF 下沉）方案设计", "net", 12, "req_ok"),
        S("slicing", "网络切片与 QoS 策略设计", "net", 8, "core_design SS+4"),
        S("radio", "基站覆盖优化方案", "net", 10, "req_ok"),
        S("interface", "与应急指挥平台接口设计", "integ", 8, "core_design FS-2"),
        S("design_ok", "方案评审通过", "qa", 0, "slicing, radio, interface"),
    ),
    _phase(
        "设备采购",
        S("purchase", "UPF 及边缘服务器采购", "pm", 8, "design_ok"),
        S("cpe", "指挥车 CPE 与终端采购", "assistant", 6, "purchase SS"),
        S("supply", "设备供货", "assistant", 15, "purchase FS+5", hours_per_day=1),
        S("arrived", "设备到货", "pm", 0, "supply, cpe"),
    ),
    _phase(
        "实施部署",
        S("upf", "UPF 与边缘计算节点部署", "net", 12, "arrived"),
        S("sites", "基站参数优化与切片开通", "net", 15, "upf SS+4",
          problem="3 号基站点位物业不同意夜间施工，需甲方协调进场时间。"),
        S("cpe_install", "指挥车 CPE 安装与终端入网", "ops", 8, "upf"),
        S("platform", "应急指挥平台对接开发", "integ", 15, "design_ok"),
        S("opened", "专网开通", "pm", 0, "sites, cpe_install"),
    ),
    _phase(
        "联调测试",
        S("e2e", "端到端联调（现场视频回传）", "integ", 10, "opened, platform"),
        S("latency", "时延与可靠性测试", "net", 8, "e2e SS+3"),
        S("drill", "应急演练保障测试", "ops", 5, "latency"),
        S("initial_acc", "初验", "pm", 0, "drill, e2e"),
    ),
    _phase(
        "验收交付",
        S("training", "终端使用培训", "cs", 5, "initial_acc"),
        S("trial", "试运行", "ops", 15, "initial_acc", hours_per_day=4),
        S("docs", "竣工资料编制与移交", "assistant", 8, "trial FF",
          late="甲方要求补充试运行报告与测试见证记录，资料正在补齐。"),
        S("final_acc", "终验", "pm", 0, "docs, training, trial"),
    ),
))

SECURITY_HARDENING = PlanTemplate("security_hardening", "等保整改", (
    _phase(
        "差距分析",
        S("report", "等保测评报告解读", "pm", 5),
        S("fw_audit", "边界防火墙策略审计", "net", 12, "report"),
        S("nac_audit", "终端与准入现状调研", "net", 8, "report SS+2"),
        S("log_audit", "日志留存与审计现状评估", "ops", 8, "report SS+2"),
        S("gap_ok", "差距分析报告确认", "pm", 0, "fw_audit, nac_audit, log_audit"),
    ),
    _phase(
        "整改设计",
        S("fw_design", "防火墙策略优化方案", "net", 10, "gap_ok"),
        S("nac_design", "终端准入（NAC）方案设计", "net", 10, "fw_design SS+3"),
        S("log_design", "日志审计与态势感知接入方案", "ops", 8, "gap_ok"),
        S("design_ok", "整改方案评审通过", "qa", 0, "fw_design, nac_design, log_design"),
    ),
    _phase(
        "设备采购",
        S("purchase", "NAC 与日志审计设备采购", "pm", 8, "design_ok"),
        S("supply", "设备供货", "assistant", 15, "purchase FS+3", hours_per_day=1),
        S("arrived", "设备到货", "pm", 0, "supply"),
    ),
    _phase(
        "整改实施",
        S("fw_hardening", "防火墙策略梳理与加固", "net", 15, "design_ok"),
        S("nac_deploy", "NAC 部署与终端准入", "net", 15, "arrived, fw_hardening SS+5"),
        S("nac_rollout", "终端分批准入（4 个楼层）", "net", 12, "nac_deploy"),
        S("log_deploy", "日志审计平台接入", "ops", 12, "arrived"),
        S("retention", "日志留存策略配置（180 天）", "ops", 5, "log_deploy"),
        S("done", "整改实施完成", "pm", 0, "nac_rollout, retention"),
    ),
    _phase(
        "测评验收",
        S("pentest", "渗透测试", "test", 8, "done",
          problem="渗透测试发现 2 个高危漏洞（运维账号弱口令、未授权访问接口），"
                  "已安排整改后复测。"),
        S("fix", "高危漏洞整改与验证", "net", 8, "pentest FS-2"),
        S("retest", "等保三级复测配合", "test", 8, "fix FS+5"),
        S("summary", "整改总结报告", "assistant", 5, "retest FF+1"),
        S("passed", "通过等保三级复测", "pm", 0, "retest, summary"),
    ),
))

MONITORING_UPGRADE = PlanTemplate("monitoring_upgrade", "运维监控平台升级", (
    _phase(
        "需求调研",
        S("inventory", "现有 Zabbix 监控项与告警梳理", "collect", 8),
        S("noise", "告警噪声分析", "collect", 6, "inventory SS+3"),
        S("sla_req", "客户 SLA 报表需求收集", "sla", 8),
        S("req_ok", "需求确认", "pm", 0, "noise, sla_req, inventory"),
    ),
    _phase(
        "方案设计",
        S("arch", "Prometheus + Grafana 高可用架构设计", "arch", 10, "req_ok"),
        S("rules", "告警规则与收敛策略设计", "collect", 8, "arch SS+3"),
        S("duty", "值班流程与升级机制设计", "sla", 6, "req_ok"),
        S("ticket", "工单系统对接方案", "arch", 5, "arch FS-2"),
        S("design_ok", "方案评审通过", "qa", 0, "rules, duty, ticket"),
    ),
    _phase(
        "资源准备",
        S("servers", "服务器与存储资源申请", "pm", 5, "design_ok"),
        S("env", "部署环境准备", "arch", 8, "servers FS+3"),
        S("env_ok", "环境就绪", "pm", 0, "env"),
    ),
    _phase(
        "部署迁移",
        S("cluster", "平台集群部署", "arch", 8, "env_ok"),
        S("exporters", "采集器批量部署", "collect", 15, "cluster SS+4"),
        S("migrate_rules", "告警规则迁移与调优", "collect", 12, "exporters SS+5"),
        S("dashboards", "Grafana 大屏与 SLA 报表开发", "sla", 15, "cluster"),
        S("ticket_dev", "工单系统对接开发", "arch", 8, "cluster SS+3"),
        S("switched", "监控切换完成", "pm", 0, "migrate_rules, dashboards, ticket_dev"),
    ),
    _phase(
        "测试验收",
        S("parallel", "新旧平台并行运行比对", "collect", 15, "exporters", hours_per_day=3),
        S("alarm_test", "告警收敛率验证", "sla", 5, "migrate_rules"),
        S("accepted", "平台验收", "pm", 0, "parallel, alarm_test, switched"),
    ),
    _phase(
        "上线运维",
        S("training", "值班人员培训", "sla", 3, "accepted"),
        S("zabbix_off", "旧 Zabbix 平台下线", "collect", 5, "accepted FS+5"),
        S("live", "正式上线", "pm", 0, "training, zabbix_off"),
    ),
))

OFFICE_EXPANSION = PlanTemplate("office_expansion", "办公网络扩容", (
    _phase(
        "需求调研",
        S("points", "新增工位与信息点统计", "assistant", 3),
        S("wifi_survey", "无线信号勘测", "net", 4, "points SS+1"),
        S("req_ok", "需求确认", "pm", 0, "points, wifi_survey"),
    ),
    _phase(
        "方案设计",
        S("cabling_design", "综合布线方案", "net", 4, "req_ok"),
        S("switch_design", "接入交换机扩容方案", "net", 3, "cabling_design SS+2"),
        S("wifi_design", "Wi-Fi 6 与访客网络方案", "net", 5, "wifi_survey"),
        S("design_ok", "方案评审通过", "qa", 0, "cabling_design, switch_design, wifi_design"),
    ),
    _phase(
        "设备采购",
        S("purchase", "交换机、AP 与线材采购", "pm", 5, "design_ok"),
        S("supply", "设备供货", "assistant", 15, "purchase FS+3", hours_per_day=1),
        S("arrived", "设备到货", "pm", 0, "supply"),
    ),
    _phase(
        "实施部署",
        S("cabling", "5 层综合布线施工", "net", 15, "design_ok FS+2",
          problem="办公楼 5 层装修延期，布线施工队无法进场，项目暂停待装修完成。"),
        S("switch_install", "接入交换机安装", "net", 5, "arrived, cabling SS+8"),
        S("ap_install", "AP 替换与 AC 升级", "net", 10, "arrived"),
        S("guest", "访客网络认证配置", "net", 5, "ap_install"),
        S("notice", "员工使用说明与报障指引", "cs", 3, "ap_install FF"),
        S("deployed", "部署完成", "pm", 0, "cabling, switch_install, guest"),
    ),
    _phase(
        "测试验收",
        S("coverage_test", "有线与无线覆盖测试", "net", 6, "deployed"),
        S("feedback", "员工试用反馈收集", "cs", 8, "coverage_test SS+2"),
        S("accepted", "验收通过", "pm", 0, "coverage_test, feedback FS+3"),
    ),
))

TEMPLATES = {t.key: t for t in (
    DC_NETWORK, CLOUD_MIGRATION, PRIVATE_5G, SECURITY_HARDENING, MONITORING_UPGRADE,
    OFFICE_EXPANSION,
)}


def check(template):
    """The template's own problems (unknown or repeated keys and names, durations, a cycle)."""
    problems = []
    steps = template.steps
    keys = [step.key for step in steps]
    names = [step.name for step in steps] + [phase.name for phase in template.phases]
    problems += [f"repeated key {k}" for k in sorted({k for k in keys if keys.count(k) > 1})]
    problems += [f"repeated name {n}" for n in sorted({n for n in names if names.count(n) > 1})]
    if not 4 <= len(template.phases) <= 6:
        problems.append("a plan has 4–6 phases")
    for phase in template.phases:
        if not 3 <= len(phase.steps) <= 8:
            problems.append(f"{phase.name}: a phase has 3–8 steps")
    for step in steps:
        if not 0 <= step.days + step.slip <= MAX_DAYS:
            problems.append(f"{step.key}: 0–{MAX_DAYS} working days, slip included")
    try:
        links = template.links()
    except ValueError as exc:
        return [*problems, str(exc)]
    problems += [f"{s}: unknown predecessor {p}" for p, s, _t, _l in links if p not in keys]
    if not problems and scheduling.find_cycle(keys, links):
        problems.append("the links form a cycle")
    return problems


# --- Fitting the plan to the project ---------------------------------------------------------

def fit_durations(template, *, calendar, start, end):
    """Durations that fit the project: the critical path ends in the last part of its span.

    A template that already fits keeps its durations; one too short or too long for the
    project is scaled, each task within 1–15 working days (room left for its slip), milestones
    at 0 days.
    """
    steps, links = template.steps, template.links()
    target = max(calendar.working_days_between(start, end), 1)
    factor, durations = 1.0, {}
    for _attempt in range(12):
        durations = {
            step.key: 0 if step.is_milestone
            else min(max(round(step.days * factor), 1), MAX_DAYS - step.slip)
            for step in steps
        }
        length = scheduling.schedule(
            [(step.key, durations[step.key], None) for step in steps], links,
            calendar=calendar, project_start=start,
        ).duration_days
        if target * 0.85 <= length <= target:
            break
        factor *= (target * 0.95) / max(length, 1)
    return durations


def plan_rows(template, *, owners, durations):
    """Rows for tasks.services.import_plan: the phases at level 1, their steps below."""
    number = {step.key: n for n, step in enumerate(template.steps, start=1)}
    predecessors = {}
    for pred, succ, type_, lag in template.links():
        predecessors.setdefault(succ, []).append((number[pred], type_, lag))
    rows, phase_id = [], len(number)
    for phase in template.phases:
        phase_id += 1
        rows.append({"id": phase_id, "level": 1, "name": phase.name, "owner": owners["pm"],
                     "duration_days": 1, "client_visible": True})
        for step in phase.steps:
            days = durations[step.key]
            rows.append({
                "id": number[step.key], "level": 2, "name": step.name,
                "owner": owners[step.owner], "duration_days": days,
                "client_visible": step.is_milestone,
                "predecessors": predecessors.get(step.key, []),
                "estimate_hours": Decimal(days * step.hours_per_day) if days else None,
            })
    return rows


# --- What execution made of it ---------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    key: str
    date: datetime.date
    percent: int
    hours: Decimal | None
    note: str
    problems: str = ""


DONE_NOTES = ("已完成。", "已完成，成果已提交项目经理确认。", "按计划完成，资料已归档。")
RUNNING_NOTES = ("按计划推进。", "进展正常，下周继续。", "已完成主要工作，正在收尾。")


def _round5(value):
    return int(5 * round(value / 5))


def _report_days(calendar, first, last):
    """Each week's last working day between first and last, and last itself."""
    days, day = [], first
    while day <= last:
        following = calendar.next_workday(day + datetime.timedelta(days=1))
        if calendar.is_workday(day) and (
            following.isocalendar()[:2] != day.isocalendar()[:2] or day == last
        ):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def progress_reports(template, schedule, *, calendar, as_of, finished=False):
    """The progress reports of a plan run up to `as_of`, in date order.

    `schedule` maps step keys to (planned start, planned end, duration). Work follows the
    plan: a task starts once its finish-to-start predecessors are done and its other ones
    started; it is reported on at the end of each week and when it finishes. Steps with
    `late` fall behind and stay unfinished (unless `finished`: a closed project, all done);
    a step with a `problem` reports it while it runs. A milestone is reached on its day once
    everything before it is done.
    """
    steps = {step.key: step for step in template.steps}
    preds = {key: [] for key in steps}
    for pred, succ, type_, lag in template.links():
        preds[succ].append((pred, type_, lag))
    order = graphlib.TopologicalSorter({k: [p for p, _t, _l in v] for k, v in preds.items()})
    as_of = _last_workday(calendar, as_of)
    percent, reports = {}, []
    for key in order.static_order():
        step, (start, end, duration) = steps[key], schedule[key]
        percent[key] = 0
        # Finish-to-start waits for the predecessor to be done; the others (and a lead) only
        # for it to have started. A milestone waits for everything before it.
        waiting = any(
            percent[p] < 100 if step.is_milestone or (t == "FS" and lag >= 0)
            else percent[p] == 0
            for p, t, lag in preds[key]
        )
        if start > as_of or waiting:
            continue
        if duration == 0:
            if end <= as_of:
                percent[key] = 100
                reports.append(Report(key, end, 100, None, "已达成。"))
            continue
        late = step.late and not finished
        rng = random.Random(f"{template.key}.{key}")
        # What people book: a little under or over the effort planned.
        per_day = step.hours_per_day * Decimal(rng.choice(("0.75", "0.875", "0.9375", "1")))
        last = as_of if late else min(end, as_of)
        days = _report_days(calendar, start, last)
        values = []
        for day in days:
            worked = calendar.working_days_between(start, day)
            if late:
                value = min(_round5(100 * worked / (duration * 1.6)), 85)
            elif day >= end:
                value = 100
            else:
                value = min(_round5(100 * worked / duration), 95)
            values.append(max(value, 5))
        # A problem is reported in the last two reports while the task runs; on a task that
        # finished, midway through it.
        if not step.problem:
            with_problem = set()
        elif values[-1] < 100:
            with_problem = {len(days) - 2, len(days) - 1}
        else:
            with_problem = {(len(days) - 1) // 2}
        previous = start - datetime.timedelta(days=1)
        for index, (day, value) in enumerate(zip(days, values, strict=True)):
            if value == 100:
                note = DONE_NOTES[rng.randrange(len(DONE_NOTES))]
            elif late and day > end:
                note = f"进度滞后：{step.late}"
            else:
                note = RUNNING_NOTES[2 if value >= 80 else rng.randrange(2)]
            worked = calendar.working_days_between(previous + datetime.timedelta(days=1), day)
            hours = max((per_day * worked * 2).to_integral_value() / 2, Decimal("0.5"))
            reports.append(Report(key, day, value, hours, note,
                                  step.problem if index in with_problem else ""))
            previous = day
            percent[key] = value
    return sorted(reports, key=lambda r: (r.date, r.key))


def _last_workday(calendar, day):
    while not calendar.is_workday(day):
        day -= datetime.timedelta(days=1)
    return day


def pause_day(template, schedule, *, calendar, today):
    """When a project now on hold stopped: a while into its first step with a problem."""
    for step in template.steps:
        if step.problem and not step.is_milestone:
            start, _end, duration = schedule[step.key]
            day = calendar.timeline(start).date_at(max(duration * 2 // 5, 1))
            return min(day, _last_workday(calendar, today - datetime.timedelta(days=1)))
    return today


def solved_problems(reports, *, calendar, as_of, over):
    """Keys of the steps whose reported problems the PM has cleared by `as_of`.

    All of them once the work is over; before that, those of steps that finished more than
    three working days ago (a problem met in the last few days may still be open).
    """
    with_problems = {r.key for r in reports if r.problems}
    if over:
        return with_problems
    finished = {r.key: r.date for r in reports if r.percent == 100}
    return {
        key for key in with_problems
        if key in finished and calendar.working_days_between(finished[key], as_of) > 3
    }


# --- Into the database ------------------------------------------------------------------------

def seed_plan(*, project, template, owners, today, as_of=None):
    """Build `template` into the project as its team would have; returns counts of what was made.

    `owners` maps the template's owner slots to users (the PM under "pm"). By the project's
    status: a plan only while planning; past planning, the baseline "计划基线" too; executing,
    then the slips; executing, on hold, closing and closed, the progress reported up to
    `as_of` (default today; a project on hold stopped earlier). Solved problems are cleared
    by the PM: those of finished tasks, and all of them once the work is over.
    """
    Status = Project.Status
    pm, status = owners["pm"], project.status
    calendar = services.engine_calendar(project.calendar)
    durations = fit_durations(template, calendar=calendar, start=project.planned_start,
                              end=project.planned_end)
    rows = plan_rows(template, owners=owners, durations=durations)
    made = services.import_plan(user=pm, project=project, rows=rows)
    counts = {"tasks": made["tasks"], "dependencies": made["dependencies"]}
    # Names are unique within a template (see check).
    by_name = {task.name: task for task in Task.objects.filter(project=project)
               .select_related("project", "owner")}
    by_key = {step.key: by_name[step.name] for step in template.steps}
    if status == Status.PLANNING:
        return counts
    services.take_baseline(user=pm, project=project, name="计划基线")
    counts["baselines"] = 1
    if status == Status.EXECUTING:
        for step in template.steps:
            if step.slip:
                services.update_task(user=pm, task=by_key[step.key],
                                     duration_days=durations[step.key] + step.slip)
    planned = {
        pk: (start, end, duration) for pk, start, end, duration in Task.objects.filter(
            project=project).values_list("pk", "planned_start", "planned_end", "duration_days")
    }
    schedule = {key: planned[task.pk] for key, task in by_key.items()}
    if as_of is None:
        as_of = (pause_day(template, schedule, calendar=calendar, today=today)
                 if status == Status.ON_HOLD else today)
    reports = progress_reports(template, schedule, calendar=calendar, as_of=as_of,
                               finished=status == Status.CLOSED)
    for report in reports:
        task = by_key[report.key]
        progress.record_progress(
            user=task.owner, task=task, percent_complete=report.percent, hours=report.hours,
            note=report.note, problems=report.problems, date=report.date,
        )
    counts["progress entries"] = len(reports)
    over = status in (Status.CLOSING, Status.CLOSED)
    for key in sorted(solved_problems(reports, calendar=calendar, as_of=as_of, over=over)):
        progress.resolve_problems(user=pm, task=by_key[key])
    return counts
