// The unit's self-check page: the inspector's report parts (category picker, position with map and EXIF, field
// errors) put together for this form, two sets of photos (before, and after for an on-the-spot fix), and a submit
// that sends everything at once and keeps the form as it is when something is refused.
(function () {
  "use strict";

  var C = window.RenjuInspectorCommon, $ = C.$, el = C.el;
  var form = $("selfcheck-form");
  if (!form) { return; }

  var config = C.readJson("selfcheck-config") || {};
  var mapSettings = C.readJson("map-settings") || {};
  var names = config.fieldNames || {};
  var maxPhotos = config.maxPhotos || 9;
  var errors = RenjuReportErrors.create(form);
  var category = RenjuCategoryPicker.create(C.readJson("report-categories") || [], function (c) {
    if (c) { errors.showField("category", ""); }
  });
  var before = photoSet("photos", "photo-previews", "现场照片", function (first) { position.fromPhoto(first); });
  var after = photoSet("after-photos", "after-previews", "整改后照片", null);
  var position = RenjuReportPosition.create({
    regionsUrl: config.regionsUrl,
    gcj: mapSettings.tileCrs === "gcj02" && window.RenjuMap,
    firstPhoto: function () { return before.first(); },
    onChange: function () { errors.showField("lat", ""); }
  });
  $("lat").readOnly = true;   // typed by hand only without the script; here the map and the device set them
  $("lng").readOnly = true;

  // -------------------------------------------------------------- the on-the-spot fix

  var fixed = $("fixed"), fixFields = $("fix-fields");
  function showFix() { fixFields.hidden = !fixed.checked; }
  fixed.addEventListener("change", function () { errors.showField("fixed", ""); showFix(); });
  showFix();

  // -------------------------------------------------------------- photos (kept here, so more can be added)

  function photoSet(inputId, listId, label, onFirst) {
    var input = $(inputId), list = $(listId), items = [];
    var field = inputId === "photos" ? "photos" : "after_photos";
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      var room = maxPhotos - items.length;
      errors.showField(field, files.length > room ? "最多 " + maxPhotos + " 张，多出的没有加入" : "");
      files = files.slice(0, Math.max(0, room));
      var wasEmpty = items.length === 0;
      files.forEach(function (f) { items.push({ blob: f, name: f.name || "photo.jpg", url: URL.createObjectURL(f) }); });
      input.value = "";  // the same picture may be chosen again after removing it
      render();
      if (wasEmpty && files.length && onFirst) { onFirst(files[0]); }
    });
    function render() {
      list.textContent = "";
      items.forEach(function (p, i) {
        var li = el("li");
        li.appendChild(el("img", { src: p.url, alt: label + " " + (i + 1) + " 预览" }));
        var remove = el("button", { type: "button", className: "remove", "aria-label": "移除" + label + " " + (i + 1) }, "×");
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(p.url);
          items.splice(i, 1);
          render();
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
    }
    return {
      first: function () { return items[0] ? items[0].blob : null; },
      count: function () { return items.length; },
      appendTo: function (data, name) { items.forEach(function (p) { data.append(name, p.blob, p.name); }); },
      clear: function () { items.forEach(function (p) { URL.revokeObjectURL(p.url); }); items = []; render(); }
    };
  }

  // -------------------------------------------------------------- outcome

  var result = $("report-result");
  function announce(text, kind, link) {
    result.textContent = "";
    result.dataset.state = kind;
    var p = el("p", { className: "msg" + (kind === "ok" ? "" : " " + kind) }, text);
    if (link) {
      p.appendChild(document.createTextNode(" "));
      p.appendChild(el("a", { href: link.href }, link.text));
    }
    result.appendChild(p);
    result.focus();
  }
  function errorText(errs) {
    return Object.keys(errs || {}).map(function (f) {
      return (names[f] || f) + "：" + (errs[f] || []).join("；");
    }).join("；");
  }

  function validate() {
    var found = {};
    if (!before.count()) { found.photos = ["至少一张现场照片"]; }
    if (!category.code()) { found.category = ["请选择问题类型"]; }
    if (!$("description").value.trim()) { found.description = ["请简要描述问题"]; }
    if (!position.get()) { found.lat = ["请允许定位，或在地图上点选问题所在位置"]; }
    if (fixed.checked && !after.count()) { found.after_photos = ["已当场整改的，至少一张整改后照片"]; }
    if (fixed.checked && !$("fix-note").value.trim()) { found.fix_note = ["已当场整改的，请说明整改情况"]; }
    return found;
  }

  var submit = $("submit-report");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errors.clear();
    var invalid = validate();
    if (Object.keys(invalid).length) {
      errors.show(invalid);
      announce("还不能上报：" + errorText(invalid), "error");
      return;
    }
    var p = position.get();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", C.csrfToken());
    data.append("client_key", $("client-key").value);
    data.append("category", category.code());
    data.append("check_item", category.checkItem());
    data.append("description", $("description").value.trim());
    data.append("severity", $("severity").value);
    data.append("address", $("address").value.trim());
    data.append("lat", p.lat.toFixed(6));
    data.append("lng", p.lng.toFixed(6));
    before.appendTo(data, "photos");
    if (fixed.checked) {
      data.append("fixed", "1");
      data.append("fix_note", $("fix-note").value.trim());
      after.appendTo(data, "after_photos");
    }
    submit.disabled = true;
    submit.textContent = "正在上报…";
    fetch(config.submitUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": C.csrfToken() }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (res.status === 201) {
        announce("已上报，编号 " + res.body.number + "（" + res.body.status_name + "）。", "ok",
          { href: res.body.url, text: "查看问题" });
        reset();
      } else if (res.status === 422) {
        errors.show(res.body.errors);
        announce("上报未被接受，请修改后重新上报：" + errorText(res.body.errors), "error");
      } else {
        announce("上报失败（" + res.status + "），请稍后重试。", "error");
      }
    }).catch(function () {
      // The same key goes with the retry, so a report that did arrive is not filed twice.
      announce("网络不通，未能上报。请联网后再点「上报」（不会重复上报）。", "error");
    }).then(function () {
      submit.disabled = false;
      submit.textContent = "上报";
    });
  });

  function reset() {
    form.reset();
    before.clear();
    after.clear();
    category.reset();
    showFix();
    $("client-key").value = C.newClientKey().replace(/-/g, "");
    position.clear("正在获取本机位置…");
    position.locate(false);
  }

  // -------------------------------------------------------------- start

  category.clear();
  position.initMap();
  position.locate(false);
})();
