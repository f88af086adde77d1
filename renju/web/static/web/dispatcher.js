// Dispatcher pages: select rows for bulk dispatch, one "more actions" panel open at a time, focus on the outcome of
// an action done in place, and the search result's points on the map.
(function () {
  "use strict";

  // ---- intake: selection for the bulk form (rows carry form="bulk-form", so the table needs no outer form)
  function rowBoxes() { return Array.prototype.slice.call(document.querySelectorAll('input[name="ids"][form="bulk-form"]')); }
  function updateCount() {
    var label = document.getElementById("bulk-count");
    var all = document.getElementById("select-all");
    if (!label) { return; }
    var boxes = rowBoxes();
    var checked = boxes.filter(function (b) { return b.checked; }).length;
    label.textContent = checked ? "已选 " + checked + " 件" : "勾选后批量派遣，每件单独办理，失败的不影响其他";
    if (all) { all.checked = boxes.length > 0 && checked === boxes.length; all.indeterminate = checked > 0 && checked < boxes.length; }
  }
  document.addEventListener("change", function (e) {
    if (e.target.id === "select-all") {
      rowBoxes().forEach(function (b) { b.checked = e.target.checked; });
    }
    if (e.target.id === "select-all" || (e.target.name === "ids" && e.target.getAttribute("form") === "bulk-form")) {
      updateCount();
    }
  });
  document.addEventListener("submit", function (e) {
    if (e.target.id === "bulk-form" && !rowBoxes().some(function (b) { return b.checked; })) {
      e.preventDefault();
      e.stopImmediatePropagation();
      var label = document.getElementById("bulk-count");
      if (label) { label.textContent = "请先勾选要派遣的问题"; }
    }
  }, true);

  // ---- one "more actions" panel at a time; Escape or a click elsewhere closes it
  document.addEventListener("toggle", function (e) {
    var el = e.target;
    if (!el.matches || !el.matches("details.more") || !el.open) { return; }
    document.querySelectorAll("details.more[open]").forEach(function (d) { if (d !== el) { d.open = false; } });
  }, true);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var open = document.querySelector("details.more[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.more[open]").forEach(function (d) { if (!d.contains(e.target)) { d.open = false; } });
  });

  // ---- after a row is redrawn, keyboard and screen-reader users land on what happened
  document.body.addEventListener("htmx:afterSettle", function () {
    var fresh = document.querySelector(".outcome:not([data-seen]), .bulk-summary:not([data-seen])");
    document.querySelectorAll(".outcome, .bulk-summary").forEach(function (el) { el.setAttribute("data-seen", ""); });
    if (fresh) { fresh.setAttribute("tabindex", "-1"); fresh.focus({ preventScroll: true }); }
    updateCount();
  });

  // ---- search: the result's points on the map
  function searchMap() {
    var el = document.getElementById("search-map");
    var data = document.getElementById("search-points");
    if (!el || !data || !window.RenjuMap || !window.L) { return; }
    var rows = JSON.parse(data.textContent);
    var names = {};
    try { names = JSON.parse(document.getElementById("status-names").textContent); } catch (err) { names = {}; }
    var settings = {};
    try { settings = JSON.parse(document.getElementById("map-settings").textContent); } catch (err) { settings = {}; }
    function display(lat, lng) { return settings.tileCrs === "gcj02" ? RenjuMap.wgsToGcj(lat, lng) : [lat, lng]; }

    var map = RenjuMap.create(el);
    map.setMaxZoom(18);  // clustering needs a maximum zoom, which a map without tiles does not otherwise have
    map.options.zoomSnap = 0.25;  // so the result fills the map rather than the nearest whole zoom level
    var group = L.markerClusterGroup
      ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 40 })
      : L.featureGroup();
    var markers = rows.map(function (row) {
      var m = L.circleMarker(display(row[1], row[2]), {
        radius: row[4] ? 7 : 5, color: "#fff", weight: 1, fillColor: RenjuMap.colors[row[3]] || "#555", fillOpacity: 0.9
      });
      m.bindTooltip((names[row[3]] || row[3]) + (row[4] ? " · 重点" : ""));
      m.on("click", function () { window.location.href = "/problems/" + row[0] + "/"; });
      return m;
    });
    if (group.addLayers) { group.addLayers(markers); } else { markers.forEach(function (m) { group.addLayer(m); }); }
    group.addTo(map);
    function fit() {
      var bounds = group.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 }); }
    }
    // Town outlines give the points a place to stand where no map tiles are configured (the intranet default).
    RenjuMap.regions(map, "/api/v1/map/regions?kind=town", function (layer) {
      layer.setStyle({ color: "#6e7781", weight: 1, fillColor: "#d0d7de", fillOpacity: 0.12 });
      layer.bringToBack();
      fit();
    }).catch(fit);
    fit();

    var legend = document.getElementById("map-legend");
    if (legend) {
      var shown = {};
      rows.forEach(function (r) { shown[r[3]] = true; });
      Object.keys(names).forEach(function (code) {
        if (!shown[code]) { return; }
        var li = document.createElement("li");
        var dot = document.createElement("i");
        dot.style.background = RenjuMap.colors[code] || "#555";
        li.appendChild(dot);
        li.appendChild(document.createTextNode(names[code]));
        legend.appendChild(li);
      });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", searchMap); } else { searchMap(); }
})();
