"""Granting, changing and revoking roles; editing roles and accounts.

These are the only write path for ``apps.access`` (the admin, the API and the unit page's
grant rows all come here; ``apps.core.writes`` routes the base admin and viewset to the
functions registered at the bottom). The rules, checked before anything is written:

* a grant is handed out, changed or withdrawn only on units where the actor holds the
  ``grant.*`` authority (``apps.access.authority``), and only when the actor holds every
  permission of the role there themselves: nobody hands out, rewrites or takes away more
  than they could have given (no escalation, and no power over those above them);
* roles are global, so only superusers edit them (``role.edit``);
* accounts: superusers create, delete and set the staff/superuser flags, groups and direct
  permissions; anyone else edits (name, e-mail, active, password) only accounts every grant
  of which they could have handed out, linked to no person outside their scope.

The permission rows (``UnitPermission``) follow from the live grants through
``apps.access.signals``; every change here goes through ``save()``/``delete()`` (never a
queryset ``update``) so the rows are rewritten for the old and the new holder and unit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction

from apps.core.scoping import ancestor_paths, units_granted

from .authority import authorize, may
from .models import Grant, Role, UnitPermission

ESCALATION = "不能授予超出您自身权限的角色。"
ABOVE_YOU = "该授权的角色超出您自身的权限，您不能修改或撤销。"
DUPLICATE = "该用户在该单位已有此角色。"
USER_OUT_OF_SCOPE = "该账号不在您的管辖范围内，或其权限超出您自身的权限。"
FLAGS_SUPERUSER_ONLY = "只有系统管理员可以设置管理员、超级用户、用户组和直接权限。"


# --- grants -------------------------------------------------------------------------------


def _held_permission_ids(actor, unit) -> set[int]:
    """The permissions the actor holds on ``unit`` through grants on it or its ancestors
    (one query; the unit's current path is read by primary key)."""
    from apps.units.models import Unit

    path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first()
    if path is None:
        return set()
    return set(
        UnitPermission.objects.filter(user_id=actor.pk, content_object__path__in=ancestor_paths(path))
        .values_list("permission_id", flat=True)
        .distinct()
    )


def _holds_role(actor, *, unit, role: Role) -> bool:
    """Whether the actor holds every permission of ``role`` on ``unit`` themselves."""
    if actor.is_superuser:
        return True
    wanted = set(role.permissions.values_list("pk", flat=True))
    return wanted <= _held_permission_ids(actor, unit)


def role_grant_check(*, unit, role: Role, actor) -> None:
    """Refuse a grant the actor may not hand out: only on units where they may grant, and
    only permissions they hold there themselves (no escalation)."""
    authorize(actor, "grant.create", unit)
    if not _holds_role(actor, unit=unit, role=role):
        raise ValidationError({"role": ESCALATION})


def _check_holder(user) -> None:
    if user is None or not user.is_active:
        raise ValidationError({"user": "用户不存在或已停用。"})


def _save_grant(grant: Grant, actor) -> Grant:
    grant._history_user = actor
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError as exc:  # the same user, unit and role, written meanwhile
        raise ValidationError({"role": DUPLICATE}) from exc
    return grant


def role_grant(*, user, unit, role: Role, actor) -> Grant:
    """Give ``user`` the ``role`` on ``unit`` (the existing grant if they hold it already)."""
    with transaction.atomic():
        role_grant_check(unit=unit, role=role, actor=actor)
        _check_holder(user)
        existing = Grant.objects.filter(user=user, unit=unit, role=role).first()
        if existing is not None:
            return existing
        return _save_grant(Grant(user=user, unit=unit, role=role, granted_by=actor), actor)


def grant_create(*, instance: Grant, actor, m2m=None, related=None) -> Grant:
    """Create the grant the admin or the API assembled (``instance``, unsaved)."""
    _refuse_related(instance, m2m, related)
    with transaction.atomic():
        role_grant_check(unit=instance.unit, role=instance.role, actor=actor)
        _check_holder(instance.user)
        if Grant.objects.filter(user=instance.user, unit=instance.unit, role=instance.role).exists():
            raise ValidationError({"role": DUPLICATE})
        instance.granted_by = actor
        return _save_grant(instance, actor)


def grant_update(*, instance: Grant, actor, m2m=None, related=None) -> Grant:
    """Change a grant's holder, unit or role. The stored grant (locked) must be one the actor
    could withdraw, the new one one they could hand out; the permission rows of the old and
    the new unit are both rewritten (``apps.access.signals``)."""
    _refuse_related(instance, m2m, related)
    with transaction.atomic():
        stored = Grant.objects.select_for_update().select_related("unit", "role").get(pk=instance.pk)
        authorize(actor, "grant.change", stored.unit)
        if not _holds_role(actor, unit=stored.unit, role=stored.role):
            raise PermissionDenied(ABOVE_YOU)
        moved = (stored.user_id, stored.unit_id, stored.role_id) != (
            instance.user_id,
            instance.unit_id,
            instance.role_id,
        )
        if not moved:
            return stored
        authorize(actor, "grant.change", instance.unit)
        role_grant_check(unit=instance.unit, role=instance.role, actor=actor)
        _check_holder(instance.user)
        duplicate = Grant.objects.filter(user=instance.user, unit=instance.unit, role=instance.role)
        if duplicate.exclude(pk=stored.pk).exists():
            raise ValidationError({"role": DUPLICATE})
        instance.granted_by = actor
        instance.created_at = stored.created_at
        return _save_grant(instance, actor)


def grant_revoke(*, grant: Grant, actor) -> None:
    """Withdraw a grant; it stops counting at once (no cache outlives the request)."""
    with transaction.atomic():
        stored = Grant.objects.select_for_update().select_related("unit", "role").filter(pk=grant.pk).first()
        if stored is None:
            return  # already withdrawn
        authorize(actor, "grant.revoke", stored.unit)
        if not _holds_role(actor, unit=stored.unit, role=stored.role):
            raise PermissionDenied(ABOVE_YOU)
        stored._history_user = actor
        stored.delete()


def grant_delete(*, instance: Grant, actor) -> None:
    grant_revoke(grant=instance, actor=actor)


# --- roles (superusers only) --------------------------------------------------------------


def _check_role_fields(role: Role) -> None:
    try:
        role.full_clean(exclude=["permissions"], validate_unique=True)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def role_create(*, instance: Role, actor, m2m=None, related=None) -> Role:
    """Create a role (superusers only: a role is global, it counts wherever it is granted)."""
    _refuse_related(instance, None, related)
    authorize(actor, "role.edit", None)
    with transaction.atomic():
        _check_role_fields(instance)
        instance._history_user = actor
        instance.save()
        _set_role_permissions(instance, m2m, actor)
    return instance


def role_update(*, instance: Role, actor, m2m=None, related=None) -> Role:
    """Edit a role's name or permissions (superusers only); every holder's permission rows
    are rewritten at once (``apps.access.signals``)."""
    _refuse_related(instance, None, related)
    authorize(actor, "role.edit", None)
    with transaction.atomic():
        Role.objects.select_for_update().get(pk=instance.pk)
        _check_role_fields(instance)
        instance._history_user = actor
        instance.save()
        _set_role_permissions(instance, m2m, actor)
    return instance


def role_permissions_set(*, role: Role, permissions, actor) -> Role:
    """Replace a role's permissions (superusers only)."""
    authorize(actor, "role.edit", None)
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        _set_role_permissions(role, {"permissions": permissions}, actor)
    return role


def role_delete(*, instance: Role, actor) -> None:
    """Delete a role nobody holds (superusers only)."""
    authorize(actor, "role.edit", None)
    with transaction.atomic():
        stored = Role.objects.select_for_update().get(pk=instance.pk)
        if stored.grants.exists():
            raise ValidationError("该角色仍有授权，请先撤销这些授权再删除角色。")
        stored._history_user = actor
        stored.delete()


def _set_role_permissions(role: Role, m2m, actor) -> None:
    from .roles import never_bundled

    if m2m and "permissions" in m2m:
        refused = never_bundled(
            Permission.objects.filter(pk__in=[p.pk for p in m2m["permissions"]]).select_related(
                "content_type"
            )
        )
        if refused:
            names = "、".join(str(p.name) for p in refused)
            raise ValidationError({"permissions": f"这些权限只属于系统管理员，不能放入角色：{names}。"})
        role._history_user = actor
        role.permissions.set(m2m["permissions"])


# --- accounts -----------------------------------------------------------------------------


def users_visible_to(actor):
    """Accounts the actor may see in the account admin: for a superuser all of them; for
    anyone else those holding a grant in, or linked to a person in, a unit where the actor
    may see grants."""
    users = get_user_model().objects.all()
    if actor.is_superuser:
        return users
    if not actor.is_active:
        return users.none()
    units = units_granted(actor, "access", "view_grant").values("pk")
    return users.filter(
        models.Q(pk__in=Grant.objects.filter(unit__in=units).values("user_id"))
        | models.Q(person__unit__in=units)
    )


def user_may_manage(actor, user) -> bool:
    """Whether the actor may edit ``user``'s account: never a superuser's; only an account
    every grant of which the actor could have handed out, linked to no person outside the
    actor's scope."""
    if actor.is_superuser:
        return True
    if user is None or user.pk is None or user.is_superuser:
        return False
    if not users_visible_to(actor).filter(pk=user.pk).exists():
        return False
    for grant in Grant.objects.filter(user_id=user.pk).select_related("unit", "role"):
        if not may(actor, "user.manage", grant.unit) or not _holds_role(
            actor, unit=grant.unit, role=grant.role
        ):
            return False
    person = getattr(user, "person", None) if _has_person_link() else None
    return person is None or may(actor, "user.manage", person.unit)


def _has_person_link() -> bool:
    try:
        get_user_model()._meta.get_field("person")
    except Exception:
        return False
    return True


def _require_manage(actor, user) -> None:
    if not user_may_manage(actor, user):
        raise PermissionDenied(USER_OUT_OF_SCOPE)


def user_create(*, instance, actor, m2m=None, related=None):
    """Create an account (superusers only)."""
    _refuse_related(instance, None, related)
    authorize(actor, "user.create", None)
    with transaction.atomic():
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
    return instance


def user_update(*, instance, actor, m2m=None, related=None):
    """Edit an account. Anyone but a superuser edits only accounts they may manage, and
    never the staff or superuser flags, groups or direct permissions."""
    _refuse_related(instance, None, related)
    model = type(instance)
    with transaction.atomic():
        stored = model.objects.select_for_update().get(pk=instance.pk)
        if not actor.is_superuser:
            _require_manage(actor, stored)
            flags = (stored.is_staff, stored.is_superuser) != (instance.is_staff, instance.is_superuser)
            m2m_changed = any(
                set(getattr(stored, name).values_list("pk", flat=True)) != {v.pk for v in values}
                for name, values in (m2m or {}).items()
            )
            if flags or m2m_changed:
                authorize(actor, "user.flags", None)
            m2m = None
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
    return instance


def user_password_set(*, user, password: str | None, actor):
    """Set (or, with ``password=None``, disable) an account's password."""
    with transaction.atomic():
        stored = type(user).objects.select_for_update().get(pk=user.pk)
        _require_manage(actor, stored)
        if password is None:
            stored.set_unusable_password()
        else:
            stored.set_password(password)
        stored.save(update_fields=["password"])
    return stored


def user_delete(*, instance, actor) -> None:
    """Delete an account (superusers only; everyone else deactivates it)."""
    authorize(actor, "user.delete", None)
    with transaction.atomic():
        type(instance).objects.select_for_update().get(pk=instance.pk).delete()


def token_revoke(*, user, actor) -> None:
    """Revoke an account's API token (its owner, or a superuser)."""
    from rest_framework.authtoken.models import Token

    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("只能撤销自己的令牌。")
    Token.objects.filter(user_id=user.pk).delete()


# --- a person's login account (the API's people/{id}/account/ actions) ---------------------
#
# A unit administrator gives a person of their scope a login, deactivates it and resets its
# password: the act is ``user.manage`` (``access.change_grant``) on the person's unit, the
# rule that already lets them link an existing account to that person. A new account carries
# no grant and no flag, so it hands out nothing; deactivating and resetting an existing one
# also need ``user_may_manage`` (never an account holding grants the actor could not have
# made). Free-standing accounts, staff and superuser flags stay with superusers
# (``user.create``, ``user.flags``). Every act is written in the account's admin log
# (``LogEntry``, the page the user admin's own changes go to) and, when the person's row
# changes, in the person's history.

HAS_ACCOUNT = "该人员已有登录账号。"
NO_ACCOUNT = "该人员还没有登录账号。"
NOT_YOURSELF = "不能通过人员管理停用或重置您自己的账号。"
USERNAME_TAKEN = "该用户名已被使用。"
#: Django's messages that its Chinese catalogue leaves in English, by validator code
PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符。",
    "password_too_similar": "密码与用户名或姓名太相似。",
    "password_too_common": "这个密码太常见了。",
    "password_entirely_numeric": "密码不能全是数字。",
}
#: generated passwords: no look-alike characters (0/O, 1/l/I), read out to the person once
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 14


