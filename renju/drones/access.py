"""Object access for flights and their photos: the role decides (the drone team's flights are the team's), and a
flight or photo that does not exist is a 404."""

from __future__ import annotations

from django.http import Http404

from renju.accounts.models import User
from renju.drones.models import DroneFlight, DronePhoto
from renju.drones.present import flights_counted
from renju.drones.rules import can_read, can_write
from renju.problems.errors import ActionForbidden

READ_REFUSED = "无人机航拍只对无人机飞行队（现场检查人员、派遣员）、领导和考核人员开放"
WRITE_REFUSED = "只有无人机飞行队（现场检查人员、派遣员）可以上传航拍或上报问题"


def require_reader(user: User) -> None:
    if not can_read(user):
        raise ActionForbidden(READ_REFUSED)


def require_writer(user: User) -> None:
    if not can_write(user):
        raise ActionForbidden(WRITE_REFUSED)


def flight_for(user: User, flight_id: int, *, write: bool = False) -> DroneFlight:
    if write:
        require_writer(user)
    else:
        require_reader(user)
    flight = flights_counted().filter(pk=flight_id).first()
    if flight is None:
        raise Http404("no such flight")
    return flight


def photo_for(user: User, photo_id: int) -> DronePhoto:
    require_reader(user)
    photo = DronePhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("no such photo")
    return photo
