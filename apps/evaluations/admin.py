"""Admin: schemes (reference data, corps level and above), evaluations with a score page,
publish/correct actions and a ranking export, 年度先进党小组 proposals.

Changelist query parameters the dashboard may use on ``admin:evaluations_evaluation_changelist``:
``unit_subtree=<unit id>``, ``scheme__id__exact=<id>``, ``year=<year>``,
``status__exact=published``, ``grade=<label>``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import ReferenceDataAdmin, ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.core.exports import xlsx_response
from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.models import Unit

from . import selectors, services
from .api.views import RANKING_HEADERS, ranking_rows
from .models import (
    Criterion,
    Evaluation,
    GradeBand,
    GroupHonour,
    HonourStatus,
    Scheme,
    SchemeEvaluator,
    Score,
)


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["order", "name", "parent", "weight", "max_score", "required", "description"]
    extra = 0


class GradeBandInline(admin.TabularInline):
    model = GradeBand
    fields = ["label", "min_total"]
    extra = 0


class SchemeEvaluatorInline(admin.TabularInline):
    model = SchemeEvaluator
    fields = ["role", "weight"]
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(ReferenceDataAdmin, SimpleHistoryAdmin):
    """考核方案: shared by every corps, managed from the top of the tree (``scheme.manage``,
    the services' ``scheme_may_manage``); writes through the same services as
    ``/api/evaluations/schemes/``, a refusal re-shows the form (or the list) with the
    service's message, nothing written; a selection is deleted as a whole or not at all."""

    authority = "scheme.manage"
    delete_selection_as_one = True
    list_display = ["name", "code", "subject_kind", "period_kind", "aggregation", "is_active"]
    list_filter = ["subject_kind", "period_kind", "is_active"]
    search_fields = ["name", "code"]
    inlines = [CriterionInline, GradeBandInline, SchemeEvaluatorInline]

    # The scheme services by name (the ones ``writes_for(Scheme)`` holds), as the API calls them.
    def save_model(self, request, obj, form, change):
        services.scheme_save(instance=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.scheme_delete(instance=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        for part in formset.save(commit=False):
            services.scheme_part_save(instance=part, actor=request.user)
        for part in formset.deleted_objects:
            services.scheme_part_delete(instance=part, actor=request.user)


class SubtreeFilter(UnitSubtreeFilter):
    """The shared filter; an id outside the user's scope shows an empty list here (as before)."""

    out_of_scope_shows_nothing = True


class ScoreInline(ScopedTabularInline):
    model = Score
    fields = ["criterion", "evaluator", "evaluator_weight", "value", "comment", "updated_at"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "评分（请使用“评分”页面录入）"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion", "evaluator")


class ScoreForm(forms.Form):
    def __init__(self, *args, criteria, initial_scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            label = f"{c.parent.name}·{c.name}" if c.parent_id else c.name
            self.fields[f"c{c.pk}"] = forms.DecimalField(
                label=f"{label}（满分 {c.max_score}）",
                required=c.required,
                min_value=0,
                max_value=c.max_score,
                decimal_places=2,
                initial=initial_scores.get(c.pk),
                help_text=c.description,
            )

    def scores(self) -> dict:
        return {
            c.pk: self.cleaned_data[f"c{c.pk}"]
            for c in self.criteria
            if self.cleaned_data.get(f"c{c.pk}") is not None
        }


class RankingForm(forms.Form):
    scheme = forms.ModelChoiceField(label="考核方案", queryset=Scheme.objects.order_by("code"))
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    period_number = forms.IntegerField(label="期次", min_value=0, max_value=12, initial=0, required=False)
    period_label = forms.CharField(label="专项名称", max_length=60, required=False)
    unit = forms.ModelChoiceField(label="单位（含下级）", queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.visible_to(user, "view").filter(dissolved_on__isnull=True).order_by("path")
        )


RANKING_PAGE_LIMIT = 500


class OpenEvaluationForm(forms.Form):
    """Opens an evaluation through ``evaluation_create``; subjects are limited to the user's scope."""

    scheme = forms.ModelChoiceField(label="考核方案", queryset=Scheme.objects.filter(is_active=True))
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    period_number = forms.IntegerField(label="期次", min_value=0, max_value=12, initial=0, required=False)
    period_label = forms.CharField(label="专项名称", max_length=60, required=False)
    person = forms.ModelChoiceField(label="人员", queryset=Person.objects.none(), required=False)
    organisation = forms.ModelChoiceField(
        label="党组织/党小组", queryset=PartyOrganisation.objects.none(), required=False
    )
    subject_unit = forms.ModelChoiceField(label="被考核单位", queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.visible_to(user, "view").select_related("unit")
        self.fields["organisation"].queryset = PartyOrganisation.objects.visible_to(user, "view").open()
        self.fields["subject_unit"].queryset = Unit.objects.visible_to(user, "view").filter(
            dissolved_on__isnull=True
        )

    def clean(self):
        data = super().clean()
        chosen = [data.get(f) for f in ("person", "organisation", "subject_unit") if data.get(f)]
        if len(chosen) != 1:
            raise ValidationError("请选择一个考核对象（人员、党组织或单位之一）。")
        data["subject"] = chosen[0]
        return data


class CorrectForm(forms.Form):
    reason = forms.CharField(label="更正原因", widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Evaluation)
class EvaluationAdmin(ScopedModelAdmin):
    list_display = [
        "__str__",
        "scheme",
        "year",
        "unit",
        "total",
        "grade",
        "rank_in_parent",
        "rank_in_corps",
        "status",
        "version",
        "score_link",
    ]
    list_filter = [SubtreeFilter, "scheme", "year", "status", "grade", "subject_kind"]
    search_fields = ["person__name", "organisation__name", "subject_unit__name"]
    list_select_related = ["scheme", "unit", "person", "organisation", "subject_unit"]
    ordering = ["-year", "scheme", "rank_in_corps", "pk"]
    readonly_fields = [
        "scheme",
        "year",
        "period_number",
        "period_label",
        "subject_kind",
        "person",
        "organisation",
        "subject_unit",
        "unit",
        "status",
        "version",
        "supersedes",
        "correction_reason",
        "total",
        "grade",
        "rank_in_parent",
        "rank_in_corps",
        "computed_at",
        "published_at",
        "published_by",
        "created_by",
    ]
    inlines = [ScoreInline]
    actions = ["publish_selected", "export_ranking", "export_xlsx"]
    export_fields = [
        ("rank_in_corps", "总队内排名"),
        ("rank_in_parent", "上级单位内排名"),
        ("subject", "考核对象"),
        ("unit", "所在单位"),
        ("total", "总分"),
        ("grade", "等次"),
        ("status", "状态"),
    ]

    def add_view(self, request, form_url="", extra_context=None):
        """Opening an evaluation goes through the service (subject kind, period, scope)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OpenEvaluationForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                evaluation = services.evaluation_create(
                    scheme=data["scheme"],
                    subject=data["subject"],
                    year=data["year"],
                    period_number=data["period_number"] or 0,
                    period_label=data["period_label"] or "",
                    actor=request.user,
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
            else:
                self.message_user(request, "考核已建立，请评分。")
                return HttpResponseRedirect(
                    reverse("admin:evaluations_evaluation_score", args=[evaluation.pk])
                )
        return TemplateResponse(
            request,
            "admin/evaluations/evaluation/score.html",
            {
                **self.admin_site.each_context(request),
                "title": "新建考核",
                "form": form,
                "opts": self.model._meta,
                "original": None,
            },
        )

    @admin.display(description="评分")
    def score_link(self, obj):
        if obj.is_locked:
            return "—"
        return format_html(
            '<a href="{}">评分</a>', reverse("admin:evaluations_evaluation_score", args=[obj.pk])
        )

    def get_urls(self):
        return [
            path(
                "ranking/",
                self.admin_site.admin_view(self.ranking_view),
                name="evaluations_evaluation_ranking",
            ),
            path(
                "<int:pk>/score/",
                self.admin_site.admin_view(self.score_view),
                name="evaluations_evaluation_score",
            ),
            path(
                "<int:pk>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="evaluations_evaluation_correct",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, evaluation, form, title, template):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "opts": self.model._meta,
            "original": evaluation,
        }
        return TemplateResponse(request, template, context)

    def ranking_view(self, request):
        """排名页: one period of one scheme, best first, with the roll-up per child unit."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = RankingForm(request.GET or None, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": "考核排名",
            "form": form,
            "opts": self.model._meta,
            "rows": None,
            "limit": RANKING_PAGE_LIMIT,
        }
        if form.is_valid():
            data = form.cleaned_data
            params = {
                "scheme": data["scheme"],
                "year": data["year"],
                "period_number": data["period_number"] or 0,
                "period_label": data["period_label"] or "",
            }
            qs = selectors.ranking(user=request.user, root=data["unit"], **params)
            if request.GET.get("format") == "xlsx":
                return xlsx_response(
                    filename=f"{data['year']}年{data['scheme'].name}排名.xlsx",
                    headers=RANKING_HEADERS,
                    rows=ranking_rows(qs),
                )
            rows = list(qs[: RANKING_PAGE_LIMIT + 1])
            root = data["unit"]
            context.update(
                rows=rows[:RANKING_PAGE_LIMIT],
                truncated=len(rows) > RANKING_PAGE_LIMIT,
                query=request.GET.urlencode().replace("&format=xlsx", ""),
                root=root,
                rollup=selectors.rollup_per_child(user=request.user, root=root, **params) if root else None,
            )
        return TemplateResponse(request, "admin/evaluations/evaluation/ranking.html", context)

    def score_view(self, request, pk):
        evaluation = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("evaluations.score_evaluation", evaluation):
            raise PermissionDenied
        criteria = list(
            Criterion.objects.filter(scheme=evaluation.scheme_id, children__isnull=True).select_related(
                "parent"
            )
        )
        mine = dict(
            Score.objects.filter(evaluation=evaluation, evaluator=request.user).values_list(
                "criterion_id", "value"
            )
        )
        form = ScoreForm(request.POST or None, criteria=criteria, initial_scores=mine)
        if request.method == "POST" and form.is_valid():
            try:
                services.scores_submit(evaluation=evaluation, evaluator=request.user, scores=form.scores())
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
            else:
                self.message_user(request, "评分已保存，总分和排名将自动重新计算。")
                return HttpResponseRedirect(reverse("admin:evaluations_evaluation_change", args=[pk]))
        return self._page(
            request, evaluation, form, f"评分：{evaluation}", "admin/evaluations/evaluation/score.html"
        )

    def correct_view(self, request, pk):
        evaluation = get_object_or_404(self.get_queryset(request), pk=pk)
        form = CorrectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                correction = services.evaluation_correct(
                    evaluation=evaluation, reason=form.cleaned_data["reason"], actor=request.user
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
            else:
                self.message_user(request, "已建立更正版本，请重新评分后发布。")
                return HttpResponseRedirect(
                    reverse("admin:evaluations_evaluation_change", args=[correction.pk])
                )
        return self._page(
            request, evaluation, form, f"更正：{evaluation}", "admin/evaluations/evaluation/score.html"
        )

    @admin.action(description="发布所选考核结果")
    def publish_selected(self, request, queryset):
        done, failed = 0, []
        for evaluation in queryset.filter(status="draft"):
            try:
                services.evaluation_publish(evaluation=evaluation, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                failed.append(f"{evaluation}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        self.message_user(request, f"已发布 {done} 项。")
        for message in failed[:20]:
            self.message_user(request, message, level=messages.WARNING)

    @admin.action(description="导出排名为 Excel")
    def export_ranking(self, request, queryset):
        qs = queryset.filter(Q(status="published") | Q(status="draft", supersedes__isnull=True)).order_by(
            "scheme", "year", "rank_in_corps", "rank_in_parent", "pk"
        )
        return xlsx_response(filename="考核排名.xlsx", headers=RANKING_HEADERS, rows=ranking_rows(qs))


@admin.register(GroupHonour)
class GroupHonourAdmin(ScopedModelAdmin):
    list_display = ["group", "branch", "unit", "year", "rank_in_branch", "total", "status", "decided_at"]
    list_filter = ["year", "status", SubtreeFilter]
    search_fields = ["group__name", "branch__name"]
    list_select_related = ["group", "branch", "unit", "evaluation"]
    readonly_fields = [
        "year",
        "group",
        "branch",
        "unit",
        "evaluation",
        "rank_in_branch",
        "status",
        "members",
        "decided_by",
        "decided_at",
    ]
    actions = ["accept_selected", "reject_selected", "export_xlsx"]

    def has_add_permission(self, request):
        return False  # proposed from the party-group rating (API: honours/propose)

    @admin.display(description="评比得分")
    def total(self, obj):
        return obj.evaluation.total

    def _decide(self, request, queryset, fn, label):
        done = 0
        for honour in queryset.filter(status=HonourStatus.PROPOSED):
            try:
                fn(honour=honour, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request,
                    f"{honour}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}",
                    level=messages.WARNING,
                )
        self.message_user(request, f"已{label} {done} 项。")

    @admin.action(description="确定为年度先进党小组")
    def accept_selected(self, request, queryset):
        self._decide(request, queryset, services.honour_accept, "确定")

    @admin.action(description="不予采纳")
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, services.honour_reject, "不予采纳")
