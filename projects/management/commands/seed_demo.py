"""`manage.py seed_demo`: a realistic demo company with projects across the whole lifecycle.

Idempotent: departments, organisations and calendars are keyed on their names, people on their
usernames, initiation requests on their titles (their projects get codes from the approval),
memberships on (project, user) and meetings on (project, kind). What exists is left alone, so
a second run changes nothing; a project's plan is built only while it has no tasks. Every
workflow step goes through the services with the user who would take it in real life: business
staff file requests, management decides, the PM forms the team, the assistant records the
meetings, the PM builds the plan (tasks.demo has the templates) and takes its baseline, task
owners report their progress.
"""
import datetime
import unicodedata
from collections import Counter
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, Organization, User
from projects import services
from projects.models import ChangeRequest, InitiationRequest, Meeting, Membership, Project
from quality import services as quality_services
from quality.models import ClientFeedback
from tasks import client as client_side
from tasks import progress as task_progress
from tasks import services as task_services
from tasks.demo import TEMPLATES as PLAN_TEMPLATES
from tasks.demo import seed_plan
from tasks.models import Baseline, Dependency, ProgressEntry, PublishedReport, Task, WorkCalendar

DEMO_PASSWORD = "jindu-demo-2026"

Kind = Department.Kind
SystemRole = User.SystemRole
Team = Membership.Team
Role = Membership.Role
Status = Project.Status

DEPARTMENTS = [
    ("总经理办公室", Kind.MANAGEMENT),
    ("行政部", Kind.ADMINISTRATION),
    ("业务部", Kind.BUSINESS),
    ("市场部", Kind.MARKETING),
    ("技术部", Kind.TECHNICAL),
    ("运营部", Kind.OPERATIONS),
    ("客服部", Kind.CUSTOMER_SERVICE),
    ("质量部", Kind.QUALITY),
    ("财务部", Kind.FINANCE),
]

# username, name (family name first), system role, department, job title
STAFF = [
    ("admin", "陈志强", SystemRole.ADMIN, "行政部", "系统管理员"),
    ("zhangwei", "张伟", SystemRole.MANAGEMENT, "总经理办公室", "总经理"),
    ("wangfang", "王芳", SystemRole.MANAGEMENT, "总经理办公室", "副总经理"),
    ("liqiang", "李强", SystemRole.SUPERVISOR, "行政部", "行政部经理（监督小组组长）"),
    ("zhaomin", "赵敏", SystemRole.SUPERVISOR, "质量部", "质量部经理（监督小组）"),
    ("liuyang", "刘洋", SystemRole.STAFF, "业务部", "业务经理"),
    ("tangning", "唐宁", SystemRole.STAFF, "业务部", "客户经理"),
    ("chenjing", "陈静", SystemRole.STAFF, "市场部", "市场专员"),
    ("yangfan", "杨帆", SystemRole.STAFF, "技术部", "项目经理"),
    ("zhoujie", "周杰", SystemRole.STAFF, "技术部", "项目经理"),
    ("wulei", "吴磊", SystemRole.STAFF, "技术部", "项目经理"),
    ("huanghai", "黄海", SystemRole.STAFF, "技术部", "高级网络工程师"),
    ("zhengwei", "郑伟", SystemRole.STAFF, "技术部", "系统工程师"),
    ("xuting", "徐婷", SystemRole.STAFF, "技术部", "测试工程师"),
    ("linfeng", "林峰", SystemRole.STAFF, "运营部", "运维经理（项目经理）"),
    ("machao", "马超", SystemRole.STAFF, "运营部", "运维工程师"),
    ("hanxue", "韩雪", SystemRole.STAFF, "运营部", "运维工程师"),
    ("heli", "何丽", SystemRole.STAFF, "客服部", "客服主管"),
    ("xiena", "谢娜", SystemRole.STAFF, "客服部", "客服专员"),
    ("gaojie", "高洁", SystemRole.STAFF, "行政部", "项目助理"),
    ("songyu", "宋雨", SystemRole.STAFF, "行政部", "项目助理"),
    ("guomin", "郭敏", SystemRole.STAFF, "质量部", "质量保证工程师"),
    ("luoyan", "罗燕", SystemRole.STAFF, "财务部", "项目会计"),
]

BANK = "钱江商业银行股份有限公司"
GOV = "江州市政务数据中心"
ORGANIZATIONS = [
    {
        "name": BANK, "contact_name": "周敏", "contact_phone": "0571-8765 4321",
        "contact_email": "zhoumin@qjbank.example.cn",
        "users": [("qj.zhoumin", "周敏", "信息科技部经理"), ("qj.wuhao", "吴昊", "网络运维主管")],
    },
    {
        "name": GOV, "contact_name": "刘娜", "contact_phone": "0571-8612 3000",
        "contact_email": "liuna@jzdata.example.gov.cn",
        "users": [
            ("jz.liuna", "刘娜", "平台建设科科长"), ("jz.chengang", "陈刚", "网络安全工程师"),
        ],
    },
]

CN_CALENDAR = "中国大陆 2026–2027"


