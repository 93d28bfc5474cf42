"""Today's zero-report: one tap to confirm, one tap to file; "有情况" opens the items. This
week's party-group report on one form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.reports.models import GroupWeeklyReport
from apps.reports.services import weekly_report_create, zero_report_correct, zero_report_file
from apps.units.models import Unit

from .. import selectors
from ..forms import WeeklyReportForm, ZeroReportItemFormSet, ZeroReportNoteForm, week_monday
from .common import apply_errors, page, requires, sections


def _station_unit(request, unit_id) -> Unit:
    try:
        return selectors.visible_unit(request.user, unit_id, sections(request).station)
    except Unit.DoesNotExist:
        raise Http404 from None


def _card(request, unit, **extra):
    return {"card": selectors.station_card(request.user, unit), **extra}


@requires("station")
def zero_confirm(request, unit_id):
    """Tap 1: show what will be filed (unit, date) with the confirm button."""
    unit = _station_unit(request, unit_id)
    status = selectors.zero_report_status(request.user, unit)
    return page(
        request,
        "workbench/zero_confirm_page.html",
        {"unit": unit, "zero": status},
        fragment="workbench/_zero_confirm.html",
    )


@require_POST
@requires("station")
def zero_file(request, unit_id):
    """Tap 2: file "nothing to report" for today. A second filing is refused with what to do."""
    unit = _station_unit(request, unit_id)
    status = selectors.zero_report_status(request.user, unit)
    error = None
    if status["report"] is not None:
        error = "already"
    elif not status["must_report"]:
        error = "exempt"
    else:
        try:
            zero_report_file(unit=unit, report_date=timezone.localdate(), actor=request.user)
        except ValidationError as exc:
            error = "；".join(exc.messages)
    context = _card(request, unit, zero_error=error)
    if not request.htmx:
        if error:
            messages.error(request, _error_text(error, context["card"]))
        else:
            messages.success(request, f"{unit.name}今日零报告已报送。")
        return redirect("workbench:home")
    return page(request, "workbench/home.html", context, fragment="workbench/_zero_card.html")


def _error_text(error, card) -> str:
    if error == "already":
        report = card["zero"]["report"]
        return f"今日已报送（{timezone.localtime(report.filed_at):%H:%M}），如需更正请点“更正报告”。"
    if error == "exempt":
        return "本单位无需报送每日零报告。"
    return error


@requires("station")
def zero_items(request, unit_id):
    """ "有情况": file today's report with its items (also the way to correct a filed report)."""
    unit = _station_unit(request, unit_id)
    status = selectors.zero_report_status(request.user, unit)
    if not status["must_report"]:
        raise Http404
    formset = ZeroReportItemFormSet(request.POST or None, prefix="item")
    note = ZeroReportNoteForm(
        request.POST or None, initial={"note": status["report"].note if status["report"] else ""}
    )
    if request.method == "POST" and formset.is_valid() and note.is_valid():
        items = [i for i in (f.item() for f in formset.forms) if i]
        if not items:
            formset._non_form_errors = formset.error_class(
                ["请至少填写一项情况；没有情况请返回点“今日无异常，一键报送”。"]
            )
        else:
            try:
                if status["report"] is not None:  # a filed report is corrected, never re-filed
                    zero_report_correct(
                        report=status["report"],
                        actor=request.user,
                        reason=note.cleaned_data["reason"],
                        items=items,
                        note=note.cleaned_data["note"],
                    )
                else:
                    zero_report_file(
                        unit=unit,
                        report_date=timezone.localdate(),
                        actor=request.user,
                        items=items,
                        note=note.cleaned_data["note"],
                    )
            except ValidationError as exc:
                apply_errors(note, exc)
            else:
                messages.success(request, f"{unit.name}今日报告已报送（{len(items)} 项情况）。")
                return redirect("workbench:home")
    return page(
        request,
        "workbench/zero_items.html",
        {"unit": unit, "zero": status, "formset": formset, "note_form": note},
        status=400 if request.method == "POST" else 200,
    )


@requires("station")
def weekly_new(request):
    """This week's party-group report 党小组周报: group and week filled in, filed through
    ``reports.services.weekly_report_create``; htmx swaps the form for "已报送 08:12"."""
    user = request.user
    groups = selectors.weekly_groups(user, sections(request).station)
    initial = {}
    raw = request.GET.get("group", "")
    if raw:
        group = groups.filter(pk=raw).first() if raw.isdigit() else None
        if group is None:
            raise Http404  # another unit's group looks like a missing one
        initial["group"] = group.pk
    else:
        only = list(groups[:2])
        if len(only) == 1:
            initial["group"] = only[0].pk
    data = request.POST if request.method == "POST" else None
    form = WeeklyReportForm(data, groups=groups, initial=initial)
    if data is not None and form.is_valid():
        d = form.cleaned_data
        report = GroupWeeklyReport(
            group=d["group"],
            week_start=d["week_start"],
            work_done=d["work_done"].strip(),
            members_state_of_mind=d["members_state_of_mind"].strip(),
            difficulties=d["difficulties"].strip(),
            next_week_plan=d["next_week_plan"].strip(),
        )
        try:
            report = weekly_report_create(instance=report, actor=user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            form.add_error("group", "您无权为该党小组填报周报，请联系本单位管理员。")
        else:
            done = f"{report.group.name}周报已报送（{timezone.localtime(report.filed_at):%H:%M}）。"
            if request.htmx:
                return page(
                    request,
                    "workbench/weekly_new.html",
                    {"report": report},
                    fragment="workbench/_weekly_done.html",
                )
            messages.success(request, done)
            return redirect("workbench:home")
    group_id = str(form["group"].value() or "")
    week = (getattr(form, "cleaned_data", None) or {}).get("week_start") or week_monday(timezone.localdate())
    filed = selectors.weekly_report_of(user, int(group_id), week) if group_id.isdigit() else None
    return page(
        request,
        "workbench/weekly_new.html",
        {"form": form, "filed": filed},
        fragment="workbench/_weekly_form.html",
        # htmx swaps only 2xx answers: the form comes back with its messages either way
        status=400 if data is not None and not request.htmx else 200,
    )