def _password_errors(password: str, user) -> list[str]:
    """Django's password validators' verdict on ``password`` for ``user``, in Chinese."""
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    try:
        with translation.override("zh-hans"):
            validate_password(password, user=user)
    except ValidationError as exc:
        messages = []
        for error in exc.error_list:
            template = PASSWORD_MESSAGES.get(error.code)
            if template is not None:
                messages.append(template.format(**(error.params or {})))
            else:
                messages.extend(error.messages)
        return messages
    return []


def _generated_password(user) -> str:
    import secrets

    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_LENGTH))
        if not password.isdigit() and not _password_errors(password, user):
            return password


def _chosen_or_generated(password: str | None, user) -> tuple[str, bool]:
    if password:
        errors = _password_errors(password, user)
        if errors:
            raise ValidationError({"password": errors})
        return password, False
    return _generated_password(user), True


def _log_account(actor, user, flag: int, message: str) -> None:
    from django.contrib.admin.models import LogEntry

    if actor is not None and actor.pk:
        LogEntry.objects.log_actions(
            user_id=actor.pk, queryset=[user], action_flag=flag, change_message=message, single_object=True
        )


def _revoke_tokens(user) -> None:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user_id=user.pk).delete()


def _locked_person_account(person, actor):
    """The person (locked) and their account (locked), after the authority checks."""
    from apps.people.models import Person

    person = Person.objects.select_for_update().select_related("unit").get(pk=person.pk)
    authorize(actor, "user.manage", person.unit)
    if person.user_id is None:
        raise ValidationError({"account": NO_ACCOUNT})
    user = get_user_model().objects.select_for_update().get(pk=person.user_id)
    if user.pk == actor.pk:
        raise PermissionDenied(NOT_YOURSELF)
    _require_manage(actor, user)
    return person, user


