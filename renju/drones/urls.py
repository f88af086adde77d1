"""Pages of the drones channel (included at the site root under the `web` namespace)."""

from __future__ import annotations

from django.urls import path

from renju.drones import views

urlpatterns: list = [
    path("drones/flights/", views.flights, name="drone_flights"),
    path("drones/flights/upload/", views.flight_create, name="drone_flight_create"),
    path("drones/flights/<int:flight_id>/", views.flight, name="drone_flight"),
    path("drones/flights/<int:flight_id>/upload/", views.flight_add, name="drone_flight_add"),
    path("drones/flights/<int:flight_id>/problems/", views.flight_file, name="drone_flight_file"),
]
