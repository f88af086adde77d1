// Where the report will go and by when, asked of the server as the inspector fills the form in (the routing
// preview); dispatching decides in the end.
(function () {
  "use strict";

  var C = window.RenjuInspectorCommon, $ = C.$, el = C.el;
  var EMPTY = "选好问题类型和位置后，这里显示将派往的单位和整改时限。";

  // url: the preview endpoint; current() → {code, position} as the form has them now.
  function create(url, current) {
    var preview = $("routing-preview"), previewTimer = null, previewSeq = 0;

    function schedulePreview() {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(loadPreview, 250);
    }
    function loadPreview() {
      var now = current(), code = now.code, p = now.position;
      preview.dataset.state = "";
      if (!code || !p) {
        preview.textContent = EMPTY;
        return;
      }
      var seq = ++previewSeq;
      var params = new URLSearchParams({ category: code, lat: p.lat.toFixed(6), lng: p.lng.toFixed(6),
        severity: $("severity").value, road_class: $("road-class").value });
      preview.textContent = "正在查询派往单位…";
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
        .then(function (res) {
          if (seq !== previewSeq) { return; }  // a newer question is on its way
          if (res.status !== 200) {
            preview.dataset.state = "bad";
            preview.textContent = res.body && res.body.errors && res.body.errors.lat
              ? "这个位置不在任何辖区内，请在地图上重新点选。" : "暂时无法预估派往单位。";
            return;
          }
          showRoute(res.body);
        })
        .catch(function () {
          if (seq !== previewSeq) { return; }
          preview.dataset.state = "";
          preview.textContent = "离线：联网后显示将派往的单位；现在上报会先保存在本机。";
        });
    }
    function showRoute(d) {
      preview.dataset.state = "ok";
      preview.textContent = "";
      var line = el("p", { className: "route" });
      line.appendChild(document.createTextNode("将派往："));
      line.appendChild(el("strong", {}, d.unit ? d.unit.name : "由派遣员指定"));
      line.appendChild(document.createTextNode((d.reason ? "（" + d.reason + "）" : "") +
        "，整改时限：" + d.time_limit + "，预计截止：" + C.shortTime(d.due_at_if_dispatched_now)));
      preview.appendChild(line);
      if (d.region) { preview.appendChild(el("p", { className: "muted" }, "所在区域：" + d.region.name)); }
      preview.appendChild(el("p", { className: "muted" }, "以派遣员立案派遣时为准。"));
    }

    return {
      schedule: schedulePreview,
      reset: function () { preview.dataset.state = ""; preview.textContent = EMPTY; }
    };
  }

  window.RenjuRoutingPreview = { create: create };
})();
