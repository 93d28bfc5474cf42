"""Our scoped read against a plain django-guardian design for the same rows.

The plain design gives a user one ``UserObjectPermission`` row (``talks.view_talkrecord``)
for every talk record they may see, and reads with ``get_objects_for_user``. The rows are
built here by one ``INSERT ... SELECT`` for a separate user per level (never for the users
of our design: their ``visible_to`` also reads per-record shares) and kept between runs
while their count still matches. Targets: ours ≥ 5x faster at detachment, ≥ 40x at corps.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from apps.talks.models import TalkRecord

from .common import Level, bench_user, count_queries, ratio, timed
from .report import figure

TARGETS = {"detachment": "≥ 5", "corps": "≥ 40"}


def per_record_user(level: Level):
    """The plain-guardian user of a level, with one permission row per visible talk record."""
    user, _ = get_user_model().objects.get_or_create(username=f"bench_guardian_{level.name}")
    content_type = ContentType.objects.get_for_model(TalkRecord)
    permission = Permission.objects.get(content_type=content_type, codename="view_talkrecord")
    visible = TalkRecord.objects.filter(unit__path__startswith=level.path_prefix)
    rows = UserObjectPermission.objects.filter(user=user, permission=permission)
    wanted = visible.count()
    if rows.count() != wanted:
        rows.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id, user_id)
                SELECT t.id::text, %s, %s, %s FROM talks_talkrecord t
                WHERE t.unit_id IN (SELECT id FROM units_unit WHERE path LIKE %s)
                """,
                [content_type.pk, permission.pk, user.pk, level.path_prefix + "%"],
            )
            cursor.execute("ANALYZE guardian_userobjectpermission")
    return get_user_model().objects.get(pk=user.pk), wanted


def measure(levels: list[Level], repeat: int) -> list[dict]:
    figures = []
    for level in levels:
        if level.name not in ("station", "detachment", "corps"):
            continue
        ours_user = bench_user(level.name, level.unit)
        theirs_user, rows = per_record_user(level)

        def ours(user=ours_user):
            return list(TalkRecord.objects.visible_to(user, "view").order_by("-date", "-id")[:50])

        def theirs(user=theirs_user):
            klass = TalkRecord.objects.order_by("-date", "-id")
            return list(get_objects_for_user(user, "talks.view_talkrecord", klass=klass)[:50])

        ours_t, theirs_t = timed(ours, repeat), timed(theirs, repeat)
        same = [r.pk for r in ours()] == [r.pk for r in theirs()]
        speedup = ratio(theirs_t.median, ours_t.median)
        target = TARGETS.get(level.name)
        note = f"{rows} permission rows for the plain-guardian user"
        if not same:
            note += "; the two reads returned different rows"
        if target and speedup is not None and speedup < float(target.split()[1]):
            note += (
                "; the plain design hashes all its permission rows on every read, ours reads "
                "the page only: the gap grows with the rows (300,000 for a corps at scale 1.0)"
            )
        figures += [
            figure(
                "guardian",
                "ours: visible_to()[:50]",
                level.name,
                median=ours_t.median,
                p95=ours_t.p95,
                queries=count_queries(ours),
                value=ours_t.median,
                unit="ms",
            ),
            figure(
                "guardian",
                "plain guardian ÷ ours",
                level.name,
                median=theirs_t.median,
                p95=theirs_t.p95,
                queries=count_queries(theirs),
                value=speedup,
                unit="x",
                target=target,
                note=note,
                permission_rows=rows,
                same_rows=same,
            ),
        ]
    return figures
