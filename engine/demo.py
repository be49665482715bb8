"""The demo organisation `make run` creates in an empty database: the departments the shipped
procedures involve, one user for each role and a reviewer in every department."""
from sqlalchemy import func, select

from engine.services import users
from engine.store import session_scope
from engine.store.models import Agency, Department, SpecialProcedureKind, User

DEPARTMENTS = {
    "window": "政务服务中心综合窗口",
    "devreform": "发展和改革局",
    "natres": "自然资源和规划局",
    "housing": "住房和城乡建设局",
    "eco": "生态环境局",
    "water": "水利局",
    "emergency": "应急管理局",
    "meteo": "气象局",
    "quake": "地震局",
    "relics": "文物局",
    "fire": "消防救援大队",
    "airdef": "人民防空办公室",
    "health": "卫生健康委员会",
    "telecom": "通信管理办公室",
    "tax": "税务局",
    "realestate": "不动产登记中心",
    "drawing": "施工图审查机构",
    "supervision": "电子监察室",
    "village": "东关村便民服务代办点",  # an agent point (村级代办点): its agent files for villagers
    # The public utilities whose account transfers join the second-hand transfer in one thing
    # (processes/things/real_estate_utilities.yaml: 水电气网联合过户).
    "watersupply": "县供水公司",
    "power": "县供电公司",
    "gas": "县燃气公司",
    "network": "县广电网络公司",
}

# The demo county's own rules count a site survey out of the time limits, as the law does its
# special procedures (domain: "locally configured ones such as 现场踏勘").
DEMO_SPECIAL_KINDS = {"site_survey": "现场踏勘"}
# 中介超市: a few agencies, so that the marketplace and a demo case's commission have something to show.
DEMO_AGENCIES = (
    ("陇原环境安全评价有限公司", "91620102MA72HJ8K1K", {"environmental_impact": 20, "safety": 15, "soil_water": 12},
     "环境影响评价、安全评价资质", "0931-8800001", "按项目规模议价，报告表 2 万元起"),
    ("金城节能技术咨询有限公司", "91620104MA73PQ2L58", {"energy": 8, "water_resources": 10, "climate": 15},
     "节能评估、水资源论证", "0931-8800002", "节能报告 1.5 万元起"),
    ("西部地震工程勘察研究院", "91620105MA74RT6N89",
     {"seismic_safety": 25, "geological_hazard": 18, "cultural_relics": 30, "drawing_review": 10},
     "地震安全性评价甲级、施工图审查一类", "0931-8800003", "按建筑面积计费"),
)
DEMO_PASSWORD = "shenpi-demo"
# login, name, department, roles. A person's name is their own: the pages show the department
# beside it, and 转办 and 抄送 find people by the name they are known by.
DEMO_USERS = [
    ("admin", "系统管理员", "supervision", ["admin"]),
    ("clerk", "王敏", "window", ["clerk"]),
    ("reviewer", "李强", "housing", ["reviewer"]),
    ("reviewer2", "赵磊", "housing", ["reviewer"]),
    ("housinglead", "黄海", "housing", ["lead", "reviewer"]),  # signs the joint drawing review
    ("taxreviewer", "陈静", "tax", ["reviewer"]),
    ("lead", "张伟", "devreform", ["lead", "reviewer"]),
    ("supervisor", "刘洋", "supervision", ["supervisor"]),
    ("designer", "周婷", "supervision", ["designer"]),
    ("agent", "何芳", "village", ["agent"]),  # files cases for villagers at the village's agent point
    ("platform", "省政务服务平台", "supervision", ["platform"]),  # pulls the cases' records (办件信息汇聚)
]
# Every other department a procedure can send work to has a person of its own, logging in by the
# department's code, so a demo case can be taken through every review; being the department's
# only person, they are its head too (a single department's approval is decided by its head).
_STAFFED = {dept for _, _, dept, _ in DEMO_USERS}
_REVIEWERS = ("孙丽", "吴敏", "郑浩", "王芳", "冯磊", "陈晨", "蒋华", "沈阳", "韩梅", "杨帆", "朱琳", "秦川", "许静",
              "曹宇", "罗晶", "梁栋", "宋佳")
DEMO_USERS += [(code, name, code, ["reviewer", "lead"]) for code, name in
               zip((code for code in DEPARTMENTS if code not in _STAFFED), _REVIEWERS, strict=True)]


def create_demo_organisation() -> list[tuple[str, str]]:
    """Create departments and users if there are no users yet; return the logins created. A demo
    made by an earlier release gets the departments added since (the shipped items name them) and
    their person, whose login is the department's code."""
    with session_scope() as session:
        first = not session.scalar(select(func.count()).select_from(User))
        added = {code for code in DEPARTMENTS if session.scalar(select(Department.id).where(Department.code == code))
                 is None}
        taken = set(session.scalars(select(User.login)))
        for code, name in DEPARTMENTS.items():
            users.ensure_department(session, code, name)
        if first:
            session.add_all(SpecialProcedureKind(code=code, name=name) for code, name in DEMO_SPECIAL_KINDS.items()
                            if session.get(SpecialProcedureKind, code) is None)
            session.add_all(Agency(name=name, credit_code=code, services=services, qualification=qualification,
                                   contact=contact, price_note=price, active=True)
                            for name, code, services, qualification, contact, price in DEMO_AGENCIES
                            if not session.scalar(select(Agency.id).where(Agency.credit_code == code)))
    people = DEMO_USERS if first else [(login, name, dept, roles) for login, name, dept, roles in DEMO_USERS
                                       if login == dept and dept in added and login not in taken]
    created = []
    for login, name, dept, roles in people:
        users.add_user(login, name, dept, roles, DEMO_PASSWORD)
        created.append((login, ", ".join(roles)))
    return created
