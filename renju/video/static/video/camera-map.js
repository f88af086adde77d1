// The camera map (video/cameras/map/) and a camera's own point (video/cameras/<code>/), on RenjuMap: no tiles needed,
// nothing loaded from outside. Cameras are coloured by status; the dot grows with the last 7 days' alarms.
(function () {
  "use strict";
  var COLORS = { online: "#1a7f37", offline: "#8c959f", retired: "#bc4c00" };
  var NAMES = { online: "在线", offline: "离线", retired: "停用" };

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function cameraMap(el) {
    var map = RenjuMap.create(el);
    RenjuMap.regions(map, el.dataset.regionsUrl);
    fetch(el.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var layer = L.layerGroup();
      data.rows.forEach(function (row) {
        var code = row[0], name = row[1], status = row[4], alarms = row[5];
        var marker = L.circleMarker(display(row[2], row[3]), {
          radius: 5 + Math.min(10, Math.sqrt(alarms)), color: "#fff", weight: 1,
          fillColor: COLORS[status] || "#555", fillOpacity: 0.9
        });
        var href = el.dataset.detailUrl + encodeURIComponent(code) + "/";
        marker.bindPopup("<b>" + escape(name) + "</b><br>" + escape(code) + " · " + (NAMES[status] || status) +
                         "<br>近 7 天告警 " + alarms + " 条<br><a href=\"" + href + "\">查看</a>");
        layer.addLayer(marker);
      });
      layer.addTo(map);
      el.dataset.cameras = String(data.rows.length);
    });
  }

  // The same shift RenjuMap uses for its own points (GCJ-02 tiles only).
  function display(lat, lng) {
    var settings = {};
    try { settings = JSON.parse(document.getElementById("map-settings").textContent); } catch (e) { settings = {}; }
    return settings.tileCrs === "gcj02" ? RenjuMap.wgsToGcj(lat, lng) : [lat, lng];
  }

  var el = document.getElementById("camera-map");
  if (el) { cameraMap(el); }
  var point = document.getElementById("camera-point");
  if (point) { RenjuMap.point(RenjuMap.create(point), +point.dataset.lat, +point.dataset.lng, "dispatched"); }
})();
