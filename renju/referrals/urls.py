"""Pages of the referrals channel and the units' self-checks (included at the site root under the `web` namespace)."""

from __future__ import annotations

from django.urls import path

from renju.referrals import selfcheck_views, views

urlpatterns: list = [
    path("referrals/", views.batches, name="referral_batches"),
    path("referrals/template/", views.template, name="referral_template"),
    path("referrals/<int:batch_id>/", views.batch, name="referral_batch"),
    path("unit/self-check/", selfcheck_views.self_check, name="self_check"),
]
