// The inspector's pages. Report form: photos with previews, position (device → photo EXIF → map tap), category by
// name / code / pinyin initials, where it will go and by when, and an offline queue in IndexedDB so a dropped
// connection loses nothing (the server files a report once per client_key however often it is sent).
// Verification queue: ask the device where we are and reload sorted by distance.
(function () {
  "use strict";

  // ------------------------------------------------------------------ EXIF GPS (no library)

  // Reads latitude/longitude from a JPEG's APP1 Exif segment. `buffer` is the start of the file (the Exif
  // segment is at most 64 KiB and comes before the image data). Returns {lat, lng} or null.
  function readExifGps(buffer) {
    var view = new DataView(buffer);
    var length = view.byteLength;
    if (length < 4 || view.getUint16(0) !== 0xFFD8) { return null; }
    var offset = 2;
    while (offset + 4 <= length) {
      var marker = view.getUint16(offset);
      if ((marker & 0xFF00) !== 0xFF00) { return null; }
      if (marker === 0xFFFF) { offset += 1; continue; }  // fill byte
      if (marker === 0xFFDA || marker === 0xFFD9) { return null; }  // image data starts: no metadata after it
      var size = view.getUint16(offset + 2);
      if (size < 2) { return null; }
      if (marker === 0xFFE1 && size >= 16 && offset + 10 <= length &&
          view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0) {  // "Exif\0\0"
        var found = readTiffGps(view, offset + 10, Math.min(offset + 2 + size, length));
        if (found) { return found; }
      }
      offset += 2 + size;
    }
    return null;
  }

  function readTiffGps(view, tiff, end) {
    var order = view.getUint16(tiff);
    var little = order === 0x4949;
    if (!little && order !== 0x4D4D) { return null; }
    function u16(at) { return view.getUint16(at, little); }
    function u32(at) { return view.getUint32(at, little); }
    if (u16(tiff + 2) !== 42) { return null; }
    function entries(ifd, visit) {
      if (ifd + 2 > end) { return; }
      var count = u16(ifd);
      for (var i = 0; i < count; i++) {
        var entry = ifd + 2 + i * 12;
        if (entry + 12 > end) { return; }
        visit(u16(entry), u16(entry + 2), u32(entry + 4), entry + 8);
      }
    }
    var gpsIfd = null;
    entries(tiff + u32(tiff + 4), function (tag, type, count, valueAt) {
      if (tag === 0x8825) { gpsIfd = tiff + u32(valueAt); }
    });
    if (gpsIfd === null) { return null; }
    var refs = {}, values = {};
    entries(gpsIfd, function (tag, type, count, valueAt) {
      if ((tag === 1 || tag === 3) && type === 2) {  // N/S, E/W: ASCII, fits in the entry itself
        refs[tag] = String.fromCharCode(view.getUint8(valueAt));
      } else if ((tag === 2 || tag === 4) && type === 5 && count === 3) {  // three RATIONALs: d, m, s
        var at = tiff + u32(valueAt);
        if (at + 24 > end) { return; }
        var dms = [];
        for (var k = 0; k < 3; k++) {
          var num = u32(at + k * 8), den = u32(at + k * 8 + 4);
          dms.push(den ? num / den : 0);
        }
        values[tag] = dms[0] + dms[1] / 60 + dms[2] / 3600;
      }
    });
    if (values[2] === undefined || values[4] === undefined) { return null; }
    var lat = values[2] * (refs[1] === "S" ? -1 : 1);
    var lng = values[4] * (refs[3] === "W" ? -1 : 1);
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180 || (lat === 0 && lng === 0)) {
      return null;
    }
    return { lat: lat, lng: lng };
  }

  function exifGpsOfFile(file) {
    if (!file || !file.slice) { return Promise.resolve(null); }
    return file.slice(0, 256 * 1024).arrayBuffer().then(readExifGps).catch(function () { return null; });
  }

  window.RenjuInspector = { readExifGps: readExifGps };

  // ------------------------------------------------------------------ small helpers

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localIso(d) {
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }
  function shortTime(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : ""; }
  function newClientKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) { crypto.getRandomValues(bytes); }
    else { for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); } }
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function readJson(id) {
    var node = $(id);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  if ($("report-form")) { reportPage(); }
  if ($("verify-queue")) { verifyPage(); }

  // ================================================================== the report page

  function reportPage() {
    var form = $("report-form");
    var config = readJson("report-config") || {};
    var categories = readJson("report-categories") || [];
    var byCode = {};
    categories.forEach(function (c, i) { c.position = i; byCode[c.code] = c; });
    var owner = config.user || form.dataset.user || "";
    var mapSettings = readJson("map-settings") || {};
    var gcj = mapSettings.tileCrs === "gcj02" && window.RenjuMap;

    var state = {
      key: newClientKey(),     // one per report, kept across retries so the server files it once
      photos: [],              // [{blob, name, type, url}]
      position: null,          // {lat, lng, source, accuracy}
      editingKey: null         // a queued report loaded back into the form
    };
    var RANK = { exif: 1, device: 2, queued: 3, map: 3 };

    // -------------------------------------------------------------- online / offline

    var net = $("net-status");
    function showNet(online, text) {
      net.dataset.state = online ? "online" : "offline";
      net.textContent = text || (online ? "在线" : "离线");
    }
    showNet(navigator.onLine !== false);
    window.addEventListener("offline", function () { showNet(false); });
    window.addEventListener("online", function () { showNet(true); flushQueue(); });

    // -------------------------------------------------------------- photos

    var photoInput = $("photos"), previews = $("photo-previews");
    photoInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photoInput.files || []);
      var room = (config.maxPhotos || 9) - state.photos.length;
      if (files.length > room) {
        showFieldError("photos", "最多 " + (config.maxPhotos || 9) + " 张照片，多出的没有加入");
        files = files.slice(0, Math.max(0, room));
      } else {
        showFieldError("photos", "");
      }
      var wasEmpty = state.photos.length === 0;
      files.forEach(function (f) { addPhoto(f, f.name || "photo.jpg", f.type || "image/jpeg"); });
      photoInput.value = "";  // the same picture may be chosen again after removing it
      if (wasEmpty && files.length) { positionFromPhoto(files[0]); }
    });

    function addPhoto(blob, name, type) {
      state.photos.push({ blob: blob, name: name, type: type, url: URL.createObjectURL(blob) });
      renderPhotos();
    }
    function renderPhotos() {
      previews.textContent = "";
      state.photos.forEach(function (p, i) {
        var li = el("li");
        var img = el("img", { src: p.url, alt: "照片 " + (i + 1) + " 预览" });
        var remove = el("button", { type: "button", className: "remove", "aria-label": "移除照片 " + (i + 1) }, "×");
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(p.url);
          state.photos.splice(i, 1);
          renderPhotos();
        });
        li.appendChild(img);
        li.appendChild(remove);
        previews.appendChild(li);
      });
    }

    // -------------------------------------------------------------- position

    var latInput = $("lat"), lngInput = $("lng"), sourceText = $("position-source");
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

    function sourceLabel(p) {
      if (!p) { return ""; }
      if (p.source === "device") {
        return "位置来自本机定位" + (p.accuracy ? "（精度约 " + Math.round(p.accuracy) + " 米）" : "");
      }
      if (p.source === "exif") { return "位置来自照片中的拍摄位置（EXIF）"; }
      if (p.source === "queued") { return "位置来自保存的待发送记录"; }
      return "位置由您在地图上点选";
    }

    // Device first, then the photo's EXIF; a tap on the map always wins (it is the inspector's own correction).
    function setPosition(lat, lng, source, accuracy, force) {
      var current = state.position;
      if (!force && current && RANK[current.source] > RANK[source]) { return; }
      state.position = { lat: lat, lng: lng, source: source, accuracy: accuracy || null };
      latInput.value = lat.toFixed(6);
      lngInput.value = lng.toFixed(6);
      sourceText.textContent = sourceLabel(state.position);
      sourceText.dataset.source = source;
      showFieldError("lat", "");
      if (map) {
        var ll = display(lat, lng);
        if (marker) { marker.setLatLng(ll); }
        else {
          marker = L.circleMarker(ll, { radius: 9, color: "#fff", weight: 3, fillColor: "#cf222e", fillOpacity: 1 })
            .addTo(map);
        }
        map.setView(ll, Math.max(map.getZoom(), 15));
      }
      schedulePreview();
    }

    function clearPosition(message) {
      state.position = null;
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
      if (!state.position) { sourceText.textContent = "正在获取本机位置…"; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPosition(pos.coords.latitude, pos.coords.longitude, "device", pos.coords.accuracy, force);
      }, function (err) {
        noDevicePosition(err && err.code === 1 ? "未允许定位" : "本机定位失败");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }

    function noDevicePosition(why) {
      if (state.position) { return; }
      var first = state.photos[0];
      if (first) {
        positionFromPhoto(first.blob, why);
      } else {
        sourceText.dataset.source = "";
        sourceText.textContent = why + "：拍照后将尝试读取照片中的位置，或请在地图上点选问题所在位置";
      }
    }

    function positionFromPhoto(blob, why) {
      exifGpsOfFile(blob).then(function (gps) {
        if (gps) {
          setPosition(gps.lat, gps.lng, "exif");
        } else if (!state.position) {
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
      if (config.regionsUrl) {
        RenjuMap.regions(map, config.regionsUrl, function (layer) {
          // Outlines to find one's way, not the open-problem shading of the overview maps.
          layer.setStyle({ color: "#3d5a80", weight: 1.5, fillColor: "#0b5cad", fillOpacity: 0.04 });
          layer.eachLayer(function (l) {
            l.unbindTooltip();
            if (l.feature && l.feature.properties) { l.bindTooltip(l.feature.properties.name, { sticky: true }); }
          });
          if (state.position) { map.setView(display(state.position.lat, state.position.lng), 15); }
        }).catch(function () { /* offline: the map still takes taps */ });
      }
    }

    $("locate").addEventListener("click", function () { locateDevice(true); });

    // -------------------------------------------------------------- category: type a few characters

    var search = $("category-search"), listbox = $("category-options"), categoryInput = $("category");
    var info = $("category-info"), checkSelect = $("check-item"), hints = $("description-hints");
    var shown = [], active = -1;

    function score(c, q) {
      var name = c.name, code = c.code.toLowerCase(), nat = (c.national_code || "").toLowerCase();
      var ini = c.initials || "";
      if (code === q || nat === q || ini === q || name === q) { return 0; }
      if (code.indexOf(q) === 0 || (nat && nat.indexOf(q) === 0) || (ini && ini.indexOf(q) === 0)) { return 1; }
      if (name.indexOf(q) === 0) { return 1; }
      if (name.indexOf(q) >= 0) { return 2; }
      if ((c.keywords || []).some(function (k) { return k.indexOf(q) >= 0; })) { return 3; }
      if (q.length >= 2 && /^[a-z]+$/.test(q) && inOrder(q, ini)) { return ini.charAt(0) === q.charAt(0) ? 4 : 5; }
      return -1;
    }
    // Letters in order, as the API's `q` matches them: people skip one ("blj" for 暴露垃圾, whose initials are
    // bllj). Those starting with the first letter typed come first.
    function inOrder(q, s) {
      var at = 0;
      for (var i = 0; i < q.length; i++) {
        at = s.indexOf(q.charAt(i), at);
        if (at < 0) { return false; }
        at += 1;
      }
      return true;
    }
    function filterCategories(text) {
      var q = (text || "").trim().toLowerCase();
      if (!q) { return categories.slice(); }
      return categories.map(function (c) { return { c: c, s: score(c, q) }; })
        .filter(function (x) { return x.s >= 0; })
        .sort(function (a, b) { return a.s - b.s || a.c.position - b.c.position; })
        .map(function (x) { return x.c; });
    }

    function openList(items) {
      shown = items.slice(0, 30);
      listbox.textContent = "";
      if (!shown.length) {
        listbox.appendChild(el("li", { className: "empty", role: "option", "aria-disabled": "true" },
          "没有匹配的问题类型"));
      }
      shown.forEach(function (c, i) {
        var li = el("li", { id: "category-option-" + i, role: "option", "aria-selected": "false", "data-code": c.code });
        li.appendChild(el("span", { className: "name" }, c.name));
        li.appendChild(el("span", { className: "meta" },
          c.code + (c.national_code && c.national_code !== c.code ? " · 国标 " + c.national_code : "") +
          (c.initials ? " · " + c.initials : "")));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });  // keep focus in the input
        li.addEventListener("click", function () { choose(c); });
        listbox.appendChild(li);
      });
      listbox.hidden = false;
      search.setAttribute("aria-expanded", "true");
      setActive(shown.length ? 0 : -1);
    }
    function closeList() {
      listbox.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(i) {
      var options = listbox.querySelectorAll("[role=option][data-code]");
      Array.prototype.forEach.call(options, function (o, k) { o.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && options[i]) {
        search.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    function choose(c, keepOpen) {
      categoryInput.value = c.code;
      search.value = c.name + "（" + c.code + "）";
      info.hidden = false;
      info.textContent = "任务" + c.task.number + "：" + c.task.title +
        (c.national_code ? " · 国标编码 " + c.national_code : "");
      fillCheckItems(c);
      fillHints(c);
      showFieldError("category", "");
      if (!keepOpen) { closeList(); }
      schedulePreview();
    }
    function clearCategory() {
      categoryInput.value = "";
      info.hidden = true;
      info.textContent = "";
      checkSelect.textContent = "";
      checkSelect.appendChild(el("option", { value: "" }, "先选问题类型"));
      checkSelect.disabled = true;
      hints.textContent = "";
    }
    function fillCheckItems(c) {
      checkSelect.textContent = "";
      var items = c.check_items || [];
      checkSelect.appendChild(el("option", { value: "" }, items.length ? "（不指定）" : "该类型没有列出检查项"));
      var groups = {};
      items.forEach(function (item) {
        if (!groups[item.standard]) {
          groups[item.standard] = el("optgroup", { label: item.standard });
          checkSelect.appendChild(groups[item.standard]);
        }
        groups[item.standard].appendChild(el("option", { value: item.code }, item.text));
      });
      checkSelect.disabled = !items.length;
      if (items.length === 1) { checkSelect.value = items[0].code; }
    }
    function fillHints(c) {
      hints.textContent = "";
      (c.keywords || []).slice(0, 6).forEach(function (word) {
        var chip = el("button", { type: "button", className: "chip small" }, word);
        chip.addEventListener("click", function () {
          var d = $("description");
          d.value = d.value ? d.value.replace(/[，,\s]*$/, "") + "，" + word : word;
          d.focus();
        });
        hints.appendChild(chip);
      });
    }

    search.addEventListener("input", function () {
      if (categoryInput.value) { clearCategory(); schedulePreview(); }
      openList(filterCategories(search.value));
    });
    search.addEventListener("focus", function () {
      if (!categoryInput.value) { openList(filterCategories(search.value)); }
    });
    search.addEventListener("blur", function () { setTimeout(closeList, 150); });
    search.addEventListener("keydown", function (ev) {
      var open = !listbox.hidden;
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (!open) { openList(filterCategories(categoryInput.value ? "" : search.value)); return; }
        setActive(Math.min(active + 1, shown.length - 1));
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        if (open) { setActive(Math.max(active - 1, 0)); }
      } else if (ev.key === "Enter") {
        if (open && active >= 0 && shown[active]) { ev.preventDefault(); choose(shown[active]); }
        else if (!categoryInput.value) { ev.preventDefault(); }  // Enter in the search box never submits a half form
      } else if (ev.key === "Escape") {
        if (open) { ev.preventDefault(); closeList(); }
      }
    });
    ["severity", "road-class"].forEach(function (id) { $(id).addEventListener("change", schedulePreview); });

    // -------------------------------------------------------------- where it will go and by when

    var preview = $("routing-preview"), previewTimer = null, previewSeq = 0;
    function schedulePreview() {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(loadPreview, 250);
    }
    function loadPreview() {
      var code = categoryInput.value, p = state.position;
      preview.dataset.state = "";
      if (!code || !p) {
        preview.textContent = "选好问题类型和位置后，这里显示将派往的单位和整改时限。";
        return;
      }
      var seq = ++previewSeq;
      var params = new URLSearchParams({ category: code, lat: p.lat.toFixed(6), lng: p.lng.toFixed(6),
        severity: $("severity").value, road_class: $("road-class").value });
      preview.textContent = "正在查询派往单位…";
      fetch(config.previewUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
        .then(function (res) {
          if (seq !== previewSeq) { return; }
          if (res.status !== 200) {
            preview.dataset.state = "bad";
            preview.textContent = res.body && res.body.errors && res.body.errors.lat
              ? "这个位置不在任何辖区内，请在地图上重新点选。" : "暂时无法预估派往单位。";
            return;
          }
          var d = res.body;
          preview.dataset.state = "ok";
          preview.textContent = "";
          var line = el("p", { className: "route" });
          line.appendChild(document.createTextNode("将派往："));
          line.appendChild(el("strong", {}, d.unit ? d.unit.name : "由派遣员指定"));
          line.appendChild(document.createTextNode((d.reason ? "（" + d.reason + "）" : "") +
            "，整改时限：" + d.time_limit + "，预计截止：" + shortTime(d.due_at_if_dispatched_now)));
          preview.appendChild(line);
          if (d.region) { preview.appendChild(el("p", { className: "muted" }, "所在区域：" + d.region.name)); }
          preview.appendChild(el("p", { className: "muted" }, "以派遣员立案派遣时为准。"));
        })
        .catch(function () {
          if (seq !== previewSeq) { return; }
          preview.dataset.state = "";
          preview.textContent = "离线：联网后显示将派往的单位；现在上报会先保存在本机。";
        });
    }

    // -------------------------------------------------------------- errors

    var FIELD_NAMES = { category: "问题类型", lat: "位置", lng: "位置", description: "问题描述", photos: "照片",
      check_item: "检查项", severity: "严重程度", visit: "检查方式", address: "地址", road_class: "道路等级",
      found_at: "发现时间", client_key: "上报编号", body: "内容" };
    var MESSAGES = { required: "必填" };
    var PATTERNS = [
      [/^at most (\d+) characters$/, "最多 $1 个字"],
      [/^.*outside every region.*$/, "不在任何辖区内，请在地图上重新点选"],
      [/^unknown category code.*$/, "不是当前方案的问题类型"],
      [/^.*is not a check item of category.*$/, "不是该问题类型的检查项"],
      [/^is in the future$/, "晚于当前时间"],
      [/^at most (\d+) photos at once$/, "一次最多 $1 张照片"]
    ];
    function say(message) {
      if (MESSAGES[message]) { return MESSAGES[message]; }
      for (var i = 0; i < PATTERNS.length; i++) {
        if (PATTERNS[i][0].test(message)) { return message.replace(PATTERNS[i][0], PATTERNS[i][1]); }
      }
      return message;
    }
    function showFieldError(field, message) {
      var target = $("error-" + (field === "lng" ? "lat" : field));
      if (!target) { return false; }
      target.textContent = message || "";
      target.hidden = !message;
      return true;
    }
    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll(".error"), function (n) { n.textContent = ""; n.hidden = true; });
    }
    function errorText(errors) {
      return Object.keys(errors || {}).map(function (f) {
        return (FIELD_NAMES[f] || f) + "：" + (errors[f] || []).map(say).join("；");
      }).join("；");
    }
    function showErrors(errors) {
      Object.keys(errors || {}).forEach(function (f) {
        showFieldError(f, (errors[f] || []).map(say).join("；"));
      });
    }

    // -------------------------------------------------------------- the offline queue (IndexedDB)

    var STORE = "pending";
    var dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open("renju-inspector", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    dbPromise.catch(function () { /* without storage the form still sends; it just cannot keep a report */ });

    function withStore(mode, work) {
      return dbPromise.then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(STORE, mode);
          var req = work(tx.objectStore(STORE));
          tx.oncomplete = function () { resolve(req ? req.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error || new Error("aborted")); };
        });
      });
    }
    function queuePut(record) { return withStore("readwrite", function (s) { return s.put(record); }); }
    function queueDelete(key) { return withStore("readwrite", function (s) { return s.delete(key); }); }
    function queueAll() {
      return withStore("readonly", function (s) { return s.getAll(); }).then(function (rows) {
        // A shared phone: each inspector sees and sends only their own reports.
        return (rows || []).filter(function (r) { return r.owner === owner; })
          .sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
      });
    }

    var sendingKeys = {};        // reports on their way now (never sent twice at the same time from this page)
    var fromForm = {};           // the one the form is sending: not shown as queued unless it fails

    var pendingCard = $("pending-card"), pendingList = $("pending-reports"), pendingCount = $("pending-count");
    function renderPending() {
      return queueAll().then(function (rows) {
        rows = rows.filter(function (r) { return !fromForm[r.key]; });
        pendingList.textContent = "";
        rows.forEach(function (r) { pendingList.appendChild(pendingItem(r)); });
        pendingCount.textContent = String(rows.length);
        pendingCard.hidden = rows.length === 0;
        return rows;
      }).catch(function () { pendingCard.hidden = true; return []; });
    }

    function pendingItem(r) {
      var c = byCode[r.fields.category];
      var li = el("li", { "data-key": r.key, "data-state": r.state });
      var title = el("p", { className: "title" });
      title.appendChild(el("strong", {}, c ? c.name : r.fields.category || "未选类型"));
      title.appendChild(document.createTextNode(" · " + (r.fields.description || "").slice(0, 40)));
      li.appendChild(title);
      var status = r.state === "needs-edit" ? "需修改：" + errorText(r.errors)
        : r.state === "editing" ? "正在表单中修改"
          : sendingKeys[r.key] ? "正在发送…"
            : "待发送" + (r.lastError ? "（" + r.lastError + "）" : "");
      li.appendChild(el("p", { className: "muted" },
        shortTime(r.createdAt) + " · " + r.photos.length + " 张照片 · " + status));
      var actions = el("div", { className: "actions" });
      if (r.state === "needs-edit" || r.state === "editing") {
        var edit = el("button", { type: "button", className: "small" }, "修改");
        edit.addEventListener("click", function () { loadIntoForm(r); });
        actions.appendChild(edit);
      }
      var drop = el("button", { type: "button", className: "small danger" }, "删除");
      drop.addEventListener("click", function () {
        if (window.confirm("删除这条未发送的上报？删除后无法恢复。")) {
          queueDelete(r.key).then(renderPending);
        }
      });
      actions.appendChild(drop);
      li.appendChild(actions);
      return li;
    }

    // Sends one report. Resolves to {ok, problem} | {invalid, errors} | {retry, message}; never rejects.
    function send(record, withoutFoundAt) {
      var body = new FormData();
      var fields = record.fields;
      Object.keys(fields).forEach(function (k) {
        if (fields[k] === "" || fields[k] === null || fields[k] === undefined) { return; }
        if (k === "found_at" && withoutFoundAt) { return; }
        body.append(k, fields[k]);
      });
      body.append("client_key", record.key);
      record.photos.forEach(function (p) { body.append("photos", p.blob, p.name); });
      sendingKeys[record.key] = true;
      return fetch(config.createUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      }).then(function (res) {
        showNet(true);
        if (res.status === 200 || res.status === 201) { return { ok: true, problem: res.data }; }
        if (res.status === 401 || res.status === 403) {
          return { retry: true, stop: true, message: "登录已失效，请重新登录后发送" };
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          var errors = (res.data && res.data.errors) || { body: [(res.data && res.data.detail) || "提交被拒绝"] };
          var keys = Object.keys(errors);
          // A phone clock running fast makes "found_at is in the future": the server's own time is good enough.
          if (!withoutFoundAt && keys.length === 1 && keys[0] === "found_at") { return send(record, true); }
          return { invalid: true, errors: errors };
        }
        return { retry: true, message: "服务器暂时不可用" };
      }, function () {
        showNet(false, "离线（网络不通）");
        return { retry: true, stop: true, message: "网络不通" };
      }).then(function (outcome) {
        delete sendingKeys[record.key];
        return outcome;
      });
    }

    var result = $("report-result");
    function announceFiled(problem, queued) {
      result.textContent = "";
      result.dataset.state = "ok";
      var p = el("p", { className: "msg" });
      p.appendChild(document.createTextNode((queued ? "待发送的问题已送达，编号 " : "已上报，编号 ")));
      p.appendChild(el("strong", { className: "problem-number" }, problem.number));
      p.appendChild(document.createTextNode("。 "));
      var link = el("a", { href: config.problemUrl.replace("/0/", "/" + problem.id + "/") }, "查看问题");
      p.appendChild(link);
      result.appendChild(p);
    }
    function announce(text, kind) {
      result.textContent = "";
      result.dataset.state = kind;
      result.appendChild(el("p", { className: "msg" + (kind === "ok" ? "" : " " + kind) }, text));
    }

    var flushing = false;
    function flushQueue() {
      if (flushing) { return Promise.resolve(); }
      flushing = true;
      return queueAll().then(function (rows) {
        var todo = rows.filter(function (r) { return r.state !== "needs-edit" && r.state !== "editing" && !fromForm[r.key]; });
        var chain = Promise.resolve(false);
        todo.forEach(function (r) {
          chain = chain.then(function (stopped) {
            if (stopped || sendingKeys[r.key]) { return stopped; }
            renderPending();
            return send(r).then(function (outcome) {
              if (outcome.ok) {
                return queueDelete(r.key).then(function () { announceFiled(outcome.problem, true); return false; });
              }
              if (outcome.invalid) {
                r.state = "needs-edit";
                r.errors = outcome.errors;
                announce("一件待发送的上报未被接受：" + errorText(outcome.errors) + "。请在「待发送」中点「修改」。", "error");
                return queuePut(r).then(function () { return false; });
              }
              r.lastError = outcome.message;
              return queuePut(r).then(function () { return !!outcome.stop; });
            });
          });
        });
        return chain;
      }).catch(function () { /* storage unavailable */ }).then(function () {
        flushing = false;
        return renderPending();
      });
    }
    $("send-pending").addEventListener("click", function () {
      showNet(navigator.onLine !== false);
      flushQueue();
    });

    // -------------------------------------------------------------- submit

    function collectFields() {
      var visit = form.querySelector("input[name=visit]:checked");
      return {
        category: categoryInput.value,
        lat: state.position ? state.position.lat.toFixed(6) : "",
        lng: state.position ? state.position.lng.toFixed(6) : "",
        description: $("description").value.trim(),
        check_item: checkSelect.disabled ? "" : checkSelect.value,
        severity: $("severity").value,
        visit: visit ? visit.value : "open",
        is_key: $("is-key").checked ? "true" : "false",
        address: $("address").value.trim(),
        road_class: $("road-class").value,
        source: config.source || "inspection",
        found_at: localIso(new Date())
      };
    }
    function validate(fields) {
      var errors = {};
      if (!fields.category) { errors.category = ["请选择问题类型"]; }
      if (!fields.lat || !fields.lng) { errors.lat = ["请允许定位，或在地图上点选问题所在位置"]; }
      if (!fields.description) { errors.description = ["请简要描述问题"]; }
      return errors;
    }

    var submitButton = $("submit-report");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors();
      var fields = collectFields();
      var errors = validate(fields);
      if (Object.keys(errors).length) {
        showErrors(errors);
        announce("还不能上报：" + errorText(errors), "error");
        var first = errors.category ? search : errors.description ? $("description") : $("report-map");
        if (first && first.focus) { first.focus(); }
        return;
      }
      var record = {
        key: state.key, owner: owner, state: "queued", createdAt: localIso(new Date()), errors: null, lastError: "",
        fields: fields,
        photos: state.photos.map(function (p) { return { blob: p.blob, name: p.name, type: p.type }; })
      };
      submitButton.disabled = true;
      submitButton.textContent = "正在上报…";
      fromForm[record.key] = true;
      // Kept on the phone before it goes out, so even a closed page or a dead battery loses nothing.
      var stored = queuePut(record).then(function () { return true; }, function () { return false; });
      stored.then(function () { return send(record); }).then(function (outcome) {
        return stored.then(function (wasStored) {
          delete fromForm[record.key];
          if (outcome.ok) {
            return queueDelete(record.key).catch(function () {}).then(function () {
              announceFiled(outcome.problem, false);
              resetForm();
            });
          }
          if (outcome.invalid) {
            return queueDelete(record.key).catch(function () {}).then(function () {
              showErrors(outcome.errors);
              announce("上报未被接受，请修改后重新上报：" + errorText(outcome.errors), "error");
            });
          }
          if (!wasStored) {
            announce("网络不通，且本机无法保存，请稍后重新上报（表单内容仍在）。", "error");
            return null;
          }
          record.lastError = outcome.message;
          return queuePut(record).then(function () {
            announce("网络不通：已保存到本机「待发送」，联网后自动发送。可以继续上报下一个问题。", "warn");
            resetForm();
          });
        });
      }).then(function () {
        submitButton.disabled = false;
        submitButton.textContent = "上报";
        result.focus();
        renderPending();
      });
    });

    function resetForm() {
      var visit = form.querySelector("input[name=visit]:checked");
      var visitValue = visit ? visit.value : "open";
      form.reset();
      // Open or covert is how the whole round is done: keep it for the next report.
      var again = form.querySelector("input[name=visit][value=" + visitValue + "]");
      if (again) { again.checked = true; }
      state.photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
      state.photos = [];
      renderPhotos();
      search.value = "";
      clearCategory();
      state.key = newClientKey();
      state.editingKey = null;
      clearPosition("正在获取本机位置…");
      preview.dataset.state = "";
      preview.textContent = "选好问题类型和位置后，这里显示将派往的单位和整改时限。";
      locateDevice(false);
    }

    function loadIntoForm(r) {
      var f = r.fields;
      state.key = r.key;
      state.editingKey = r.key;
      r.state = "editing";
      queuePut(r).then(renderPending);
      state.photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
      state.photos = [];
      r.photos.forEach(function (p) { addPhoto(p.blob, p.name, p.type); });
      var c = byCode[f.category];
      if (c) { choose(c); checkSelect.value = f.check_item || ""; } else { search.value = ""; clearCategory(); }
      $("description").value = f.description || "";
      $("severity").value = f.severity || $("severity").value;
      var visit = form.querySelector("input[name=visit][value=" + (f.visit || "open") + "]");
      if (visit) { visit.checked = true; }
      $("is-key").checked = f.is_key === "true";
      $("address").value = f.address || "";
      $("road-class").value = f.road_class || "";
      if (f.lat && f.lng) { setPosition(parseFloat(f.lat), parseFloat(f.lng), "queued", null, true); }
      clearErrors();
      showErrors(r.errors);
      announce("已载入待发送的上报，修改后点「上报」。", "warn");
      form.scrollIntoView({ behavior: "smooth", block: "start" });
    }

    // -------------------------------------------------------------- start

    clearCategory();
    initMap();
    locateDevice(false);
    // Reports left waiting from an earlier visit (or a page closed while sending) go out now if they can.
    renderPending().then(function (rows) { if (rows.length) { flushQueue(); } });
    // A phone on a Wi-Fi that has no way out stays "online" and never fires the event: try again now and then.
    setInterval(function () {
      if (navigator.onLine === false) { return; }
      queueAll().then(function (rows) {
        if (rows.some(function (r) { return r.state === "queued" && !fromForm[r.key]; })) { flushQueue(); }
      }).catch(function () {});
    }, 60000);
  }

  // ================================================================== the verification queue

  function verifyPage() {
    var root = $("verify-queue");
    var button = $("locate-me"), status = $("locate-status");
    var REFUSED = "renju-verify-no-position";
    function goTo(lat, lng) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", lat.toFixed(6));
      url.searchParams.set("lng", lng.toFixed(6));
      url.searchParams.delete("page");
      window.location.replace(url.toString());
    }
    function locate(manual) {
      if (!navigator.geolocation) {
        if (status) { status.textContent = "本机不支持定位，按整改时间排序。"; }
        return;
      }
      if (status) { status.textContent = "正在获取您的位置…"; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        goTo(pos.coords.latitude, pos.coords.longitude);
      }, function (err) {
        try { sessionStorage.setItem(REFUSED, "1"); } catch (e) { /* private mode: ask again next time */ }
        if (status) {
          status.textContent = (err && err.code === 1 ? "未允许定位" : "定位失败") + "，按整改时间排序。" +
            (manual ? "" : "可点「按我的位置排序」重试。");
        }
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }
    if (button) { button.addEventListener("click", function () { locate(true); }); }
    // The file input hides behind its big label: say what was picked.
    Array.prototype.forEach.call(root.querySelectorAll(".verify-fail input[type=file]"), function (input) {
      input.addEventListener("change", function () {
        var note = input.parentNode.querySelector(".chosen");
        var n = input.files ? input.files.length : 0;
        if (note) { note.textContent = n ? "已选 " + n + " 张照片" : ""; }
      });
    });
    // Without a position, ask the device — unless it already said no in this session: a refused or failed
    // position must not reload the page again and again.
    if (root.dataset.hasPosition !== "true") {
      var refused = false;
      try { refused = sessionStorage.getItem(REFUSED) === "1"; } catch (e) { refused = false; }
      if (!refused) { locate(false); }
    }
  }
})();
