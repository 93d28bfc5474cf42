"""A content digest of one generated corps, to check that a seed always writes the same rows.

Rows are compared by content: a foreign key to another generated row becomes that row's
ordinal (ids are handed out in generation order), a user its username without the corps
prefix, reference data its code or name. Left out: ids, ``auto_now`` columns, the
ranking's ``computed_at``, Fernet ciphertexts (random by design), and the corps's root position (tree paths lose their first
step, id numbers their digits 3–4 and check character).
"""

import hashlib

from django.contrib.auth import get_user_model
from django.db import models

from apps.commendations.models import AwardKind, Decision, Nomination, Objection
from apps.evaluations.models import Criterion, Evaluation, Scheme, Score
from apps.party.models import PartyOrganisation
from apps.people.models import PartyMembership, Person, PoliticalStatusChange, UnitMembership
from apps.reports.models import DailyCompliance, ZeroReport, ZeroReportItem
from apps.talks.models import FollowUp, TalkRecord
from apps.units.models import Unit

# In dependency order: a table's foreign keys point at tables above it (or reference data).
TABLES = [
    Unit,
    PartyOrganisation,
    Person,
    UnitMembership,
    PoliticalStatusChange,
    PartyMembership,
    TalkRecord,
    FollowUp,
    Evaluation,
    Score,
    Nomination,
    Decision,
    Objection,
    ZeroReport,
    ZeroReportItem,
    DailyCompliance,
]
VOLATILE = {"computed_at"}  # when the ranking last ran
REFERENCE = {Scheme: "code", Criterion: "name", AwardKind: "code"}


def _scope_filter(model, path: str) -> dict:
    field = model.scope_field
    return {f"{field}__path__startswith" if field else "path__startswith": path}


def _columns(model) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and not f.name.endswith("_enc")
        and f.name not in VOLATILE
    ]


def digest(root_code: str) -> dict[str, str]:
    """SHA-256 per table of the corps whose root unit has code ``root_code``."""
    corps = Unit.objects.get(code=root_code)
    prefix = f"{root_code.lower()}_"
    keys = {
        get_user_model(): {
            pk: name.removeprefix(prefix)
            for pk, name in get_user_model()
            .objects.filter(username__startswith=prefix)
            .values_list("pk", "username")
        }
    }
    for model, field in REFERENCE.items():
        keys[model] = dict(model.objects.values_list("pk", field))
    out = {}
    for model in TABLES:
        columns = _columns(model)
        rows = model.objects.filter(**_scope_filter(model, corps.path)).order_by("pk")
        rows = rows.values_list("pk", *[c.attname for c in columns])
        ordinals, h = {}, hashlib.sha256()
        for n, (pk, *values) in enumerate(rows):
            ordinals[pk] = n
            h.update(
                repr([_key(keys, root_code, c, v) for c, v in zip(columns, values, strict=True)]).encode()
            )
        keys[model] = ordinals
        out[model._meta.label] = h.hexdigest()
    return out


def _key(keys, root_code, field, value):
    if value is None:
        return None
    if isinstance(field, models.ForeignKey):
        return keys[field.related_model][value]
    if field.name == "path":
        return value[4:]
    if field.name == "code" and field.model is Unit:
        return value.removeprefix(root_code)
    if field.name == "id_number":
        return value[:2] + value[4:17]
    return str(value)
