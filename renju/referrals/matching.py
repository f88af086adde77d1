"""Turning an office's words into the plan's terms: its problem type into a category, its unit into a unit, and its
address into a place on the map. Each answer says how it was found, so the import report can show it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from shapely.geometry import shape

from renju.plans.active import PlanContext
from renju.plans.geo import RegionIndex
from renju.plans.models import Category, Region, Unit


class NoMatch(Exception):
    """The text could not be matched; the message says why, in words for the importer."""


def squeeze(text: str) -> str:
    """Compare as people read: full/half width alike, no spaces, latin letters in lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


# ---------------------------------------------------------------- category


@dataclass(frozen=True)
class CategoryMatch:
    category: Category
    how: str  # "code" | "name" | "keyword" | "description"
    matched: str  # the code, name or keyword that decided it

    def label(self) -> str:
        return {"code": "按编码", "name": "按名称", "keyword": f"按关键词「{self.matched}」",
                "description": f"按描述中的关键词「{self.matched}」"}[self.how]


def match_category(ctx: PlanContext, type_text: str, description: str) -> CategoryMatch:
    """By the plan's code or the national code, by the exact name, else by the best keyword match of the type text
    (the description breaking a tie); with no type, or one that matches nothing, the description's keywords decide.
    A tie nothing breaks is refused, not guessed."""
    categories = sorted(ctx.categories.values(), key=lambda c: c.position)
    text, about = squeeze(type_text), squeeze(description)
    if text:
        for c in categories:
            if text == c.code.lower():
                return CategoryMatch(c, "code", c.code)
        for c in categories:
            if text == squeeze(c.name):
                return CategoryMatch(c, "name", c.name)
        # A national code may stand for several local categories (09006 占道经营 in town, in scenic areas…).
        national = [(c, c.national_code) for c in categories if c.national_code and text == c.national_code.lower()]
        top = national or _best_by_keywords(categories, text, typed=True)
        if len(national) == 1:
            return CategoryMatch(national[0][0], "code", national[0][1])
        if len(top) == 1:
            return CategoryMatch(top[0][0], "keyword", top[0][1])
        if len(top) > 1:
            narrowed = _best_by_keywords([c for c, _w in top], about, typed=False)
            if len(narrowed) == 1:
                return CategoryMatch(narrowed[0][0], "description", narrowed[0][1])
            names = "、".join(c.name for c, _w in top[:5])
            raise NoMatch(f"「{type_text}」可能是 {names}，无法确定，请填写问题类型的名称或编码")
    top = _best_by_keywords(categories, about, typed=False)
    if len(top) == 1:
        return CategoryMatch(top[0][0], "description", top[0][1])
    if len(top) > 1:
        names = "、".join(c.name for c, _w in top[:5])
        typed = f"「{type_text}」对应不到问题类型，" if text else "未填写，"
        raise NoMatch(f"{typed}按描述可能是 {names}，无法确定")
    if text:
        raise NoMatch(f"「{type_text}」对应不到方案中的问题类型，描述中也没有可识别的关键词")
    raise NoMatch("未填写，描述中也没有可识别的关键词")


def _best_by_keywords(categories: list[Category], text: str, *, typed: bool) -> list[tuple[Category, str]]:
    """The categories whose longest keyword (or name) found in `text` is the longest of all, with that word.

    `typed`: the text is a type someone wrote, so it may also be a short form inside a keyword
    ("垃圾满" for 垃圾满溢)."""
    if not text:
        return []
    scored: list[tuple[int, Category, str]] = []
    for c in categories:
        best, word = 0, ""
        for kw in [c.name, *(c.keywords or [])]:
            k = squeeze(kw)
            if len(k) >= 2 and k in text and len(k) > best:
                best, word = len(k), kw
            elif typed and len(text) >= 2 and text in k and len(text) > best:
                best, word = len(text), text
        if best:
            scored.append((best, c, word))
    if not scored:
        return []
    longest = max(s[0] for s in scored)
    return [(c, word) for score, c, word in scored if score == longest]


# ---------------------------------------------------------------- unit


