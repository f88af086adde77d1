// The inspector's report page: photos with previews, position (report-position.js), problem type
// (report-category.js), where it will go and by when, and submitting through the offline queue (report-queue.js),
// whose waiting reports are listed under 待发送 to be sent, corrected or deleted.
(function () {
  "use strict";

  var C = window.RenjuInspectorCommon, $ = C.$, el = C.el;
  var form = $("report-form");
  if (!form) { return; }

  var config = C.readJson("report-config") || {};
  var mapSettings = C.readJson("map-settings") || {};
  var owner = config.user || form.dataset.user || "";
  var state = {
    key: C.newClientKey(),   // one per report, kept across retries so the server files it once
    photos: [],              // [{blob, name, type, url}]
    editingKey: null         // a queued report loaded back into the form
  };
  var errors = RenjuReportErrors.create(form);
  var preview = RenjuRoutingPreview.create(config.previewUrl, function () {
    return { code: category.code(), position: position.get() };
  });
  var category = RenjuCategoryPicker.create(C.readJson("report-categories") || [], function (c) {
    if (c) { errors.showField("category", ""); }
    preview.schedule();
  });
  var position = RenjuReportPosition.create({
    regionsUrl: config.regionsUrl,
    gcj: mapSettings.tileCrs === "gcj02" && window.RenjuMap,
    firstPhoto: function () { return state.photos[0] ? state.photos[0].blob : null; },
    onChange: function () { errors.showField("lat", ""); preview.schedule(); }
  });
  var queue = RenjuReportQueue.open({
    owner: owner, createUrl: config.createUrl, onNet: showNet, render: renderPending,
    onFiled: function (problem) { announceFiled(problem, true); },
    onRejected: function (errs) {
      announce("一件待发送的上报未被接受：" + errors.text(errs) + "。请在「待发送」中点「修改」。", "error");
    }
  });
  ["severity", "road-class"].forEach(function (id) { $(id).addEventListener("change", preview.schedule); });

  // -------------------------------------------------------------- online / offline

  var net = $("net-status");
  function showNet(online, text) {
    net.dataset.state = online ? "online" : "offline";
    net.textContent = text || (online ? "在线" : "离线");
  }
  showNet(navigator.onLine !== false);
  window.addEventListener("offline", function () { showNet(false); });
  window.addEventListener("online", function () { showNet(true); });

  // -------------------------------------------------------------- photos

  var photoInput = $("photos"), previews = $("photo-previews");
  photoInput.addEventListener("change", function () {
    var files = Array.prototype.slice.call(photoInput.files || []);
    var room = (config.maxPhotos || 9) - state.photos.length;
    if (files.length > room) {
      errors.showField("photos", "最多 " + (config.maxPhotos || 9) + " 张照片，多出的没有加入");
      files = files.slice(0, Math.max(0, room));
    } else {
      errors.showField("photos", "");
    }
    var wasEmpty = state.photos.length === 0;
    files.forEach(function (f) { addPhoto(f, f.name || "photo.jpg", f.type || "image/jpeg"); });
    photoInput.value = "";  // the same picture may be chosen again after removing it
    if (wasEmpty && files.length) { position.fromPhoto(files[0]); }
  });

  function addPhoto(blob, name, type) {
    state.photos.push({ blob: blob, name: name, type: type, url: URL.createObjectURL(blob) });
    renderPhotos();
  }
  function dropPhotos() {
    state.photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
    state.photos = [];
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

  // -------------------------------------------------------------- the outcome, and the reports waiting to be sent

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

  var pendingCard = $("pending-card"), pendingList = $("pending-reports"), pendingCount = $("pending-count");
  function renderPending() {
    return queue.all().then(function (rows) {
      rows = rows.filter(function (r) { return !queue.isHeld(r.key); });
      pendingList.textContent = "";
      rows.forEach(function (r) { pendingList.appendChild(pendingItem(r)); });
      pendingCount.textContent = String(rows.length);
      pendingCard.hidden = rows.length === 0;
      return rows;
    }).catch(function () { pendingCard.hidden = true; return []; });
  }

  function pendingItem(r) {
    var c = category.byCode(r.fields.category);
    var li = el("li", { "data-key": r.key, "data-state": r.state });
    var title = el("p", { className: "title" });
    title.appendChild(el("strong", {}, c ? c.name : r.fields.category || "未选类型"));
    title.appendChild(document.createTextNode(" · " + (r.fields.description || "").slice(0, 40)));
    li.appendChild(title);
    var status = r.state === "needs-edit" ? "需修改：" + errors.text(r.errors)
      : r.state === "editing" ? "正在表单中修改"
        : queue.isSending(r.key) ? "正在发送…"
          : "待发送" + (r.lastError ? "（" + r.lastError + "）" : "");
    li.appendChild(el("p", { className: "muted" },
      C.shortTime(r.createdAt) + " · " + r.photos.length + " 张照片 · " + status));
    var actions = el("div", { className: "actions" });
    if (r.state === "needs-edit" || r.state === "editing") {
      var edit = el("button", { type: "button", className: "small" }, "修改");
      edit.addEventListener("click", function () { loadIntoForm(r); });
      actions.appendChild(edit);
    }
    var drop = el("button", { type: "button", className: "small danger" }, "删除");
    drop.addEventListener("click", function () {
      if (window.confirm("删除这条未发送的上报？删除后无法恢复。")) {
        queue.remove(r.key).then(renderPending);
      }
    });
    actions.appendChild(drop);
    li.appendChild(actions);
    return li;
  }

  $("send-pending").addEventListener("click", function () {
    showNet(navigator.onLine !== false);
    queue.flush();
  });

  // -------------------------------------------------------------- submit

  function collectFields() {
    var visit = form.querySelector("input[name=visit]:checked");
    var p = position.get();
    return {
      category: category.code(),
      lat: p ? p.lat.toFixed(6) : "",
      lng: p ? p.lng.toFixed(6) : "",
      description: $("description").value.trim(),
      check_item: category.checkItem(),
      severity: $("severity").value,
      visit: visit ? visit.value : "open",
      is_key: $("is-key").checked ? "true" : "false",
      address: $("address").value.trim(),
      road_class: $("road-class").value,
      source: config.source || "inspection",
      found_at: C.localIso(new Date())
    };
  }
  function validate(fields) {
    var found = {};
    if (!fields.category) { found.category = ["请选择问题类型"]; }
    if (!fields.lat || !fields.lng) { found.lat = ["请允许定位，或在地图上点选问题所在位置"]; }
    if (!fields.description) { found.description = ["请简要描述问题"]; }
    return found;
  }

  var submitButton = $("submit-report");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errors.clear();
    var fields = collectFields();
    var invalid = validate(fields);
    if (Object.keys(invalid).length) {
      errors.show(invalid);
      announce("还不能上报：" + errors.text(invalid), "error");
      var first = invalid.category ? category.input : invalid.description ? $("description") : $("report-map");
      if (first && first.focus) { first.focus(); }
      return;
    }
    var record = {
      key: state.key, owner: owner, state: "queued", createdAt: C.localIso(new Date()), errors: null, lastError: "",
      fields: fields,
      photos: state.photos.map(function (p) { return { blob: p.blob, name: p.name, type: p.type }; })
    };
    submitButton.disabled = true;
    submitButton.textContent = "正在上报…";
    queue.hold(record.key);
    // Kept on the phone before it goes out, so even a closed page or a dead battery loses nothing.
    var stored = queue.put(record).then(function () { return true; }, function () { return false; });
    stored.then(function () { return queue.send(record); }).then(function (outcome) {
      return stored.then(function (wasStored) { return settle(record, outcome, wasStored); });
    }).then(function () {
      submitButton.disabled = false;
      submitButton.textContent = "上报";
      result.focus();
      renderPending();
    });
  });

  // What the form does once its own report has been sent (or could not be).
  function settle(record, outcome, wasStored) {
    queue.release(record.key);
    if (outcome.ok) {
      return queue.remove(record.key).catch(function () {}).then(function () {
        announceFiled(outcome.problem, false);
        resetForm();
      });
    }
    if (outcome.invalid) {
      return queue.remove(record.key).catch(function () {}).then(function () {
        errors.show(outcome.errors);
        announce("上报未被接受，请修改后重新上报：" + errors.text(outcome.errors), "error");
      });
    }
    if (!wasStored) {
      announce("网络不通，且本机无法保存，请稍后重新上报（表单内容仍在）。", "error");
      return null;
    }
    record.lastError = outcome.message;
    return queue.put(record).then(function () {
      announce("网络不通：已保存到本机「待发送」，联网后自动发送。可以继续上报下一个问题。", "warn");
      resetForm();
    });
  }

  function resetForm() {
    var visit = form.querySelector("input[name=visit]:checked");
    var visitValue = visit ? visit.value : "open";
    form.reset();
    // Open or covert is how the whole round is done: keep it for the next report.
    var again = form.querySelector("input[name=visit][value=" + visitValue + "]");
    if (again) { again.checked = true; }
    dropPhotos();
    renderPhotos();
    category.reset();
    state.key = C.newClientKey();
    state.editingKey = null;
    position.clear("正在获取本机位置…");
    preview.reset();
    position.locate(false);
  }

  function loadIntoForm(r) {
    var f = r.fields;
    state.key = r.key;
    state.editingKey = r.key;
    r.state = "editing";
    queue.put(r).then(renderPending);
    dropPhotos();
    r.photos.forEach(function (p) { addPhoto(p.blob, p.name, p.type); });
    category.restore(f.category, f.check_item);
    $("description").value = f.description || "";
    $("severity").value = f.severity || $("severity").value;
    var visit = form.querySelector("input[name=visit][value=" + (f.visit || "open") + "]");
    if (visit) { visit.checked = true; }
    $("is-key").checked = f.is_key === "true";
    $("address").value = f.address || "";
    $("road-class").value = f.road_class || "";
    if (f.lat && f.lng) { position.set(parseFloat(f.lat), parseFloat(f.lng), "queued", null, true); }
    errors.clear();
    errors.show(r.errors);
    announce("已载入待发送的上报，修改后点「上报」。", "warn");
    form.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // -------------------------------------------------------------- start

  category.clear();
  position.initMap();
  position.locate(false);
  queue.keepTrying();
})();
