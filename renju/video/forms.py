"""Forms of the camera pages. They only collect input; camera_create / camera_update check it."""

from __future__ import annotations

import datetime as dt

from django import forms

from renju.plans.active import active_plan
from renju.problems.errors import InvalidInput
from renju.video.models import Camera


class CameraForm(forms.Form):
    code = forms.CharField(label="设备编号", max_length=64, help_text="视频平台的设备编号，登记后不能修改")
    name = forms.CharField(label="名称", max_length=100)
    channel = forms.CharField(label="通道号", max_length=32, required=False)
    lat = forms.FloatField(label="纬度", min_value=-90, max_value=90)
    lng = forms.FloatField(label="经度", min_value=-180, max_value=180)
    address = forms.CharField(label="位置", max_length=300, required=False)
    road_class = forms.ChoiceField(label="道路等级", required=False)
    status = forms.ChoiceField(label="状态", choices=Camera.Status.choices)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["road_class"].choices = [("", "（不区分）"), *active_plan().plan.road_classes.items()]
        if editing:
            self.fields["code"].disabled = True

    def add_refusal(self, exc: InvalidInput) -> None:
        """Show the service's refusal beside the field it names (or above the form)."""
        for name, messages in exc.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class ImportForm(forms.Form):
    file = forms.FileField(label="设备清单（CSV 或 XLSX）")


class PeriodForm(forms.Form):
    """A report period: first and last day, inclusive."""

    date_from = forms.DateField(label="从", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="到", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        if not self.is_valid():
            return None, None
        return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