def person_account_create(*, person, actor, username: str, password: str | None = None):
    """Give a person in the actor's scope a login account (no grant, no flag) linked to them.
    Returns ``(user, password)``: ``password`` is the generated one, to be shown once, or
    ``None`` when the actor chose it."""
    from django.contrib.admin.models import ADDITION

    from apps.people.models import Person

    User = get_user_model()
    username = (username or "").strip()
    with transaction.atomic():
        person = Person.objects.select_for_update().select_related("unit").get(pk=person.pk)
        authorize(actor, "user.manage", person.unit)
        if person.user_id is not None:
            raise ValidationError({"account": HAS_ACCOUNT})
        if not person.is_active:
            raise ValidationError({"account": "该人员已不在岗，不能开通登录账号。"})
        family, given = person.name[:1], person.name[1:]
        user = User(username=username, last_name=family, first_name=given, is_active=True)
        try:
            user.full_clean(exclude=["password"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": USERNAME_TAKEN})
        chosen, generated = _chosen_or_generated(password, user)
        user.set_password(chosen)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # the same username, written meanwhile
            raise ValidationError({"username": USERNAME_TAKEN}) from exc
        person.user = user
        person._history_user = actor
        person._change_reason = f"开通登录账号：{user.username}"
        person.save(update_fields=["user", "updated_at"])
        _log_account(actor, user, ADDITION, f"为人员“{person.name}”开通登录账号")
    return user, (chosen if generated else None)


def person_account_deactivate(*, person, actor):
    """Deactivate a person's login account: it can no longer sign in, its sessions stop
    counting (an inactive user is never loaded from a session) and its API tokens are
    deleted. The account, its grants and its history stay (a superuser may reactivate it)."""
    from django.contrib.admin.models import CHANGE

    with transaction.atomic():
        person, user = _locked_person_account(person, actor)
        if user.is_active:
            user.is_active = False
            user_update(instance=user, actor=actor)
            _log_account(actor, user, CHANGE, f"停用人员“{person.name}”的登录账号")
        _revoke_tokens(user)
    return user


def person_account_reactivate(*, person, actor):
    """Let a deactivated login account sign in again (a deactivation made by mistake, a
    person back from leave). Its grants are as they were; it gets no new token (a new API
    token is asked for as before). A person who has left gets no account back."""
    from django.contrib.admin.models import CHANGE

    with transaction.atomic():
        person, user = _locked_person_account(person, actor)
        if not person.is_active:
            raise ValidationError({"account": f"“{person.name}”已离开队伍，不能恢复其登录账号。"})
        if not user.is_active:
            user.is_active = True
            user_update(instance=user, actor=actor)
            _log_account(actor, user, CHANGE, f"恢复人员“{person.name}”的登录账号")
    return user


def person_account_password_reset(*, person, actor, password: str | None = None):
    """Set a new password on a person's login account: the one given (checked by the password
    validators) or a generated one, returned once. The account's sessions end (Django's session
    hash changes with the password) and its API tokens are deleted.
    Returns ``(user, password)`` as ``person_account_create`` does."""
    from django.contrib.admin.models import CHANGE

    with transaction.atomic():
        person, user = _locked_person_account(person, actor)
        chosen, generated = _chosen_or_generated(password, user)
        user = user_password_set(user=user, password=chosen, actor=actor)
        _revoke_tokens(user)
        _log_account(actor, user, CHANGE, f"重置人员“{person.name}”的登录密码")
    return user, (chosen if generated else None)


# --- the base admin's and viewset's writes -------------------------------------------------


def _refuse_related(instance, m2m, related) -> None:
    if related or m2m:
        raise ValidationError(
            f"{type(instance)._meta.verbose_name}不接受附加数据：{sorted({**(m2m or {}), **(related or {})})}"
        )


def _register() -> None:
    from apps.core.writes import register_writes

    register_writes(Grant, create=grant_create, update=grant_update, delete=grant_delete)
    register_writes(Role, create=role_create, update=role_update, delete=role_delete)
    register_writes(get_user_model(), create=user_create, update=user_update, delete=user_delete)


_register()
