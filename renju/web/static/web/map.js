// Shared map helpers for Renju pages. Works with no internet: without a configured tile URL the map is a plain
// background with region outlines and problem points. Coordinates are stored as WGS-84; when the configured tiles
// use GCJ-02 (高德/腾讯 style), points and outlines are shifted to GCJ-02 for display only.
(function () {
  "use strict";
  var STATUS_COLORS = {
    reported: "#0969da", accepted: "#0550ae", dispatched: "#d4a72c", returned: "#cf222e",
    rectified: "#8250df", rework: "#a40e26", closed: "#1a7f37", rejected: "#8c959f", merged: "#8c959f"
  };
  var settings = {};
  try { settings = JSON.parse(document.getElementById("map-settings").textContent); } catch (e) { settings = {}; }

  // WGS-84 -> GCJ-02, the published transform (outside China it is the identity).
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lng, lat) { return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
    return r;
  }
  function tLng(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
    return r;
  }
  function wgsToGcj(lat, lng) {
    if (outOfChina(lng, lat)) { return [lat, lng]; }
    var dLat = tLat(lng - 105, lat - 35), dLng = tLng(lng - 105, lat - 35);
    var radLat = lat / 180 * Math.PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sq = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    dLng = (dLng * 180) / (A / sq * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lng + dLng];
  }
  function display(lat, lng) { return settings.tileCrs === "gcj02" ? wgsToGcj(lat, lng) : [lat, lng]; }

  function create(el, options) {
    options = options || {};
    // maxZoom must be set even without tiles: marker clustering needs it to know when to stop clustering.
    var map = L.map(el, { preferCanvas: true, zoomControl: true, attributionControl: !!settings.tileUrl, maxZoom: 18 });
    if (settings.tileUrl) {
      L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    map.setView(display(options.lat || 37.16, options.lng || 122.42), options.zoom || 10);
    return map;
  }

  function point(map, lat, lng, status) {
    var ll = display(lat, lng);
    L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: STATUS_COLORS[status] || "#555", fillOpacity: 1 })
      .addTo(map);
    map.setView(ll, 15);
  }

  function shiftGeometry(geometry) {
    if (settings.tileCrs !== "gcj02") { return geometry; }
    function ring(r) { return r.map(function (c) { var p = wgsToGcj(c[1], c[0]); return [p[1], p[0]]; }); }
    if (geometry.type === "Polygon") { return { type: "Polygon", coordinates: geometry.coordinates.map(ring) }; }
    return { type: "MultiPolygon", coordinates: geometry.coordinates.map(function (poly) { return poly.map(ring); }) };
  }

  // Regions as outlines, shaded by their count of open problems (properties.open).
  function regions(map, url, onReady) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
      var max = 1;
      fc.features.forEach(function (f) { max = Math.max(max, f.properties.open || 0); f.geometry = shiftGeometry(f.geometry); });
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var share = (f.properties.open || 0) / max;
          return { color: "#3d5a80", weight: 1, fillColor: "#cf222e", fillOpacity: 0.05 + 0.45 * share };
        },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + "：未办结 " + (f.properties.open || 0) + " 件"); }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
      if (onReady) { onReady(layer); }
      return layer;
    });
  }

  // Problems from the compact map endpoint: {fields: [...], rows: [[id, lat, lng, status, key], ...]}.
  function problems(map, url, options) {
    options = options || {};
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var group = (options.cluster && L.markerClusterGroup)
        ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 })
        : L.layerGroup();
      var markers = data.rows.map(function (row) {
        var m = L.circleMarker(display(row[1], row[2]), {
          radius: row[4] ? 7 : 5, color: "#fff", weight: 1, fillColor: STATUS_COLORS[row[3]] || "#555", fillOpacity: 0.9
        });
        m.on("click", function () { window.location.href = "/problems/" + row[0] + "/"; });
        return m;
      });
      if (group.addLayers) { group.addLayers(markers); } else { markers.forEach(function (m) { group.addLayer(m); }); }
      group.addTo(map);
      return group;
    });
  }

  window.RenjuMap = { create: create, point: point, regions: regions, problems: problems, wgsToGcj: wgsToGcj,
                      colors: STATUS_COLORS };
})();