def _span(first, last):
    start, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    return [(start + datetime.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


# The State Council's 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知, 4 Nov 2025).
# 2027 is not included: add its dates in the admin once the State Council publishes them.
CN_HOLIDAYS = [
    *_span("2026-01-01", "2026-01-03"),  # 元旦
    *_span("2026-02-15", "2026-02-23"),  # 春节
    *_span("2026-04-04", "2026-04-06"),  # 清明节
    *_span("2026-05-01", "2026-05-05"),  # 劳动节
    *_span("2026-06-19", "2026-06-21"),  # 端午节
    *_span("2026-09-25", "2026-09-27"),  # 中秋节
    *_span("2026-10-01", "2026-10-07"),  # 国庆节
]
CN_MAKEUP_WORKDAYS = [  # 调休上班
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
]

QA_DUTIES = "编制质量计划，组织阶段评审与交付物检查，跟踪整改闭环。"
FINANCE_DUTIES = "建立项目预算台账，按月核算实际成本并出具偏差分析。"
OBSERVER_DUTIES = "立项申请人：跟踪项目进展，对接商务事项。"

# Six approved projects (the status path is walked by the PM after approval), then three
# requests that stop before approval. Dates are days from today, so the demo always looks live.
PROJECTS = [
    {
        "title": "钱江银行数据中心网络改造",
        "requester": "liuyang", "pm": "yangfan", "approver": "zhangwei", "client": BANK,
        "start": -75, "end": 95, "budget": "2860000", "path": [Status.EXECUTING],
        "plan": "dc_network",
        "owners": {"net": "huanghai", "test": "xuting", "ops": "machao", "cs": "heli"},
        "background": "钱江商业银行现有数据中心网络建于 2016 年，核心交换机已停止维保，"
                      "三层架构的东西向带宽不足，无法支撑新一代核心业务系统上线。",
        "goals": "建成 Spine-Leaf 架构的数据中心网络，核心带宽提升至 100G，"
                 "割接期间核心业务零中断。",
        "scope": "核心、汇聚、接入交换机替换；VXLAN/EVPN 部署；防火墙与负载均衡策略迁移；"
                 "分批割接与回退方案；运维交接与培训。",
        "benefits": "合同额 286 万元，预计毛利率 28%；为后续同城灾备项目奠定合作基础。",
        "assistant": "gaojie",
        "members": [
            ("huanghai", Team.TECHNICAL, "数据中心网络架构设计，割接方案编制与实施。"),
            ("xuting", Team.TECHNICAL, "测试方案与用例，割接前后业务连通性测试。"),
            ("machao", Team.OPERATIONS, "新网络监控接入，割接后运维值守与交接。"),
            ("heli", Team.CUSTOMER_SERVICE, "受理行方咨询与报障，跟踪客户反馈闭环。"),
        ],
        "client_member": ("qj.zhoumin", "行方项目负责人：需求确认、割接窗口审批、验收签字。"),
        "location": "钱江银行数据中心三楼会议室",
        "weekly": {
            "minutes": "第一批接入区割接已于上周六晚完成，业务回切正常。核心区设备到货延迟 "
                       "5 天，影响关键路径上的“核心交换机上架调试”任务。",
            "decisions": "1. 核心区割接窗口顺延一周，由项目经理与行方确认；\n"
                         "2. 测试组提前准备核心区回退演练。",
            "actions": [
                ("huanghai", "完成核心交换机上架与基础配置", 4),
                ("yangfan", "与行方确认核心区割接窗口并发送变更通知", 2),
                ("gaojie", "更新进度跟踪表并发送项目周报", 4),
            ],
        },
    },
    {
        "title": "政务云平台迁移",
        "requester": "tangning", "pm": "zhoujie", "approver": "zhangwei", "client": GOV,
        "start": -120, "end": 60, "budget": "4200000", "path": [Status.EXECUTING],
        "plan": "cloud_migration",
        "owners": {"sys": "zhengwei", "test": "xuting", "ops": "hanxue", "mkt": "chenjing",
                   "cs": "xiena"},
        "background": "江州市 42 个委办局的业务系统分散部署在各自机房，资源利用率不足 20%，"
                      "安全防护水平参差不齐。",
        "goals": "将首批 60 套业务系统迁移至市政务云平台，单系统迁移停机不超过 4 小时。",
        "scope": "迁移评估与分批计划；云平台网络与安全组规划；系统迁移与数据同步；"
                 "迁移后性能测试与上线保障。",
        "benefits": "合同额 420 万元；形成可复制的政务云迁移方案，支撑周边区县市场拓展。",
        "assistant": "songyu",
        "members": [
            ("zhengwei", Team.TECHNICAL, "迁移方案设计，虚拟机与数据库迁移实施。"),
            ("xuting", Team.TECHNICAL, "迁移后功能与性能测试。"),
            ("hanxue", Team.OPERATIONS, "云上监控与备份策略配置，迁移后运行保障。"),
            ("chenjing", Team.MARKETING, "收集各委办局需求，推广迁移成果。"),
            ("xiena", Team.CUSTOMER_SERVICE, "迁移期间委办局咨询与问题受理。"),
        ],
        "client_member": ("jz.liuna", "甲方负责人：协调各委办局，确认迁移批次与验收。"),
        "location": "江州市政务服务中心 B 座 702 会议室",
        "weekly": {
            "minutes": "第三批 18 套系统已完成迁移，累计 41 套。社保查询系统迁移后高峰期"
                       "响应变慢，已定位为数据库连接池配置问题。",
            "decisions": "1. 第四批迁移按计划于下周末进行；\n"
                         "2. 社保查询系统优化完成前暂缓下线原环境。",
            "actions": [
                ("zhengwei", "调整社保查询系统数据库连接池并复测", 3),
                ("hanxue", "补齐第三批系统的备份策略", 5),
                ("songyu", "更新进度跟踪表并发送项目周报", 4),
            ],
        },
    },
    {
        "title": "城市应急指挥 5G 专网部署",
        "requester": "tangning", "pm": "wulei", "approver": "wangfang", "client": GOV,
        "start": -230, "end": -5, "budget": "3650000",
        "path": [Status.EXECUTING, Status.CLOSING],
        "plan": "private_5g",
        "owners": {"net": "huanghai", "integ": "zhengwei", "ops": "machao", "cs": "heli"},
        "background": "市应急指挥中心需要在重大活动和突发事件现场提供高可靠、低时延的"
                      "视频回传与指挥调度通信。",
        "goals": "建成覆盖主城区重点区域的 5G 专网切片，现场视频回传时延低于 50 ms，"
                 "可用性 99.9%。",
        "scope": "专网核心网（UPF 下沉）部署；12 个基站点位覆盖优化；指挥车 CPE 与终端接入；"
                 "与应急指挥平台对接联调。",
        "benefits": "合同额 365 万元；积累 5G 行业专网案例。",
        "assistant": "gaojie",
        "members": [
            ("huanghai", Team.TECHNICAL, "UPF 与专网切片部署，基站侧参数优化。"),
            ("zhengwei", Team.TECHNICAL, "与应急指挥平台接口联调。"),
            ("machao", Team.OPERATIONS, "专网运行监控与应急保障值守。"),
            ("heli", Team.CUSTOMER_SERVICE, "终端使用培训与问题受理。"),
        ],
        "client_member": ("jz.chengang", "甲方技术负责人：测试见证与验收。"),
        "location": "江州市应急指挥中心会议室",
    },
    {
        "title": "钱江银行总部园区网络安全加固",
        "requester": "liuyang", "pm": "yangfan", "approver": "zhangwei", "client": BANK,
        "start": -330, "end": -120, "budget": "1280000",
        "path": [Status.EXECUTING, Status.CLOSING, Status.CLOSED],
        "plan": "security_hardening",
        "owners": {"net": "huanghai", "test": "xuting", "ops": "hanxue"},
        "background": "等保 2.0 测评发现总部园区网络存在边界防护不足、终端准入缺失、"
                      "日志留存不足 180 天等问题。",
        "goals": "整改全部高、中风险项，通过等保三级复测。",
        "scope": "边界防火墙策略梳理与加固；终端准入（NAC）部署；日志审计与态势感知平台接入；"
                 "渗透测试与复测配合。",
        "benefits": "合同额 128 万元；提升客户满意度，带动数据中心网络改造项目。",
        "assistant": "songyu",
        "members": [
            ("huanghai", Team.TECHNICAL, "防火墙策略梳理与加固，NAC 部署。"),
            ("xuting", Team.TECHNICAL, "渗透测试与整改验证。"),
            ("hanxue", Team.OPERATIONS, "日志审计平台接入与留存策略。"),
        ],
        "client_member": ("qj.wuhao", "行方运维主管：配合策略变更与复测。"),
        "location": "钱江银行总部 12 楼会议室",
    },
    {
        "title": "运维监控平台升级",
        "requester": "liuyang", "pm": "linfeng", "approver": "wangfang", "client": None,
        "start": 14, "end": 165, "budget": "560000", "path": [],
        "plan": "monitoring_upgrade",
        "owners": {"collect": "machao", "sla": "hanxue", "arch": "zhengwei"},
        "background": "公司现有运维监控基于 Zabbix 4.0，告警噪声大，无法覆盖云上资源，"
                      "客户 SLA 报表依靠人工统计。",
        "goals": "统一监控网络设备、服务器与云资源，告警收敛率达到 60% 以上，"
                 "SLA 报表自动生成。",
        "scope": "监控平台升级为 Prometheus + Grafana 架构；告警规则与值班流程重建；"
                 "客户 SLA 报表；与工单系统对接。",
        "benefits": "减少一线运维人工巡检约 30%，提升客户 SLA 达成率。",
        "assistant": "songyu",
        "members": [
            ("machao", Team.OPERATIONS, "采集器部署与告警规则迁移。"),
            ("hanxue", Team.OPERATIONS, "值班流程与 SLA 报表设计。"),
            ("zhengwei", Team.TECHNICAL, "平台架构与高可用部署。"),
        ],
        "client_member": None,
        "location": "公司三楼大会议室",
    },
    {
        "title": "办公网络扩容",
        "requester": "tangning", "pm": "wulei", "approver": "wangfang", "client": None,
        "start": -45, "end": 60, "budget": "380000", "path": [Status.EXECUTING, Status.ON_HOLD],
        "plan": "office_expansion",
        "owners": {"net": "huanghai", "cs": "xiena"},
        "internal_notes": "办公楼 5 层装修延期，布线施工无法进场，项目暂停；装修完成后恢复。",
        "background": "公司人员增长至 180 人，有线点位与无线容量不足，会议室高峰期无线卡顿。",
        "goals": "新增 120 个有线点位，无线升级至 Wi-Fi 6，访客网络与办公网络隔离。",
        "scope": "综合布线改造；接入交换机扩容；无线 AP 替换与 AC 升级；访客认证。",
        "benefits": "改善员工办公体验，满足未来三年的人员增长。",
        "assistant": "gaojie",
        "members": [
            ("huanghai", Team.TECHNICAL, "布线与交换机扩容方案，无线勘测。"),
            ("xiena", Team.CUSTOMER_SERVICE, "内部报障受理与使用说明。"),
        ],
        "client_member": None,
        "location": "公司三楼大会议室",
    },
]

PENDING_REQUESTS = [
    {
        "title": "客服呼叫中心系统云化改造", "state": InitiationRequest.Status.SUBMITTED,
        "requester": "tangning", "pm": "zhoujie", "client": None,
        "start": 30, "end": 150, "budget": "820000",
        "background": "客服呼叫中心采用本地部署的传统交换机，坐席扩容周期长，无法支持远程坐席。",
        "goals": "呼叫中心迁移至云平台，支持 60 个坐席弹性扩容和远程办公。",
        "scope": "云呼叫中心选型与部署；号码迁移；与工单系统和 CRM 对接；坐席培训。",
        "benefits": "坐席扩容周期由 2 周缩短至 1 天，年运维成本降低约 15 万元。",
    },
    {
        "title": "钱江银行分支机构 SD-WAN 互联试点", "state": InitiationRequest.Status.DRAFT,
        "requester": "liuyang", "pm": "wulei", "client": BANK,
        "start": 45, "end": 135, "budget": "960000",
        "background": "钱江银行 36 家分支机构通过 MSTP 专线接入，带宽成本高、开通周期长。",
        "goals": "在 8 家试点网点部署 SD-WAN，专线成本降低 30%，新网点开通不超过 5 个工作日。",
        "scope": "SD-WAN 方案设计与选型；8 家试点网点部署；与总行网络对接；试点评估报告。",
        "benefits": "试点合同额约 96 万元，推广后预计合同额 600 万元以上。",
    },
    {
        "title": "江州市智慧园区无线网络覆盖", "state": InitiationRequest.Status.RETURNED,
        "requester": "tangning", "pm": "yangfan", "client": GOV, "decider": "wangfang",
        "comment": "请补充预算明细、分阶段实施计划和投资回报测算后重新提交。",
        "start": 60, "end": 240, "budget": "2300000",
        "background": "江州市高新园区拟为入驻企业和公共区域提供统一的无线网络服务。",
        "goals": "园区公共区域无线覆盖率 95% 以上，统一认证与访客管理。",
        "scope": "无线勘测与规划；AP 与 AC 部署；统一认证平台；运营维护方案。",
        "benefits": "合同额约 230 万元，并带来三年运营服务收入。",
    },
]


# The client side of the two projects under way (P4.3): problems reported to the client, the
# weekly reports published to the portal, change requests and feedback at every step.
CLIENT_SIDE = {
    "钱江银行数据中心网络改造": {
        "client": "qj.zhoumin", "decider": "zhangwei", "service": "heli",
        "answerer": "huanghai",
        "report": "本周完成接入区第一批割接，业务回切正常。核心交换机到货延迟 5 天，"
                  "我们已调整核心区割接计划，详见下方问题与解决方案。",
        "changes": [
            {"title": "增加灾备中心互联链路的带宽监控", "state": "implemented",
             "description": "希望在新网络监控平台中增加对同城灾备中心两条互联链路的带宽与"
                            "时延监控，并接入行方告警平台。",
             "reason": "监管检查要求对灾备链路进行实时监控。",
             "impact": (3, "36000.00", "新增监控项需测试验证，不影响已交付成果的质量。"),
             "decision": "同意。费用按合同变更条款结算，工期顺延 3 个工作日。"},
            {"title": "核心区割接窗口改至周日凌晨", "state": "assessed",
             "description": "因周六有批量业务，申请将核心区割接窗口由周六晚改至周日 0:00–6:00。",
             "reason": "避开行内周六批量作业。",
             "impact": (1, "0.00", "割接步骤不变；需重新确认值守人员。")},
            {"title": "增加一次割接回退演练", "state": "submitted",
             "description": "割接前请在测试环境再做一次完整回退演练，并邀请行方见证。",
             "reason": "降低核心区割接风险。"},
        ],
        "feedback": [
            {"kind": "quality_issue", "subject": "接入区割接后个别网点访问缓慢",
             "body": "周一上午三家网点反映访问柜面系统较慢，请排查。",
             "answer": "经排查为两台接入交换机的上联端口协商为千兆，已于周一 14:00 调整为万兆，"
                       "网点访问恢复正常，并已加入割接检查清单。", "state": "closed",
             "hours": 5},
            {"kind": "enquiry", "subject": "运维交接培训的时间安排",
             "body": "请告知运维交接培训的具体时间和参加人员要求。",
             "answer": "培训计划在割接完成后一周内进行，共两天，建议网络运维组全体参加，"
                       "详细议程将在项目周报中发布。", "state": "answered", "hours": 20},
            {"kind": "complaint", "subject": "割接通知发出较晚",
             "body": "上次割接通知在前一天下午才收到，行内审批时间不足。", "state": "assigned"},
            {"kind": "suggestion", "subject": "建议提供割接进度实时看板",
             "body": "割接当晚希望能看到各步骤完成情况。", "state": "open"},
        ],
    },
    "政务云平台迁移": {
        "client": "jz.liuna", "decider": "wangfang", "service": "xiena", "answerer": "xiena",
        "report": "第二批业务系统迁移已完成，迁移后运行平稳。下周开始第三批迁移前的演练。",
        "changes": [
            {"title": "新增两个委办局系统纳入迁移范围", "state": "approved",
             "description": "市场监管局与人社局的两个业务系统希望一并迁移上云。",
             "reason": "两局原机房租约到期。",
             "impact": (12, "380000.00", "需增加一轮迁移演练，其余质量要求不变。"),
             "decision": "同意纳入范围，费用与工期按评估结果签订补充协议。"},
            {"title": "取消原定的夜间迁移窗口", "state": "rejected",
             "description": "希望所有迁移改在白天进行。",
             "reason": "夜间值守人员不足。",
             "impact": (15, "120000.00", "白天迁移需停机，影响对外服务，质量风险高。"),
             "decision": "不同意：白天迁移会中断对外政务服务，风险不可接受。"
                         "我们将增派夜间值守人员。"},
        ],
        "feedback": [
            {"kind": "enquiry", "subject": "迁移后数据库备份策略",
             "body": "迁移上云后数据库的备份周期和保留时间是多少？",
             "answer": "每日全量备份、每小时增量备份，保留 30 天，异地副本保留 90 天。",
             "state": "closed", "hours": 3},
        ],
    },
}


def _workday(day, calendar, step=1):
    """The first working day from `day` (inclusive), moving by `step` days."""
    holidays, extra = set(calendar.holidays), set(calendar.extra_workdays)
    while True:
        iso = day.isoformat()
        if iso in extra or (day.weekday() not in calendar.weekend_days and iso not in holidays):
            return day
        day += datetime.timedelta(days=step)


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text, width):
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = ("Load a demo company: departments, staff, clients, calendars and six projects across "
            "the lifecycle with their plans, baselines and progress. Safe to run again: what "
            "exists is left unchanged.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEMO_PASSWORD,
            help=f"Password of the demo users created by this run (default: {DEMO_PASSWORD}).",
        )
        parser.add_argument(
            "--reset-passwords", action="store_true",
            help="Also set the password of demo users that already exist.",
        )

    def handle(self, *args, password, reset_passwords, **options):
        self.today = timezone.localdate()
        self.created = Counter()
        with transaction.atomic():
            self.departments = self.seed_departments()
            self.organizations = self.seed_organizations()
            self.users = self.seed_users(password, reset_passwords)
            self.calendar = self.seed_calendars()
            for spec in sorted(PROJECTS, key=lambda spec: spec["start"]):
                self.seed_project(spec)
            for spec in PENDING_REQUESTS:
                self.seed_pending_request(spec)
        self.report(password)

    # --- reference data and people ----------------------------------------------------------

    def seed_departments(self):
        departments = {}
        for name, kind in DEPARTMENTS:
            departments[name], created = Department.objects.get_or_create(
                name=name, defaults={"kind": kind}
            )
            self.created["departments"] += created
        return departments

    def seed_organizations(self):
        organizations = {}
        for spec in ORGANIZATIONS:
            fields = {k: v for k, v in spec.items() if k not in ("name", "users")}
            organizations[spec["name"]], created = Organization.objects.get_or_create(
                name=spec["name"], defaults=fields
            )
            self.created["client organisations"] += created
        return organizations

    def seed_users(self, password, reset_passwords):
        hashed = make_password(password)  # one hash for all: they share the documented password
        people = [
            (username, name, role, self.departments[department], None, title)
            for username, name, role, department, title in STAFF
        ] + [
            (username, name, SystemRole.CLIENT, None, self.organizations[spec["name"]], title)
            for spec in ORGANIZATIONS for username, name, title in spec["users"]
        ]
        users = {}
        self.titles = {}
        for username, name, role, department, organization, title in people:
            is_admin = role == SystemRole.ADMIN
            user, created = User.objects.get_or_create(username=username, defaults={
                "display_name": name, "last_name": name[0], "first_name": name[1:],
                "email": f"{username}@jindu-demo.example.cn", "system_role": role,
                "department": department, "organization": organization,
                "language": User.Language.EN if is_admin else User.Language.ZH_HANS,
                "is_staff": is_admin, "is_superuser": is_admin, "password": hashed,
            })
            if reset_passwords and not created:
                user.password = hashed
                user.save(update_fields=["password"])
            self.created["users"] += created
            users[username] = user
            self.titles[username] = title
        return users

    def seed_calendars(self):
        had_default = WorkCalendar.objects.filter(is_default=True).exists()
        WorkCalendar.get_default()
        self.created["calendars"] += not had_default
        calendar, created = WorkCalendar.objects.get_or_create(name=CN_CALENDAR, defaults={
            "weekend_days": [5, 6], "holidays": CN_HOLIDAYS,
            "extra_workdays": CN_MAKEUP_WORKDAYS,
        })
        self.created["calendars"] += created
        return calendar

    # --- projects ---------------------------------------------------------------------------

    def _request_fields(self, spec):
        client = spec["client"]
        return {
            "title": spec["title"], "background": spec["background"], "goals": spec["goals"],
            "scope": spec["scope"], "expected_benefits": spec["benefits"],
            "proposed_pm": self.users[spec["pm"]],
            "planned_start": self.today + datetime.timedelta(days=spec["start"]),
            "planned_end": self.today + datetime.timedelta(days=spec["end"]),
            "budget": Decimal(spec["budget"]),
            "client_organization": self.organizations[client] if client else None,
            "calendar": self.calendar,
        }

    def _file_request(self, spec):
        """The request with this title, filed by its requester; `created` says if it is new."""
        existing = InitiationRequest.objects.filter(title=spec["title"]).order_by("pk").first()
        if existing is not None:
            return existing, False
        self.created["initiation requests"] += 1
        return services.create_initiation(
            user=self.users[spec["requester"]], **self._request_fields(spec)
        ), True

    def seed_pending_request(self, spec):
        request, created = self._file_request(spec)
        if not created or spec["state"] == InitiationRequest.Status.DRAFT:
            return
        request = services.submit_initiation(user=self.users[spec["requester"]], request=request)
        if spec["state"] == InitiationRequest.Status.RETURNED:
            services.return_initiation(
                user=self.users[spec["decider"]], request=request, comment=spec["comment"]
            )

    def seed_project(self, spec):
        request, created = self._file_request(spec)
        pm = self.users[spec["pm"]]
        if created:
            request = services.submit_initiation(user=self.users[spec["requester"]],
                                                 request=request)
            request, project = services.approve_initiation(
                user=self.users[spec["approver"]], request=request,
                comment="同意立项，请按批准的范围、进度与预算组织实施。",
            )
            self.created["projects"] += 1
        else:
            project = Project.objects.filter(initiation=request).first()
            if project is None:
                return
        self.seed_team(spec, project, pm)
        self.seed_kickoff(spec, project)
        if spec.get("weekly") and not project.meetings.filter(kind=Meeting.Kind.REGULAR).exists():
            self.seed_weekly_meeting(spec, project)
        if created:
            # The lifecycle as the PM walked it.
            for status in spec["path"]:
                project = services.update_project(user=pm, project=project, status=status)
            if spec.get("internal_notes"):
                project = services.update_project(
                    user=pm, project=project, internal_notes=spec["internal_notes"]
                )
        if not project.tasks.exists():
            self.seed_plan(spec, project)
        if spec["title"] in CLIENT_SIDE:
            self.seed_client_side(CLIENT_SIDE[spec["title"]], project, pm)

    def seed_plan(self, spec, project):
        """The schedule (P3.1c) and what execution made of it so far (P3.2a/b), by status."""
        owners = {"pm": spec["pm"], "assistant": spec["assistant"], "qa": "guomin",
                  **spec["owners"]}
        made = seed_plan(
            project=project, template=PLAN_TEMPLATES[spec["plan"]], today=self.today,
            owners={slot: self.users[username] for slot, username in owners.items()},
        )
        for what, count in made.items():
            self.created[what] += count

    def seed_team(self, spec, project, pm):
        team = [(spec["assistant"], Role.ASSISTANT, "", "协助项目经理，整理项目资料与会议纪要，"
                 "每周更新进度跟踪表并提醒成员按时完成任务。")]
        team += [(username, Role.MEMBER, t, duties) for username, t, duties in spec["members"]]
        team += [("guomin", Role.QA, "", QA_DUTIES), ("luoyan", Role.FINANCE, "", FINANCE_DUTIES)]
        if spec["client_member"]:
            username, duties = spec["client_member"]
            team.append((username, Role.CLIENT, "", duties))
        team.append((spec["requester"], Role.OBSERVER, "", OBSERVER_DUTIES))
        existing = set(project.memberships.values_list("user__username", flat=True))
        for username, role, team_name, duties in team:
            if username in existing:
                continue
            services.add_member(user=pm, project=project, member=self.users[username], role=role,
                                team=team_name, duties=duties)
            self.created["memberships"] += 1

    def seed_kickoff(self, spec, project):
        if project.meetings.filter(kind=Meeting.Kind.KICKOFF).exists():
            return
        if project.planned_start <= self.today:
            day = _workday(project.planned_start, self.calendar)
        else:  # still planning: the team met this week to prepare the start
            day = _workday(self.today - datetime.timedelta(days=2), self.calendar, step=-1)
        pm, assistant = self.users[spec["pm"]], self.users[spec["assistant"]]
        members = [self.users[username] for username, _team, _duties in spec["members"]]
        attendees = [pm, assistant, *members, self.users["guomin"], self.users["luoyan"]]
        if spec["client_member"]:
            attendees.append(self.users[spec["client_member"][0]])

        def action(owner, description, days):
            due = _workday(day + datetime.timedelta(days=days), self.calendar)
            return {"owner": owner, "description": description, "due_date": due,
                    "is_done": due < self.today}

        division = "；".join(
            f"{self.users[username].display_name}（{duties.rstrip('。')}）"
            for username, _team, duties in spec["members"]
        )
        services.record_meeting(
            user=assistant, project=project, kind=Meeting.Kind.KICKOFF,
            title=f"{project.name} 项目启动会", held_at=_at(day, 9, 30),
            location=spec["location"], attendees=attendees,
            minutes=(
                f"项目经理{pm.display_name}介绍项目背景、目标与范围：{spec['goals']}\n"
                f"团队分工：{division}；项目助理{assistant.display_name}负责资料、纪要与进度跟踪表；"
                f"质量保证{self.users['guomin'].display_name}、财务{self.users['luoyan'].display_name}"
                "分别负责质量计划与成本核算。\n"
                "沟通机制：每周一上午召开项目例会；项目助理每周五更新进度跟踪表并发送周报；"
                "重大问题 24 小时内上报项目经理，跨部门问题上报管理层。"
            ),
            decisions=(
                "1. 以批准的立项申请为基线，两周内完成项目进度计划（甘特图）与里程碑；\n"
                "2. 关键路径任务每日跟踪，延误当天上报；\n"
                "3. 范围、进度、预算的变更一律走变更申请流程。"
            ),
            action_items=[
                action(assistant, "建立项目沟通群与共享文档目录，分发启动会纪要", 2),
                action(members[0], "完成现场勘查并提交勘查报告", 5),
                action(pm, "编制项目进度计划（甘特图）并确定里程碑", 10),
                action(self.users["guomin"], "编制项目质量计划，明确评审节点", 10),
            ],
        )
        self.created["meetings"] += 1

    def seed_weekly_meeting(self, spec, project):
        weekly = spec["weekly"]
        monday = self.today - datetime.timedelta(days=self.today.weekday())
        day = _workday(monday, self.calendar)
        if day > self.today:
            day = _workday(monday - datetime.timedelta(days=7), self.calendar)
        assistant = self.users[spec["assistant"]]
        attendees = [self.users[spec["pm"]], assistant,
                     *(self.users[username] for username, _team, _duties in spec["members"])]
        services.record_meeting(
            user=assistant, project=project, kind=Meeting.Kind.REGULAR,
            title=f"{project.name} 项目周例会", held_at=_at(day, 10), location=spec["location"],
            attendees=attendees, minutes=weekly["minutes"], decisions=weekly["decisions"],
            action_items=[
                {"owner": self.users[username], "description": description,
                 "due_date": _workday(day + datetime.timedelta(days=days), self.calendar),
                 "is_done": False}
                for username, description, days in weekly["actions"]
            ],
        )
        self.created["meetings"] += 1

    # --- the client side (P4.3) -------------------------------------------------------------

    def seed_client_side(self, side, project, pm):
        """Shared problems, published reports, change requests and feedback, once."""
        if project.change_requests.exists() or PublishedReport.objects.filter(
                project=project).exists():
            return
        client, decider = self.users[side["client"]], self.users[side["decider"]]
        # The latest report of each distinct problem: the solved ones with their solution.
        shared = {}
        for entry in ProgressEntry.objects.filter(task__project=project).exclude(
                problems="").select_related("task").order_by("-date", "-id"):
            shared.setdefault(entry.problems, entry)
        for entry in list(shared.values())[:3]:
            solution = ("已协调解决：调整资源与计划，相关任务已恢复正常推进。"
                        if entry.problem_resolved_at else "")
            client_side.share_problem(user=pm, entry=entry, shared=True, solution=solution)
        for weeks_ago in (2, 1):
            week = task_progress.week_of(self.today - datetime.timedelta(days=7 * weeks_ago))
            client_side.publish_report(user=pm, project=project, week=week,
                                       summary=side["report"])
            self.created["published reports"] += 1
        for number, change in enumerate(side["changes"]):
            cr = services.submit_change_request(
                user=client, project=project, title=change["title"],
                description=change["description"], reason=change["reason"],
            )
            days_ago = 20 - 6 * number
            if change["state"] != "submitted":
                days, cost, quality = change["impact"]
                cr = services.assess_change_request(
                    user=pm, change_request=cr, schedule_impact_days=days,
                    cost_impact=Decimal(cost), quality_impact=quality,
                    comment="影响评估见上，请审批。",
                )
            if change["state"] in ("approved", "implemented"):
                cr = services.approve_change_request(
                    user=decider, change_request=cr, comment=change["decision"])
            elif change["state"] == "rejected":
                cr = services.reject_change_request(
                    user=decider, change_request=cr, comment=change["decision"])
            if change["state"] == "implemented":
                # The monitoring work goes into the shortest step not started yet.
                changed = list(project.tasks.filter(
                    is_summary=False, status=Task.Status.NOT_STARTED, duration_days__gt=0,
                ).order_by("duration_days", "sort_key")[:1])
                if changed:
                    task_services.update_task(user=pm, task=changed[0],
                                              duration_days=changed[0].duration_days + days)
                cr = services.implement_change_request(
                    user=pm, change_request=cr, changed_tasks=changed,
                    comment="已调整计划并重新设定基线。",
                )
            self._backdate(cr, days_ago)
            self.created["change requests"] += 1
        service = self.users[side["service"]]
        for number, item in enumerate(side["feedback"]):
            feedback = quality_services.submit_feedback(
                user=client, project=project, kind=item["kind"], subject=item["subject"],
                body=item["body"],
            )
            if item["state"] != "open":
                feedback = quality_services.assign_feedback(
                    user=service, feedback=feedback, assignee=self.users[side["answerer"]],
                    comment="请调查并答复客户。",
                )
            if item["state"] in ("answered", "closed"):
                feedback = quality_services.answer_feedback(
                    user=self.users[side["answerer"]], feedback=feedback, answer=item["answer"])
            if item["state"] == "closed":
                feedback = quality_services.confirm_feedback(
                    user=client, feedback=feedback, comment="问题已解决，谢谢。")
            received = timezone.now() - datetime.timedelta(days=12 - 3 * number)
            answered = received + datetime.timedelta(hours=item.get("hours", 0))
            self._backdate_steps(feedback.events.order_by("pk"), [
                received, received + datetime.timedelta(minutes=40), answered,
                answered + datetime.timedelta(days=1)])
            ClientFeedback.objects.filter(pk=feedback.pk).update(
                created_at=received,
                assigned_at=received + datetime.timedelta(minutes=40)
                if feedback.assigned_at else None,
                first_answered_at=answered if feedback.first_answered_at else None,
                answered_at=answered if feedback.answered_at else None,
                closed_at=answered + datetime.timedelta(days=1) if feedback.closed_at else None,
            )
            self.created["client feedback"] += 1

    def _backdate(self, change_request, days_ago):
        """Spread the demo's change requests over the last weeks (created together now): each
        step two days after the one before."""
        start = timezone.now() - datetime.timedelta(days=days_ago)
        when = [start + datetime.timedelta(days=2 * i) for i in range(5)]
        self._backdate_steps(change_request.transitions.order_by("pk"), when)
        steps = dict(change_request.transitions.values_list("to_status", "created_at"))
        ChangeRequest.objects.filter(pk=change_request.pk).update(
            created_at=start,
            assessed_at=steps.get("assessed"),
            decided_at=steps.get("approved") or steps.get("rejected"),
            implemented_at=steps.get("implemented"),
        )

    @staticmethod
    def _backdate_steps(steps, times):
        for step, when in zip(steps, times, strict=False):
            type(step).objects.filter(pk=step.pk).update(created_at=when)

    # --- output -----------------------------------------------------------------------------

    def report(self, password):
        write = self.stdout.write
        made = ", ".join(f"{what} {count}" for what, count in self.created.items() if count)
        write(self.style.SUCCESS(
            f"Demo data ready. Created: {made}." if made else
            "Demo data ready. Nothing new: everything was already there."
        ))
        requests = Counter(InitiationRequest.objects.values_list("status", flat=True))
        projects = Counter(Project.objects.values_list("status", flat=True))
        write(f"  departments: {Department.objects.count()}, "
              f"staff: {User.objects.exclude(system_role=SystemRole.CLIENT).count()}, "
              f"client organisations: {Organization.objects.count()}, "
              f"client users: {User.objects.filter(system_role=SystemRole.CLIENT).count()}, "
              f"calendars: {WorkCalendar.objects.count()}")
        write("  initiation requests: " + ", ".join(
            f"{InitiationRequest.Status(s).label} {n}" for s, n in sorted(requests.items())))
        write("  projects: " + ", ".join(
            f"{Project.Status(s).label} {n}" for s, n in sorted(projects.items())))
        write(f"  memberships: {Membership.objects.count()}, "
              f"meetings: {Meeting.objects.count()}")
        write(f"  tasks: {Task.objects.count()}, dependencies: {Dependency.objects.count()}, "
              f"baselines: {Baseline.objects.count()}, "
              f"progress entries: {ProgressEntry.objects.count()}")
        write("")
        write(self.style.MIGRATE_HEADING(f"Demo logins — every password: {password}"))
        self.write_logins()

    def write_logins(self):
        roles = {}
        for username, code, role in (
            Membership.objects.filter(user__username__in=self.users)
            .order_by("role", "project__code")
            .values_list("user__username", "project__code", "role")
        ):
            roles.setdefault(username, {}).setdefault(Role(role).label.lower(), []).append(code)
        rows = [("username", "name", "role", "sees")]
        for username, user in self.users.items():
            rows.append((username, user.display_name, str(user.get_system_role_display()),
                         self.sees(user, roles.get(username, {}))))
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write("  " + "  ".join(
                [*(_pad(cell, width) for cell, width in zip(row, widths, strict=False)), row[3]]
            ))

    def sees(self, user, project_roles):
        title = self.titles[user.username]
        if user.system_role == SystemRole.ADMIN:
            return f"{title}: Django admin (/admin/), every project, users and calendars"
        if user.system_role == SystemRole.MANAGEMENT:
            return f"{title}: approval inbox, every project and the portfolio"
        if user.system_role == SystemRole.SUPERVISOR:
            return f"{title}: every project (supervision group, P5.1a)"
        codes = [code for project_codes in project_roles.values() for code in project_codes]
        if user.is_client:
            return f"{title}: client portal of {', '.join(codes) or 'no project yet'}"
        return f"{title}: " + ("; ".join(
            f"{role} of {', '.join(codes)}" for role, codes in project_roles.items()
        ) or "own initiation requests")