def match_unit(ctx: PlanContext, text: str) -> Unit:
    """A unit by its code, its name or its full name; else the unit whose name the text contains (the longest)."""
    wanted = squeeze(text)
    units = list(ctx.units.values())
    for u in units:
        if wanted in (u.code.lower(), squeeze(u.name), squeeze(u.full_name)):
            return u
    inside = [u for u in units if len(squeeze(u.name)) >= 2 and squeeze(u.name) in wanted]
    if inside:
        inside.sort(key=lambda u: -len(u.name))
        if len(inside) == 1 or len(inside[0].name) > len(inside[1].name):
            return inside[0]
    raise NoMatch(f"「{text}」不是本方案的责任单位")


def match_severity(ctx: PlanContext, text: str) -> str:
    wanted = squeeze(text)
    for s in ctx.plan.severities:
        if wanted in (s["code"].lower(), squeeze(s["name"])):
            return s["code"]
    names = "、".join(s["name"] for s in ctx.plan.severities)
    raise NoMatch(f"「{text}」不是严重程度（可填：{names}）")


# ---------------------------------------------------------------- place from an address

# Suffixes that people drop when they name a place ("崖头" for 崖头街道); a short form is used only when no full
# name is in the address, because short forms also hide in road names (成山大道 is not 成山镇).
SUFFIXES = ("管理区", "度假区", "开发区", "街道", "社区", "镇", "村", "乡")


@dataclass(frozen=True)
class PlaceMatch:
    region_id: int
    name: str
    lat: float
    lng: float
    matched: str


class PlaceFinder:
    """Region names found in address text, the most specific consistent one winning; its representative point
    (always inside it, unlike a centroid) stands for the problem's position."""

    def __init__(self, index: RegionIndex) -> None:
        self.index = index
        self.forms: list[tuple[str, int, bool]] = []  # (text, region id, is the full name)
        for node in index.nodes.values():
            if node.kind == "city":
                continue  # every address in the city names the city: it places nothing
            full = squeeze(node.name)
            self.forms.append((full, node.id, True))
            for suffix in SUFFIXES:
                if full.endswith(suffix) and len(full) - len(suffix) >= 2:
                    self.forms.append((full[: -len(suffix)], node.id, False))
                    break
        self._points: dict[int, tuple[float, float]] = {}

    def locate(self, address: str) -> PlaceMatch:
        text = squeeze(address)
        if not text:
            raise NoMatch("无法定位：没有地址，也没有经纬度")
        hits = []
        for form, region_id, full in self.forms:
            start = text.find(form)
            while start >= 0:
                hits.append((start, start + len(form), region_id, full))
                start = text.find(form, start + 1)
        if any(h[3] for h in hits):
            hits = [h for h in hits if h[3]]
        # A name inside a longer name found at the same place is not a place of its own (后张家 in 后张家疃村).
        hits = [h for h in hits if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0]
                                           for o in hits)]
        ids = {h[2] for h in hits}
        if not ids:
            raise NoMatch(f"无法定位：地址「{address}」中没有可识别的镇街、村居或社区名称")
        chains = {rid: {n.id for n in self.index.ancestors(rid)} for rid in ids}
        best = max(ids, key=lambda rid: (len(chains[rid]), rid))
        strays = [rid for rid in ids if rid not in chains[best]]
        if strays:
            names = "、".join(sorted({self.index.nodes[r].name for r in strays} | {self.index.nodes[best].name}))
            raise NoMatch(f"无法定位：地址中的 {names} 不属于同一区域，请核对地址或填写经纬度")
        lat, lng = self._point(best)
        matched = "".join(self.index.nodes[r].name for r in sorted(ids, key=lambda r: len(chains[r])))
        return PlaceMatch(best, self.index.nodes[best].name, lat, lng, matched)

    def _point(self, region_id: int) -> tuple[float, float]:
        if region_id not in self._points:
            boundary = Region.objects.values_list("boundary", flat=True).get(pk=region_id)
            p = shape(boundary).representative_point()
            self._points[region_id] = (round(p.y, 6), round(p.x, 6))
        return self._points[region_id]
