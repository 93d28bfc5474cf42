"""Record a talk on one screen (person by name, follow-ups with an owner chosen by name),
read a talk, close a follow-up."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.access.models import UnitPermission
from apps.people.models import Person
from apps.talks.content import read_content, with_content_readable
from apps.talks.models import FollowUp, TalkContentAccess, TalkRecord
from apps.talks.services import followup_complete, talk_record

from ..forms import FollowUpForm, TalkForm
from .common import apply_errors, page, requires, sections, signed_in, under

MAX_FOLLOWUPS = 5
SEARCH_SHOWN = 20
#: channel of the content-read log for reads on the workbench; the talks area is asked to add
#: it to ``TalkContentAccess.Channel`` (until then the raw value is stored, still a log row)
CONTENT_CHANNEL = getattr(TalkContentAccess.Channel, "WORKBENCH", "workbench")


def talk_people(request):
    """Active people the user may record talks with: visible, under a unit they record talks at."""
    return (
        Person.objects.visible_to(request.user, "view")
        .filter(under(sections(request).talks), is_active=True)
        .select_related("unit")
        .order_by("unit__path", "name")
    )


def followup_owners(person):
    """Who may own a follow-up of a talk with ``person``: active users holding the follow-up
    change permission on the person's unit or one of its ancestors (they can see and close it)."""
    User = get_user_model()
    if person is None:
        return User.objects.none()
    path = person.unit.path
    prefixes = [path[:end] for end in range(4, len(path) + 1, 4)]
    holders = UnitPermission.objects.filter(
        permission__content_type__app_label="talks",
        permission__codename="change_followup",
        content_object__path__in=prefixes,
    ).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("last_name", "first_name", "pk")


def _chosen_person(request, data):
    raw = data.get("person")
    if not raw or not str(raw).isdigit():
        return None
    return talk_people(request).filter(pk=raw).first()


def _followup_forms(data, owners, count):
    return [FollowUpForm(data, owners=owners, prefix=f"fu{i}") for i in range(count)]


@requires("talks")
def talk_new(request):
    data = request.POST if request.method == "POST" else None
    person = _chosen_person(request, request.POST if data is not None else request.GET)
    if request.method == "GET" and request.GET.get("person") and person is None:
        raise Http404  # another unit's person, or none: the same answer
    owners = followup_owners(person)
    count = 1
    if data is not None:
        raw_count = data.get("followups", "1")
        count = min(int(raw_count), MAX_FOLLOWUPS) if raw_count.isdigit() and int(raw_count) > 0 else 1
    form = TalkForm(data, people=talk_people(request), initial={"person": person.pk if person else None})
    followups = _followup_forms(data, owners, count)
    if data is not None and form.is_valid() and all(f.is_valid() for f in followups):
        d = form.cleaned_data
        items = [i for i in (f.item() for f in followups) if i]
        for item in items:
            if item["due_date"] < d["date"]:
                followups[items.index(item)].add_error("due_date", "跟进期限不能早于谈话日期。")
        if not any(f.errors for f in followups):
            try:
                with transaction.atomic():
                    record = talk_record(
                        person=d["person"],
                        talker=request.user,
                        actor=request.user,
                        date=d["date"],
                        kind=d["kind"],
                        place=d["place"],
                        followups=items,
                        state_of_mind=d["state_of_mind"],
                        warning_signs=d["warning_signs"],
                        difficulties=d["difficulties"],
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "您无权为该人员登记谈话。")
            else:
                messages.success(
                    request,
                    f"已登记与{record.person.name}的谈话"
                    + (f"，跟进事项 {len(items)} 项。" if items else "。"),
                )
                return redirect("workbench:home")
    search = request.GET.get("q", "")
    context = {
        "form": form,
        "person": person,
        "followups": followups,
        "next_index": len(followups),
        "max_followups": MAX_FOLLOWUPS,
        "today": timezone.localdate(),
        "matches": _search(request, search) if not person else [],
        "q": search,
    }
    return page(request, "workbench/talk_new.html", context, status=400 if data is not None else 200)


def _search(request, q):
    people = talk_people(request)
    if q:
        people = people.filter(name__icontains=q.strip())
    return list(people[:SEARCH_SHOWN])


@requires("talks")
def people_search(request):
    """htmx: people matching a name, as radio buttons of the talk form."""
    q = request.GET.get("q", "")
    return page(request, "workbench/_people_matches.html", {"matches": _search(request, q), "q": q})


@requires("talks")
def followup_owners_fragment(request):
    """htmx: the owner choices for the person just chosen (all follow-up rows)."""
    person = _chosen_person(request, request.GET)
    if request.GET.get("person") and person is None:
        raise Http404
    raw = request.GET.get("followups", "1")
    count = min(int(raw), MAX_FOLLOWUPS) if raw.isdigit() and int(raw) > 0 else 1
    followups = _followup_forms(None, followup_owners(person), count)
    return page(
        request,
        "workbench/_followups.html",
        {"followups": followups, "person": person, "next_index": count, "max_followups": MAX_FOLLOWUPS},
    )


@requires("talks")
def followup_row(request):
    """htmx: one more follow-up row (and the button for the next)."""
    person = _chosen_person(request, request.GET)
    raw = request.GET.get("i", "1")
    index = int(raw) if raw.isdigit() else 1
    if index >= MAX_FOLLOWUPS:
        raise Http404
    form = FollowUpForm(owners=followup_owners(person), prefix=f"fu{index}")
    return page(
        request,
        "workbench/_followup_row.html",
        {
            "fu": form,
            "index": index,
            "next_index": index + 1,
            "max_followups": MAX_FOLLOWUPS,
            "person": person,
        },
    )


@signed_in
def talk_detail(request, pk):
    """A talk and its follow-ups; the content only for its readers (the read is logged)."""
    record = get_object_or_404(
        with_content_readable(
            TalkRecord.objects.visible_to(request.user, "view"), request.user
        ).select_related("person", "talker", "unit"),
        pk=pk,
    )
    content = read_content(request.user, record, CONTENT_CHANNEL)
    followups = list(record.followups.select_related("owner").order_by("due_date", "pk"))
    for f in followups:
        f.may_close = f.status == FollowUp.Status.OPEN and request.user.pk in (f.owner_id, record.talker_id)
        f.text = f.decrypted_text() if content is not None or f.owner_id == request.user.pk else None
    return page(
        request, "workbench/talk_detail.html", {"record": record, "content": content, "followups": followups}
    )


@require_POST
@signed_in
def followup_done(request, pk):
    followup = get_object_or_404(FollowUp.objects.visible_to(request.user, "view"), pk=pk)
    outcome = request.POST.get("outcome", "").strip()[:2000]
    try:
        followup_complete(followup=followup, actor=request.user, outcome=outcome)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "跟进事项已办结。")
    return redirect("workbench:talk", pk=followup.record_id)
