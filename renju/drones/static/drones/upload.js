// Upload a flight in batches through the API, so a card of hundreds of photos is neither one giant request nor
// limited by the server's files-per-request cap: the first batch creates the flight (with its fields), the rest are
// added to it. Every file ends up counted as added, skipped (already there) or refused with its reason. Sending the
// same files again adds nothing, so after a broken connection the team simply uploads the same selection again.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var configNode = document.getElementById("drone-upload-config");
  if (!form || !configNode || !window.fetch || !window.FormData) { return; }
  var config = JSON.parse(configNode.textContent);
  var progress = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var status = document.getElementById("upload-status");
  var summary = document.getElementById("upload-summary");
  var button = form.querySelector("button[type=submit]");
  var FIELDS = ["code", "pilot", "drone", "notes"];

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Zips travel alone; photos in groups under the count and size caps.
  function batches(files) {
    var out = [], current = [], bytes = 0;
    files.forEach(function (file) {
      if (/\.zip$/i.test(file.name)) { out.push([file]); return; }
      if (current.length && (current.length >= config.maxFiles || bytes + file.size > config.maxBatchBytes)) {
        out.push(current); current = []; bytes = 0;
      }
      current.push(file); bytes += file.size;
    });
    if (current.length) { out.push(current); }
    return out;
  }

  function send(url, batch, withFields) {
    var data = new FormData();
    if (withFields) {
      FIELDS.forEach(function (name) {
        var el = form.elements[name];
        if (el && el.value.trim()) { data.append(name, el.value.trim()); }
      });
    }
    batch.forEach(function (file) { data.append("files", file, file.name); });
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; },
                                  function () { return { status: response.status, body: null }; });
    });
  }

  function addUrl(flightId) { return config.addUrl.replace("/0/", "/" + flightId + "/"); }

  function run(files) {
    var groups = batches(files);
    var state = { flight: null, added: 0, skipped: [], refused: [], stopped: "" };
    var fixedFlight = form.dataset.flight || "";
    button.disabled = true;
    progress.hidden = false;
    summary.hidden = true;
    bar.max = files.length;
    bar.value = 0;
    var sent = 0;

    function step(i) {
      if (i >= groups.length || state.stopped) { return Promise.resolve(); }
      var batch = groups[i];
      status.textContent = "正在上传第 " + (i + 1) + " / " + groups.length + " 批（" + (sent + batch.length) + " / " +
        files.length + " 个文件）…";
      var flightId = fixedFlight || (state.flight && state.flight.id);
      var request = flightId ? send(addUrl(flightId), batch, false) : send(config.createUrl, batch, true);
      return request.then(function (result) {
        sent += batch.length;
        bar.value = sent;
        take(state, result, batch);
        return step(i + 1);
      }, function () {
        state.stopped = "网络中断：已上传的照片已保存。重新选择同样的文件再上传即可继续，已有的会自动跳过。";
      });
    }

    step(0).then(function () {
      button.disabled = false;
      status.textContent = state.stopped ? "" : "上传完成";
      show(state);
    });
  }

  function take(state, result, batch) {
    var body = result.body || {};
    if (result.status === 200 || result.status === 201) {
      state.flight = body.flight;
      state.added += body.added.length;
      state.skipped = state.skipped.concat(body.skipped);
      state.refused = state.refused.concat(body.refused);
      return;
    }
    var errors = body.errors || {};
    if (result.status === 422 || result.status === 413) {
      var fieldErrors = Object.keys(errors).filter(function (k) { return k !== "files"; });
      if (fieldErrors.length) {
        state.stopped = fieldErrors.map(function (k) { return k + "：" + errors[k].join("；"); }).join("\n");
        return;
      }
      (errors.files || [body.detail || "未导入"]).forEach(function (message) {
        state.refused.push({ file: batch.length === 1 ? batch[0].name : "", reason: message });
      });
      return;
    }
    state.stopped = (body.detail || ("上传失败（HTTP " + result.status + "）"));
  }

  function listOf(title, rows) {
    var section = document.createDocumentFragment();
    if (!rows.length) { return section; }
    var h = document.createElement("h3");
    h.textContent = title + "（" + rows.length + "）";
    var ul = document.createElement("ul");
    rows.forEach(function (row) {
      var li = document.createElement("li");
      li.textContent = (row.file ? row.file + "：" : "") + row.reason;
      ul.appendChild(li);
    });
    section.appendChild(h);
    section.appendChild(ul);
    return section;
  }

  function show(state) {
    summary.textContent = "";
    var p = document.createElement("p");
    p.appendChild(document.createTextNode("新增照片 " + state.added + " 张，跳过重复 " + state.skipped.length +
      " 张，未导入 " + state.refused.length + " 个文件。"));
    summary.appendChild(p);
    if (state.stopped) {
      var err = document.createElement("p");
      err.className = "error";
      err.setAttribute("role", "alert");
      err.textContent = state.stopped;
      summary.appendChild(err);
    }
    summary.appendChild(listOf("未导入", state.refused));
    summary.appendChild(listOf("跳过（已上传过）", state.skipped));
    if (state.flight) {
      var link = document.createElement("a");
      link.className = "button primary";
      link.id = "open-flight";
      link.href = state.flight.url;
      link.textContent = form.dataset.flight ? "刷新本架次" : "打开架次 " + state.flight.code;
      summary.appendChild(link);
    }
    summary.hidden = false;
    summary.focus();
  }

  form.addEventListener("submit", function (ev) {
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { return; }  // the browser says the field is required
    ev.preventDefault();
    run(files);
  });
})();
