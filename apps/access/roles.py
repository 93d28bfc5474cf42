"""The default roles every install starts with. They are data: editable in the admin afterwards.

Patterns are matched against ``app_label.codename`` with ``fnmatch``. Roles are only
created when missing, so edits made in the admin survive later migrations; run
``manage.py seed_roles --reset`` to restore the defaults.
"""

from fnmatch import fnmatch

RECORD_APPS = [
    "units",
    "access",
    "people",
    "party",
    "talks",
    "evaluations",
    "commendations",
    "reports",
    "notifications",
    "operations",
]
SENSITIVE = ["talks.view_talk_content", "people.view_personal_data"]
#: roles are global: only superusers edit them (``role.edit`` in ``apps/access/authority.py``)
ROLE_EDITS = ["access.add_role", "access.change_role", "access.delete_role"]
#: confidential talk records and their read log are never hard-deleted by unit staff
#: (``talk.delete`` is for superusers only)
TALK_DELETES = ["talks.delete_talkrecord", "talks.delete_talkcontentaccess"]
#: drafting a nomination is the secretary's work: drafting, editing the unit's draft, its
#: evidence and submitting it; the commendations services keep another unit's draft with
#: that unit (``may_edit_evidence``, the drafting-unit rule), so a secretary reviews those
NOMINATION_DRAFTING = ["commendations.add_nomination", "commendations.change_nomination"]
#: what a station's staff do in a wartime operation, besides reading it
OPERATION_ACTS = [
    "operations.activate_operation",
    "operations.file_wartime_report",
    "operations.record_observation",
    "operations.commend_in_operation",
]

DEFAULT_ROLES = {
    "hq_admin": {
        "name": "总部管理员",
        "description": "管理所辖全部单位的记录；默认不含谈心谈话内容查阅权。",
        "include": [f"{app}.*" for app in RECORD_APPS] + ["people.view_personal_data"],
        "exclude": [
            "talks.view_talk_content",
            "commendations.approve_nomination",
            "commendations.review_nomination",
            *ROLE_EDITS,
            *TALK_DELETES,
        ],
    },
    "unit_admin": {
        "name": "单位管理员",
        "description": "管理本单位及下级单位的记录，不能查阅谈心谈话内容。",
        "include": [f"{app}.*" for app in RECORD_APPS],
        "exclude": SENSITIVE
        + [
            "commendations.approve_nomination",
            "commendations.review_nomination",
            "access.*_role",
            *TALK_DELETES,
            # commending and observing in an operation are the political side's acts
            "operations.commend_in_operation",
            "operations.record_observation",
        ],
    },
    "secretary": {
        "name": "党组织书记/政治委员",
        "description": "查阅所辖单位记录，查阅谈心谈话内容，起草和审核表彰推荐，战时考察与表扬。",
        "include": [f"{app}.view_*" for app in RECORD_APPS]
        + ["talks.*", "people.view_personal_data", "commendations.review_nomination", "evaluations.*"]
        + NOMINATION_DRAFTING
        + OPERATION_ACTS,
        "exclude": ["talks.delete_*"],
    },
    "talker": {
        "name": "谈话人",
        "description": "登记自己的谈心谈话并跟进落实。",
        "include": [
            "people.view_*",
            "party.view_*",
            "units.view_unit",
            "talks.view_*",
            "talks.add_*",
            "talks.change_*",
            "operations.view_*",
        ],
        "exclude": SENSITIVE + ["talks.delete_*"],
    },
    "approver": {
        "name": "审批人",
        "description": "在本级审批表彰奖励推荐。",
        "include": [
            "units.view_unit",
            "people.view_person",
            "party.view_*",
            "evaluations.view_*",
            "commendations.view_*",
            "commendations.approve_nomination",
        ],
        "exclude": [],
    },
    "viewer": {
        "name": "查看人员",
        "description": "只读查看所辖单位的记录（不含谈话内容）。",
        "include": [f"{app}.view_*" for app in RECORD_APPS],
        "exclude": SENSITIVE + ["access.view_*"],
    },
}


def permissions_matching(role_spec: dict):
    from django.contrib.auth.models import Permission

    chosen = []
    for perm in Permission.objects.select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if any(fnmatch(name, p) for p in role_spec["include"]) and not any(
            fnmatch(name, p) for p in role_spec["exclude"]
        ):
            chosen.append(perm)
    return chosen


#: permissions of acts only a superuser performs (``apps/access/authority.py``): no role,
#: default or edited, ever carries them; a role that does (an install from before) loses them
#: at the next ``migrate`` / ``seed_roles``
NEVER_BUNDLED = [*ROLE_EDITS, *TALK_DELETES, "auth.*"]


def never_bundled(permissions) -> list:
    """Those of ``permissions`` no role may carry."""
    return [
        p
        for p in permissions
        if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pattern) for pattern in NEVER_BUNDLED)
    ]


def bundleable_permissions():
    """The permissions a role may carry (what the role admin offers)."""
    from django.contrib.auth.models import Permission

    permissions = Permission.objects.select_related("content_type")
    withheld = [p.pk for p in never_bundled(permissions)]
    return permissions.exclude(pk__in=withheld)


def seed_roles(*, reset: bool = False, extend: bool = False) -> None:
    """Create the default roles that are missing; with ``reset``, restore every default
    role's permissions; with ``extend``, add the default permissions a role lacks (new apps'
    permissions, new defaults) and keep the ones added in the admin. Every role then loses
    the permissions no role may carry (``NEVER_BUNDLED``)."""
    from .models import Role

    for code, spec in DEFAULT_ROLES.items():
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": spec["name"], "description": spec["description"]}
        )
        if created or reset:
            role.permissions.set(permissions_matching(spec))
        elif extend:
            role.permissions.add(*permissions_matching(spec))
    for role in Role.objects.prefetch_related("permissions__content_type"):
        withheld = never_bundled(role.permissions.all())
        if withheld:
            role.permissions.remove(*withheld)


def seed_roles_after_migrate(sender, using="default", **kwargs):
    """Permissions of every app must exist before roles can bundle them."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    seed_roles()
