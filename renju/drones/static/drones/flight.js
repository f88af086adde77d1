// One flight: the track (placed photos joined in time order) and a marker per photo; clicking a marker ticks the
// photo's box in the grid (and the reverse), the filing form counts the selection, prefills the description from
// place and time, and takes the problem's point from the first placed photo, another photo or a click on the map.
(function () {
  "use strict";
  var photos = [];
  try { photos = JSON.parse(document.getElementById("flight-photos").textContent); } catch (e) { photos = []; }
  var settings = {};
  try { settings = JSON.parse(document.getElementById("map-settings").textContent); } catch (e) { settings = {}; }
  var byId = {};
  photos.forEach(function (p) { byId[p.id] = p; });
  var form = document.getElementById("file-form");
  var maxPhotos = form ? parseInt(form.dataset.maxPhotos, 10) || 9 : 9;
  var STYLES = {
    free: { radius: 7, color: "#fff", weight: 2, fillColor: "#0969da", fillOpacity: 1 },
    picked: { radius: 10, color: "#fff", weight: 3, fillColor: "#fb8500", fillOpacity: 1 },
    used: { radius: 6, color: "#fff", weight: 1, fillColor: "#8c959f", fillOpacity: 0.9 }
  };
  var map = null, markers = {}, pin = null;

  function gcj() { return settings.tileCrs === "gcj02" && window.RenjuMap; }
  function display(lat, lng) { return gcj() ? RenjuMap.wgsToGcj(lat, lng) : [lat, lng]; }
  function fromDisplay(lat, lng) {
    if (!gcj()) { return [lat, lng]; }
    var w = [lat, lng];  // invert WGS→GCJ by fixed-point iteration
    for (var i = 0; i < 4; i++) {
      var g = RenjuMap.wgsToGcj(w[0], w[1]);
      w = [w[0] - (g[0] - lat), w[1] - (g[1] - lng)];
    }
    return w;
  }
  function box(id) { return document.querySelector('input.pick[value="' + id + '"]'); }
  function picked() {
    return Array.prototype.slice.call(document.querySelectorAll("input.pick:checked")).map(function (cb) {
      return byId[cb.value] || { id: cb.value };
    });
  }
  function styleOf(p) {
    if (p.problem) { return "used"; }
    var cb = box(p.id);
    return cb && cb.checked ? "picked" : "free";
  }
  function $(id) { return document.getElementById(id); }

  // ---- the map
  function initMap() {
    var el = $("flight-map");
    if (!el || !window.L || !window.RenjuMap) { return; }
    map = RenjuMap.create(el, { zoom: 12 });
    // Photos above the town outlines (a canvas that would otherwise take their clicks), drawn as SVG so every
    // marker is an element of its own.
    map.createPane("drones").style.zIndex = 620;
    var renderer = L.svg({ pane: "drones" });
    var placed = photos.filter(function (p) { return p.lat !== null && p.lng !== null; });
    var line = placed.map(function (p) { return display(p.lat, p.lng); });
    var track = L.polyline(line, { color: "#3d5a80", weight: 3, opacity: 0.8, renderer: renderer, interactive: false,
                                   className: "drone-track" });
    track.addTo(map);
    placed.forEach(function (p) {
      var style = STYLES[styleOf(p)];
      var m = L.circleMarker(display(p.lat, p.lng), L.extend({ renderer: renderer, className: "drone-marker" }, style));
      m.bindTooltip(p.time + " " + p.name + (p.problem ? "（已上报 " + p.problem + "）" : ""));
      m.on("click", function () { toggle(p); });
      m.addTo(map);
      var node = m.getElement && m.getElement();
      if (node) { node.setAttribute("data-photo-id", p.id); }
      markers[p.id] = m;
    });
    function fit() {
      if (line.length) { map.fitBounds(L.latLngBounds(line), { padding: [30, 30], maxZoom: 17 }); }
    }
    fit();
    RenjuMap.regions(map, "/api/v1/map/regions?kind=town", function (layer) {
      layer.setStyle({ color: "#6e7781", weight: 1, fillColor: "#d0d7de", fillOpacity: 0.12 });
      layer.eachLayer(function (l) {
        l.unbindTooltip();
        if (l.feature && l.feature.properties) { l.bindTooltip(l.feature.properties.name, { sticky: true }); }
      });
      fit();
    }).catch(fit);
    map.on("click", function (ev) {
      if (pointMode() !== "map") { return; }
      var w = fromDisplay(ev.latlng.lat, ev.latlng.lng);
      setMapPoint(w[0], w[1]);
    });
    if (form && form.elements.lat.value && form.elements.lng.value) {
      setMapPoint(parseFloat(form.elements.lat.value), parseFloat(form.elements.lng.value));
    }
  }

  function toggle(p) {
    var cb = box(p.id);
    if (!cb) {  // already filed, or a reader without the form: show the photo in the grid
      focusShot(p.id);
      return;
    }
    cb.checked = !cb.checked;
    cb.dispatchEvent(new Event("change", { bubbles: true }));
    focusShot(p.id);
  }

  function focusShot(id) {
    var shot = $("shot-" + id);
    if (!shot) { return; }
    document.querySelectorAll(".shot.focus").forEach(function (s) { s.classList.remove("focus"); });
    shot.classList.add("focus");
    shot.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function restyle(id) {
    var m = markers[id], p = byId[id];
    if (m && p) {
      m.setStyle(STYLES[styleOf(p)]);
      if (styleOf(p) === "picked") { m.bringToFront(); }
    }
  }

  // ---- the filing form
  function pointMode() {
    var checked = form && form.querySelector("input[name=point]:checked");
    return checked ? checked.value : "first";
  }

  function setMapPoint(lat, lng) {
    form.elements.lat.value = lat.toFixed(6);
    form.elements.lng.value = lng.toFixed(6);
    $("point-text").textContent = "地图点选：" + lat.toFixed(6) + ", " + lng.toFixed(6);
    if (map) {
      var ll = display(lat, lng);
      if (pin) { pin.setLatLng(ll); } else {
        pin = L.circleMarker(ll, { radius: 9, color: "#fff", weight: 3, fillColor: "#cf222e", fillOpacity: 1,
                                   interactive: false }).addTo(map);
      }
    }
  }

  function describePoint() {
    var mode = pointMode(), text = $("point-text");
    $("f-point-photo").disabled = mode !== "photo";
    if (mode === "map") {
      if (!form.elements.lat.value) { text.textContent = "请在地图上点击问题所在位置"; }
      return;
    }
    if (mode === "photo") {
      var chosen = byId[$("f-point-photo").value];
      text.textContent = chosen ? "采用 " + chosen.name + " 的位置（" + chosen.place + "）" : "请选择用哪张照片的位置";
      return;
    }
    var first = picked().filter(function (p) { return p.lat !== null && p.lat !== undefined; })[0];
    if (first) { text.textContent = "采用 " + first.name + " 的位置（" + first.place + "）"; }
    else if (picked().length) { text.textContent = "所选照片都没有位置信息：请在地图上点选，或选用另一张照片的位置"; }
    else { text.textContent = ""; }
  }

  var description = null, edited = false;
  function prefill() {
    if (edited) { return; }
    var chosen = picked();
    if (!chosen.length) { description.value = ""; return; }
    var option = $("f-category").selectedOptions[0];
    var what = option ? option.textContent.replace(/（.*）$/, "") : "问题";
    var placedOne = chosen.filter(function (p) { return p.place; })[0];
    var where = placedOne ? placedOne.place : "";
    if (pointMode() === "photo" && byId[$("f-point-photo").value]) { where = byId[$("f-point-photo").value].place; }
    var times = chosen.map(function (p) { return p.time; }).filter(Boolean).sort();
    description.value = "无人机航拍发现" + what + "：" + (where ? where + "，" : "") + (times.length ? times[0] + " " : "") +
      "拍摄（架次 " + form.dataset.flightCode + "，照片 " + chosen.length + " 张）";
  }

  function onPick(ev) {
    var cb = ev.target;
    if (!cb.classList || !cb.classList.contains("pick")) { return; }
    var count = picked().length;
    if (cb.checked && count > maxPhotos) {
      cb.checked = false;
      $("picked-count").textContent = "最多 " + maxPhotos + " 张，已选 " + (count - 1) + " 张";
      return;
    }
    $("picked-count").textContent = "已选 " + count + " 张";
    restyle(cb.value);
    describePoint();
    prefill();
  }

  function initForm() {
    if (!form) { return; }
    description = $("f-description");
    edited = description.value.trim() !== "";
    description.addEventListener("input", function () { edited = description.value.trim() !== ""; });
    document.addEventListener("change", onPick);
    $("f-category").addEventListener("change", prefill);
    $("f-point-photo").addEventListener("change", function () { describePoint(); prefill(); });
    form.querySelectorAll("input[name=point]").forEach(function (r) {
      r.addEventListener("change", describePoint);
    });
    form.addEventListener("submit", function (ev) {
      if (!picked().length) {
        ev.preventDefault();
        $("picked-count").textContent = "请先选择照片（点击地图上的点位或勾选缩略图）";
      }
    });
    $("picked-count").textContent = "已选 " + picked().length + " 张";
    describePoint();
  }

  function start() { initForm(); initMap(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
