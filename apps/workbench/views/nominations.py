"""Draft a nomination in one flow, and the approver's inbox: only the actions valid in each
nomination's state, as buttons; return and reject need a reason; bulk approval with true counts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.commendations import services
from apps.commendations.models import Nomination
from apps.commendations.selectors import (
    WORKFLOW_ACTIONS,
    nomination_available_actions,
    nominations_available_actions,
)
from apps.people.models import Person
from apps.units.models import Unit

from ..forms import DecisionForm, NominationForm
from .common import apply_errors, page, requires, sections, under

S = Nomination.Status
NEEDS_REASON = {"return", "reject"}
#: the steps a waiting nomination can meet in the inbox, and the services that take them;
#: which of them are offered for a nomination is ``nomination_available_actions``'s answer
#: (the same the API's ``available_actions`` and the admin's decide page give)
SERVICES = {
    "review": services.nomination_review,
    "approve": services.nomination_approve,
    "return": services.nomination_return,
    "reject": services.nomination_reject,
    "withdraw": services.nomination_withdraw,
}
MAX_FILES = 10


def _messages(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc) or "操作未完成。"])


def _drafting_choices(request, nomination=None):
    """Whom and for which unit the user drafts: people and units under their drafting units
    (and, when continuing a draft, the draft's own unit)."""
    user = request.user
    drafting = sections(request).drafting
    people = (
        Person.objects.visible_to(user, "view")
        .filter(under(drafting), is_active=True)
        .select_related("unit")
        .order_by("unit__path", "name")
    )
    own = Q(pk__in=[u.pk for u in drafting])
    if nomination is not None:
        own |= Q(pk=nomination.unit_id)
    units = Unit.objects.visible_to(user, "view").filter(own).order_by("path")
    subject_units = (
        Unit.objects.visible_to(user, "view")
        .filter(under(drafting, "path"), dissolved_on__isnull=True)
        .order_by("path")
    )
    return people, units, subject_units


def _add_evidence_and_submit(nomination, files, *, submit: bool, actor) -> None:
    for file in files:
        services.attachment_add(nomination=nomination, file=file, actor=actor)
    if submit:
        services.nomination_submit(nomination=nomination, actor=actor)


def _draft_written(request, form, write, *, submitted: bool) -> bool:
    """Run a draft's writes all or nothing; a service's refusal lands on the form (and
    nothing is written), success leaves a message. True when written."""
    try:
        with transaction.atomic():
            write()
    except ValidationError as exc:
        _evidence_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, _messages(exc))
    else:
        messages.success(request, "推荐已提交，等待审核。" if submitted else "推荐草稿已保存。")
        return True
    return False


def _evidence_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and "file" in exc.error_dict:
        form.add_error(None, "证明材料：" + "；".join(exc.message_dict["file"]))
    else:
        apply_errors(form, exc)


def _files(request, form, already: int = 0) -> list:
    files = request.FILES.getlist("evidence")
    if len(files) > MAX_FILES:
        form.add_error(None, f"一次最多上传 {MAX_FILES} 个证明材料。")
    elif already + len(files) > services.MAX_ATTACHMENTS:
        form.add_error(None, f"每件推荐最多 {services.MAX_ATTACHMENTS} 个证明材料，请先删除不需要的。")
    return files


@requires("drafting")
def nomination_new(request):
    user = request.user
    people, units, subject_units = _drafting_choices(request)
    data = request.POST if request.method == "POST" else None
    q = request.GET.get("q", "")
    initial, chosen = {}, None
    if request.GET.get("person", "").isdigit():
        chosen = people.filter(pk=request.GET["person"]).first()
        if chosen is None:
            raise Http404  # another unit's person looks like a missing one
        initial["subject_person"] = chosen.pk
    if data is not None and str(data.get("subject_person", "")).isdigit():
        chosen = people.filter(pk=data["subject_person"]).first()
    form = NominationForm(
        data, request.FILES or None, people=people, units=units, subject_units=subject_units, initial=initial
    )
    files = _files(request, form) if data is not None else []
    if data is not None and form.is_valid():
        d = form.cleaned_data
        submit = "submit" in data

        def write():  # the draft, its evidence, the submission
            nomination = services.nomination_create(
                actor=user,
                unit=d["unit"],
                award_kind=d["award_kind"],
                year=d["year"],
                deeds=d["deeds"],
                subject_person=d["subject_person"],
                subject_unit=None if d["subject_person"] else d["subject_unit"],
            )
            _add_evidence_and_submit(nomination, files, submit=submit, actor=user)

        if _draft_written(request, form, write, submitted=submit):
            return redirect("workbench:home")
    matches = list(people.filter(name__icontains=q.strip())[:20]) if q else []
    return page(
        request,
        "workbench/nomination_new.html",
        {
            "form": form,
            "q": q,
            "matches": matches,
            "chosen": chosen,
            "search_url": reverse("workbench:nomination-new"),
            "offer_submit": True,
        },
        status=400 if data is not None else 200,
    )


