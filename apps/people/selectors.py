"""Read-side figures on people, computed in SQL from the scoped queryset."""

from collections import Counter

from django.db.models import Count, Q

from apps.core.scoping import permitted_condition
from apps.units.models import Unit

from .models import PARTY_MEMBER_STATUSES, Person, PersonCategory, PoliticalStatus


def membership_figures(*, user, root: Unit) -> dict:
    """People by category and political status under ``root``, and per direct child unit.

    One grouped statement over the people (by child path prefix, category and political
    status: a few hundred rows at most), folded into the three figures here, instead of one
    pass over the people per figure."""
    from django.db.models.functions import Substr

    people = Person.objects.visible_within(user, root).filter(is_active=True)
    children = list(
        Unit.objects.filter(path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True)
    )
    step = len(root.path) + 4
    groups = (
        people.order_by()
        .annotate(prefix=Substr("unit__path", 1, step))
        .values_list("prefix", "category", "political_status")
        .annotate(n=Count("id"))
    )
    by_category, by_status, per_prefix = Counter(), Counter(), {}
    for prefix, category, status, n in groups:
        by_category[category] += n
        by_status[status] += n
        figures = per_prefix.setdefault(prefix, {"people": 0, "party_members": 0})
        figures["people"] += n
        if status in PARTY_MEMBER_STATUSES:
            figures["party_members"] += n
    return {
        "by_category": {label: by_category.get(code, 0) for code, label in PersonCategory.choices},
        "by_status": {label: by_status.get(code, 0) for code, label in PoliticalStatus.choices},
        "per_child": [
            {
                "unit_id": child.pk,
                "unit_name": child.name,
                "people": per_prefix.get(child.path, {}).get("people", 0),
                "party_members": per_prefix.get(child.path, {}).get("party_members", 0),
            }
            for child in children
        ],
    }


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def user_full_name(user) -> str:
    """A person's name as Chinese writes it: family name first, no space ("陈遵明"); names in
    Latin letters keep the Western order ("Ada Lovelace")."""
    family, given = (user.last_name or "").strip(), (user.first_name or "").strip()
    if _is_cjk(family + given):
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part)


def account_label(user) -> str:
    """How a login account is offered in the people forms: "陈遵明（demo_zunyi）"."""
    name = user_full_name(user)
    return f"{name}（{user.username}）" if name else user.username


def id_number_condition(user, term: str):
    """Exact match on the ID number, only on people whose number ``user`` may see (a masked
    number is no search key: the search would tell whose number it is)."""
    allowed = permitted_condition(Person, user, "people.view_personal_data")
    if allowed is False:
        return Q(pk__in=[])
    exact = Q(id_number=term.upper())
    return exact if allowed is True else exact & allowed


def person_search_condition(user, term: str):
    """A search term matches a name (contains) or, where the user may see it, the ID number."""
    return Q(name__icontains=term) | id_number_condition(user, term)
