"""Workbench forms. Choices that depend on the user are given to each form *instance*
(``__init__`` arguments): nothing per-request is ever stored on a form class or field."""

import datetime

from django import forms
from django.utils import timezone

from apps.commendations.models import AwardKind
from apps.reports.models import ZeroReportItem
from apps.talks.models import TalkKind

from .templatetags.workbench import display_name

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "weui-input"}, format="%Y-%m-%d")
TEXTAREA = {"class": "weui-textarea", "rows": 3}


class UserChoiceField(forms.ModelChoiceField):
    """Users chosen by name (family name first), never by id or username."""

    def label_from_instance(self, obj):
        return display_name(obj)


class PersonChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "请从列表中按姓名选择人员（只能选择您所辖单位的人员）。"}

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.unit.name}）"


class ZeroReportItemForm(forms.Form):
    """One matter of a zero-report that has something to report ("有情况")."""

    kind = forms.ChoiceField(
        label="类别",
        choices=[("", "请选择类别")] + list(ZeroReportItem.Kind.choices),
        required=False,
        widget=forms.Select(attrs={"class": "weui-select"}),
    )
    description = forms.CharField(
        label="情况说明", max_length=2000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    people_affected = forms.IntegerField(
        label="涉及人数",
        min_value=0,
        max_value=100000,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "weui-input", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        kind, description = data.get("kind"), (data.get("description") or "").strip()
        if kind and not description:
            self.add_error("description", "请写明情况。")
        if description and not kind:
            self.add_error("kind", "请选择类别。")
        return data

    def item(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("kind"):
            return None
        return {
            "kind": d["kind"],
            "description": d["description"].strip(),
            "people_affected": d.get("people_affected") or 0,
        }


ZeroReportItemFormSet = forms.formset_factory(ZeroReportItemForm, extra=3, max_num=10, validate_max=True)


class ZeroReportNoteForm(forms.Form):
    note = forms.CharField(
        label="备注", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "weui-input"})
    )
    reason = forms.CharField(
        label="更正原因",
        max_length=200,
        required=False,  # asked for by the correction service when a report is already filed
        widget=forms.TextInput(attrs={"class": "weui-input", "placeholder": "更正已报送的报告时必填"}),
    )


class TalkForm(forms.Form):
    person = PersonChoiceField(
        label="谈话对象",
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择谈话对象。"},
    )
    kind = forms.ChoiceField(
        label="谈话类型", choices=TalkKind.choices, widget=forms.Select(attrs={"class": "weui-select"})
    )
    date = forms.DateField(
        label="谈话日期", widget=DATE_INPUT, error_messages={"invalid": "请填写正确的日期。"}
    )
    place = forms.CharField(
        label="地点", max_length=100, required=False, widget=forms.TextInput(attrs={"class": "weui-input"})
    )
    state_of_mind = forms.CharField(
        label="思想动态", required=False, max_length=4000, widget=forms.Textarea(attrs=TEXTAREA)
    )
    warning_signs = forms.CharField(
        label="苗头性倾向性问题", required=False, max_length=4000, widget=forms.Textarea(attrs=TEXTAREA)
    )
    difficulties = forms.CharField(
        label="家庭个人困难", required=False, max_length=4000, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["date"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not any((data.get(f) or "").strip() for f in ("state_of_mind", "warning_signs", "difficulties")):
            self.add_error("state_of_mind", "请至少填写一项谈话内容（思想动态、苗头性问题或家庭个人困难）。")
        return data


class FollowUpForm(forms.Form):
    """One follow-up of a talk: who owns it (by name), by when, and what is to be done."""

    description = forms.CharField(
        label="跟进事项（要做什么）",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 2}),
    )
    owner = UserChoiceField(
        label="责任人",
        queryset=None,
        required=False,
        empty_label="请选择责任人",
        widget=forms.Select(attrs={"class": "weui-select"}),
        error_messages={"invalid_choice": "责任人须是能办理该单位跟进事项的人员，请从列表中选择。"},
    )
    due_date = forms.DateField(
        label="期限", required=False, widget=DATE_INPUT, error_messages={"invalid": "请填写正确的日期。"}
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners

    def clean(self):
        data = super().clean()
        filled = [data.get("description"), data.get("owner"), data.get("due_date")]
        if any(filled) and not all(filled):
            for name in ("description", "owner", "due_date"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        {
                            "description": "请写明要做什么。",
                            "owner": "请选择责任人。",
                            "due_date": "请填写期限。",
                        }[name],
                    )
        return data

    def item(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("description"):
            return None
        return {"owner": d["owner"], "due_date": d["due_date"], "description": d["description"].strip()}


class NominationForm(forms.Form):
    """Draft a nomination in one flow: subject first, then the award, the year, deeds, evidence."""

    subject_person = PersonChoiceField(
        label="推荐对象（个人）", queryset=None, required=False, widget=forms.RadioSelect
    )
    subject_unit = forms.ModelChoiceField(
        label="或：集体推荐单位",
        queryset=None,
        required=False,
        empty_label="个人奖项不用选",
        widget=forms.Select(attrs={"class": "weui-select"}),
        error_messages={"invalid_choice": "请从列表中选择单位。"},
    )
    award_kind = forms.ModelChoiceField(
        label="奖项",
        queryset=AwardKind.objects.order_by("order"),
        empty_label="请选择奖项",
        widget=forms.Select(attrs={"class": "weui-select"}),
        error_messages={"required": "请选择奖项。", "invalid_choice": "请从列表中选择奖项。"},
    )
    unit = forms.ModelChoiceField(
        label="推荐单位",
        queryset=None,
        widget=forms.Select(attrs={"class": "weui-select"}),
        error_messages={"required": "请选择推荐单位。", "invalid_choice": "请从列表中选择推荐单位。"},
    )
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        widget=forms.NumberInput(attrs={"class": "weui-input", "inputmode": "numeric"}),
    )
    deeds = forms.CharField(
        label="先进事迹",
        max_length=20000,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 6}),
        error_messages={"required": "请填写先进事迹。"},
    )

    def __init__(self, *args, people, units, subject_units, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        #: a draft's party-organisation subject (chosen in the admin), kept unless replaced
        self.organisation = organisation
        self.fields["subject_person"].queryset = people
        self.fields["subject_unit"].queryset = subject_units
        self.fields["unit"].queryset = units
        self.fields["year"].initial = timezone.localdate().year
        units = list(units[:2])
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk

    def clean(self):
        data = super().clean()
        if not data.get("subject_person") and not data.get("subject_unit") and self.organisation is None:
            self.add_error("subject_person", "请先选择推荐对象（个人，或集体奖项的单位）。")
        year = data.get("year")
        if year and year > timezone.localdate().year + 1:
            self.add_error("year", "年度不能晚于明年。")
        return data


def week_monday(day: datetime.date) -> datetime.date:
    """The Monday of the week ``day`` lies in (weekly reports are filed per Monday)."""
    return day - datetime.timedelta(days=day.weekday())


class WeeklyReportForm(forms.Form):
    """This week's party-group report 党小组周报: the group (the user's own, chosen by name) and
    the week (this week's Monday) filled in; what the group did, its members' state of mind,
    difficulties and next week's plan."""

    group = forms.ModelChoiceField(
        label="党小组",
        queryset=None,
        empty_label="请选择党小组",
        widget=forms.Select(attrs={"class": "weui-select"}),
        error_messages={
            "required": "请选择党小组。",
            "invalid_choice": "请从列表中选择本单位的党小组。",
        },
    )
    week_start = forms.DateField(
        label="周（周一）",
        widget=DATE_INPUT,
        error_messages={"required": "请填写该周的周一日期。", "invalid": "请填写正确的日期。"},
    )
    work_done = forms.CharField(
        label="本周工作",
        max_length=4000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "请填写本周工作。"},
    )
    members_state_of_mind = forms.CharField(
        label="党员思想状况", max_length=4000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    difficulties = forms.CharField(
        label="困难问题", max_length=4000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    next_week_plan = forms.CharField(
        label="下周计划", max_length=4000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["week_start"].initial = week_monday(timezone.localdate())

    def clean_week_start(self):
        week = self.cleaned_data["week_start"]
        this_week = week_monday(timezone.localdate())
        if week > this_week:
            raise forms.ValidationError("不能填报以后几周的周报。")
        if week.weekday() != 0:
            raise forms.ValidationError(f"请填写该周的周一日期（本周为 {this_week:%Y-%m-%d}）。")
        return week


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label="意见/理由", max_length=2000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