def _draft_of(request, pk) -> Nomination:
    """A draft (or returned) nomination the user may continue: seen by them and editable by
    the commendations rule (the drafter or the drafting unit's editors); else 404."""
    nomination = (
        Nomination.objects.visible_to(request.user, "view")
        .filter(pk=pk, status=S.DRAFT)
        .select_related("unit", "award_kind", "subject_person__unit", "subject_unit", "subject_organisation")
        .first()
    )
    if nomination is None or not services.evidence_editable(nomination, request.user):
        raise Http404
    return nomination


@requires("drafting")
def nomination_edit(request, pk):
    """Continue a draft: change it, add or remove evidence on the same page, and submit, in one
    transaction through ``nomination_update``, ``attachment_add/_delete`` and ``nomination_submit``."""
    user = request.user
    nomination = _draft_of(request, pk)
    people, units, subject_units = _drafting_choices(request, nomination)
    attachments = list(nomination.attachments.order_by("uploaded_at", "pk"))
    returned = (
        nomination.decisions.filter(action="return").select_related("actor").order_by("-at", "-pk").first()
    )
    data = request.POST if request.method == "POST" else None
    q = request.GET.get("q", "")
    form = NominationForm(
        data,
        people=people,
        units=units,
        subject_units=subject_units,
        organisation=nomination.subject_organisation,
        initial={
            "subject_person": nomination.subject_person_id,
            "subject_unit": nomination.subject_unit_id,
            "award_kind": nomination.award_kind_id,
            "unit": nomination.unit_id,
            "year": nomination.year,
            "deeds": nomination.deeds,
        },
    )
    chosen = nomination.subject_person
    if data is not None and str(data.get("subject_person", "")).isdigit():
        chosen = people.filter(pk=data["subject_person"]).first()
    removed = [a for a in attachments if str(a.pk) in (data.getlist("remove") if data is not None else [])]
    files = _files(request, form, len(attachments) - len(removed)) if data is not None else []
    offered = nomination_available_actions(nomination=nomination, actor=user)
    if data is not None and form.is_valid():
        d = form.cleaned_data
        submit = "submit" in data and "submit" in offered
        person = d["subject_person"]
        subject_unit = None if person else d["subject_unit"]
        changed = Nomination(
            pk=nomination.pk,
            unit=d["unit"],
            award_kind=d["award_kind"],
            year=d["year"],
            deeds=d["deeds"],
            subject_person=person,
            subject_unit=subject_unit,
            subject_organisation=None if person or subject_unit else nomination.subject_organisation,
            priority=nomination.priority,
            source_note=nomination.source_note,
        )

        def write():  # the changes, the evidence, the submission
            services.nomination_update(instance=changed, actor=user)
            for attachment in removed:
                services.attachment_delete(attachment=attachment, actor=user)
            _add_evidence_and_submit(nomination, files, submit=submit, actor=user)

        if _draft_written(request, form, write, submitted=submit):
            return redirect("workbench:home")
    matches = list(people.filter(name__icontains=q.strip())[:20]) if q else []
    return page(
        request,
        "workbench/nomination_new.html",
        {
            "form": form,
            "q": q,
            "matches": matches,
            "chosen": chosen,
            "nomination": nomination,
            "attachments": attachments,
            "removed": {a.pk for a in removed},
            "returned": returned,
            "search_url": reverse("workbench:nomination-edit", args=[nomination.pk]),
            "offer_submit": "submit" in offered,
        },
        status=400 if data is not None else 200,
    )


def _waiting(request, pk) -> Nomination:
    """A nomination waiting for this user's decision (else 404: not theirs to decide)."""
    nomination = services.inbox(request.user).filter(pk=pk).first()
    if nomination is None:
        raise Http404
    return nomination


STEP_LABELS = {
    "create": "起草",
    "award": "公示期满授予",
    **{code: label for code, (label, _guard) in WORKFLOW_ACTIONS.items()},
}


def offered_actions(nomination: Nomination, user) -> list[tuple[str, str]]:
    """The buttons for one nomination: exactly ``nomination_available_actions``, labelled as
    the workflow names them."""
    return _labelled(nomination_available_actions(nomination=nomination, actor=user))


def _labelled(codes: list[str]) -> list[tuple[str, str]]:
    return [(code, WORKFLOW_ACTIONS[code][0]) for code in codes]


def _bulk(actions: list[tuple[str, str]]) -> bool:
    """The row may be ticked for bulk approval: approving (or passing review) is offered."""
    return any(code in ("approve", "review") for code, _label in actions)


