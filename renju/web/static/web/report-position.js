// Where the problem is, on the report page: the device's position, else the place in the first photo's EXIF, and a
// tap on the map, which always wins. Fills the hidden lat/lng fields and says where the position came from.
(function () {
  "use strict";

  var C = window.RenjuInspectorCommon, $ = C.$;
  var RANK = { exif: 1, device: 2, queued: 3, map: 3 };

  function sourceLabel(p) {
    if (!p) { return ""; }
    if (p.source === "device") {
      return "位置来自本机定位" + (p.accuracy ? "（精度约 " + Math.round(p.accuracy) + " 米）" : "");
    }
    if (p.source === "exif") { return "位置来自照片中的拍摄位置（EXIF）"; }
    if (p.source === "queued") { return "位置来自保存的待发送记录"; }
    return "位置由您在地图上点选";
  }

  // options: regionsUrl, gcj (the map's tiles are shifted to GCJ-02), firstPhoto() → the first photo's blob or
  // null, onChange(position) after a position is set.
  function create(options) {
    var gcj = options.gcj;
    var latInput = $("lat"), lngInput = $("lng"), sourceText = $("position-source");
    var position = null;         // {lat, lng, source, accuracy}
    var map = null, marker = null;

    function display(lat, lng) { return gcj ? RenjuMap.wgsToGcj(lat, lng) : [lat, lng]; }
    function fromDisplay(lat, lng) {
      if (!gcj) { return [lat, lng]; }
      var w = [lat, lng];  // invert WGS→GCJ by fixed-point iteration (converges to centimetres in a few steps)
      for (var i = 0; i < 4; i++) {
        var g = RenjuMap.wgsToGcj(w[0], w[1]);
        w = [w[0] - (g[0] - lat), w[1] - (g[1] - lng)];
      }
      return w;
    }

    // Device first, then the photo's EXIF; a tap on the map always wins (it is the inspector's own correction).
    function setPosition(lat, lng, source, accuracy, force) {
      var current = position;
      if (!force && current && RANK[current.source] > RANK[source]) { return; }
      position = { lat: lat, lng: lng, source: source, accuracy: accuracy || null };
      latInput.value = lat.toFixed(6);
      lngInput.value = lng.toFixed(6);
      sourceText.textContent = sourceLabel(position);
      sourceText.dataset.source = source;
      if (map) {
        var ll = display(lat, lng);
        if (marker) { marker.setLatLng(ll); }
        else {
          marker = L.circleMarker(ll, { radius: 9, color: "#fff", weight: 3, fillColor: "#cf222e", fillOpacity: 1 })
            .addTo(map);
        }
        map.setView(ll, Math.max(map.getZoom(), 15));
      }
      options.onChange(position);
    }

    function clearPosition(message) {
      position = null;
      latInput.value = "";
      lngInput.value = "";
      sourceText.dataset.source = "";
      sourceText.textContent = message;
      if (marker && map) { map.removeLayer(marker); marker = null; }
    }

    function locateDevice(force) {
      if (!navigator.geolocation) {
        noDevicePosition("本机不支持定位");
        return;
      }
      if (!position) { sourceText.textContent = "正在获取本机位置…"; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPosition(pos.coords.latitude, pos.coords.longitude, "device", pos.coords.accuracy, force);
      }, function (err) {
        noDevicePosition(err && err.code === 1 ? "未允许定位" : "本机定位失败");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }

    function noDevicePosition(why) {
      if (position) { return; }
      var first = options.firstPhoto();
      if (first) {
        positionFromPhoto(first, why);
      } else {
        sourceText.dataset.source = "";
        sourceText.textContent = why + "：拍照后将尝试读取照片中的位置，或请在地图上点选问题所在位置";
      }
    }

    function positionFromPhoto(blob, why) {
      RenjuExif.gpsOfFile(blob).then(function (gps) {
        if (gps) {
          setPosition(gps.lat, gps.lng, "exif");
        } else if (!position) {
          sourceText.dataset.source = "";
          sourceText.textContent = (why ? why + "，" : "") + "照片中没有位置信息：请在地图上点选问题所在位置";
        }
      });
    }

    function initMap() {
      var node = $("report-map");
      if (!window.L || !window.RenjuMap || !node) { return; }
      map = RenjuMap.create(node, { zoom: 10 });
      map.on("click", function (ev) {
        var w = fromDisplay(ev.latlng.lat, ev.latlng.lng);
        setPosition(w[0], w[1], "map", null, true);
      });
      if (options.regionsUrl) {
        RenjuMap.regions(map, options.regionsUrl, function (layer) {
          // Outlines to find one's way, not the open-problem shading of the overview maps.
          layer.setStyle({ color: "#3d5a80", weight: 1.5, fillColor: "#0b5cad", fillOpacity: 0.04 });
          layer.eachLayer(function (l) {
            l.unbindTooltip();
            if (l.feature && l.feature.properties) { l.bindTooltip(l.feature.properties.name, { sticky: true }); }
          });
          if (position) { map.setView(display(position.lat, position.lng), 15); }
        }).catch(function () { /* offline: the map still takes taps */ });
      }
    }

    $("locate").addEventListener("click", function () { locateDevice(true); });

    return {
      get: function () { return position; },
      set: setPosition,
      clear: clearPosition,
      locate: locateDevice,
      fromPhoto: positionFromPhoto,
      initMap: initMap
    };
  }

  window.RenjuReportPosition = { create: create };
})();
