// Placing an order by hand: a tap on the map fills the point; choosing a region clears it (the region's inside
// point is taken on the server). Works with no tiles (regions drawn on a plain background, see web/map.js).
(function () {
  "use strict";
  var node = document.getElementById("place-map");
  if (!node || !window.L || !window.RenjuMap) { return; }
  var lat = document.getElementById("place-lat"), lng = document.getElementById("place-lng");
  var region = document.getElementById("place-region");
  var map = RenjuMap.create(node, { zoom: 10 });
  RenjuMap.regions(map, "/api/v1/map/regions?kind=town");
  var settings = {};
  try { settings = JSON.parse(document.getElementById("map-settings").textContent); } catch (err) { settings = {}; }
  // Tiles in GCJ-02 show shifted points: invert the shift (fixed-point iteration, as the inspector's form does).
  function fromDisplay(la, ln) {
    if (settings.tileCrs !== "gcj02") { return [la, ln]; }
    var w = [la, ln];
    for (var i = 0; i < 4; i++) { var g = RenjuMap.wgsToGcj(w[0], w[1]); w = [w[0] - (g[0] - la), w[1] - (g[1] - ln)]; }
    return w;
  }
  var marker = null;
  map.on("click", function (e) {
    var p = fromDisplay(e.latlng.lat, e.latlng.lng);
    lat.value = p[0].toFixed(6);
    lng.value = p[1].toFixed(6);
    region.value = "";
    if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(map); }
  });
  region.addEventListener("change", function () { if (region.value) { lat.value = ""; lng.value = ""; } });
})();