def inbox_rows(nominations: list[Nomination], user) -> list[dict]:
    """The list's rows, each with its buttons: ``nominations_available_actions`` asked once
    for the page (a fixed number of queries whatever the number of rows)."""
    offered = nominations_available_actions(nominations=nominations, actor=user)
    rows = []
    for n in nominations:
        actions = _labelled(offered[n.pk])
        rows.append({"n": n, "actions": actions, "bulk": _bulk(actions)})
    return rows


@requires("deciding")
def inbox_page(request):
    waiting = list(services.inbox(request.user)[:200])
    return page(
        request,
        "workbench/inbox.html",
        {
            "rows": inbox_rows(waiting, request.user),
            "may_delegate": services.approves_anywhere(request.user),
        },
    )


def _decision_context(request, nomination, **extra) -> dict:
    actions = offered_actions(nomination, request.user)
    return {
        "row": {"n": nomination, "actions": actions, "open": True, "bulk": _bulk(actions)},
        "attachments": list(nomination.attachments.order_by("uploaded_at", "pk")),
        "trail": [
            {"d": d, "label": STEP_LABELS.get(d.action, d.action)}
            for d in nomination.decisions.select_related("actor", "level").order_by("at", "pk")
        ],
        **extra,
    }


@requires("deciding")
def decision_page(request, pk):
    """One waiting nomination opened for a decision: its deeds, evidence and trail, and the
    buttons of the steps valid now (the same the list's row shows, asked of the guards
    themselves for the one opened)."""
    nomination = _waiting(request, pk)
    return page(
        request,
        "workbench/inbox_decision.html",
        _decision_context(request, nomination),
        fragment="workbench/_inbox_row.html",
    )


@require_POST
@requires("deciding")
def decide(request, pk, action):
    nomination = _waiting(request, pk)
    valid = dict(offered_actions(nomination, request.user))
    if action not in valid or action not in SERVICES:
        raise Http404  # not a step this user may take on it now
    form = DecisionForm(request.POST)
    form.is_valid()
    comment = (form.cleaned_data.get("comment") or "").strip()
    error = None
    if action in NEEDS_REASON and not comment:
        error = f"请填写{valid[action]}的理由，再点“{valid[action]}”。"
    else:
        try:
            SERVICES[action](nomination=nomination, actor=request.user, comment=comment)
        except (ValidationError, PermissionDenied) as exc:
            error = _messages(exc)
    if error:
        if request.htmx:
            current = services.inbox(request.user).filter(pk=pk).first()  # as it stands now
            if current is None:
                gone = f"{_subject(nomination)}的推荐已不在您的待办中（可能已被他人处理）：{error}"
                return page(
                    request, "workbench/inbox.html", {"done": gone}, fragment="workbench/_inbox_done.html"
                )
            nomination = current
            return page(
                request,
                "workbench/inbox_decision.html",
                _decision_context(request, nomination, error=error, comment=comment),
                fragment="workbench/_inbox_row.html",
                status=200,  # htmx swaps only 2xx answers: the row comes back with the message
            )
        messages.error(request, f"{nomination.award_kind.name}推荐未处理：{error}")
        return redirect("workbench:decision", pk=nomination.pk)
    done = f"已{valid[action]}：{_subject(nomination)}（{nomination.award_kind.name}）。"
    if request.htmx:
        return page(request, "workbench/inbox.html", {"done": done}, fragment="workbench/_inbox_done.html")
    messages.success(request, done)
    return redirect("workbench:inbox")


def _subject(n) -> str:
    subject = n.subject_person or n.subject_unit or n.subject_organisation
    return subject.name if subject else ""


@require_POST
@requires("deciding")
def bulk_approve(request):
    """Approve (or, at review, pass) the ticked nominations: counts of what really happened."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if not ids:
        messages.error(request, "请先勾选要批量通过的推荐。")
        return redirect("workbench:inbox")
    waiting = list(services.inbox(request.user).filter(pk__in=ids))
    done, failed = 0, []
    for n in waiting:
        fn = services.nomination_review if n.status == S.SUBMITTED else services.nomination_approve
        try:
            fn(nomination=n, actor=request.user, comment="同意（批量）")
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            failed.append(f"{_subject(n)}：{_messages(exc)}")
    skipped = len(set(ids)) - len(waiting)
    text = f"已通过 {done} 件"
    if failed:
        text += f"；{len(failed)} 件未通过（" + "；".join(failed) + "）"
    if skipped:
        text += f"；{skipped} 件已不在您的待办中（可能已被他人处理），未处理"
    (messages.success if not failed else messages.warning)(request, text + "。")
    return redirect("workbench:inbox")
