// The one-screen view: map of open problems, 30-day trend chart, and a refresh every minute from
// /dashboard/data.json that updates the figures, ranking, chart and map points in place (no page reload).
(function () {
  "use strict";
  var root = document.querySelector("[data-dashboard]");
  if (!root) { return; }
  var wall = document.body.classList.contains("wall");
  var REFRESH_MS = 60000;

  // ---- map: towns shaded by open problems, then the open problems on top, clustered when dense
  var mapEl = document.getElementById("dashboard-map");
  var map = RenjuMap.create(mapEl, { zoom: 10 });
  // Clustering needs a maximum zoom, which a map without a tile layer does not have.
  if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(18); }
  // Fit the city snugly: fractional zoom steps when the view fits the regions.
  map.options.zoomSnap = 0.25;
  var points = null;
  function loadPoints() {
    return RenjuMap.problems(map, mapEl.dataset.problemsUrl, { cluster: true }).then(function (layer) {
      // The new layer is drawn before the old one goes, so the map never blinks empty.
      if (points) { map.removeLayer(points); }
      points = layer;
    });
  }
  RenjuMap.regions(map, mapEl.dataset.regionsUrl).catch(function () { return null; }).then(loadPoints);

  // ---- trend chart
  var chartEl = document.getElementById("trend-chart");
  var chart = echarts.init(chartEl, null, { renderer: "canvas" });
  var COLORS = { reported: "#0969da", dispatched: "#d4a72c", closed: "#1a7f37", overdue: "#cf222e" };
  if (wall) { COLORS = { reported: "#58a6ff", dispatched: "#e3b341", closed: "#56d364", overdue: "#ff7b72" }; }
  var ink = wall ? "#c9d6e3" : "#57606a", grid = wall ? "#1f3b57" : "#e5e9ee";

  function trendOption(trend) {
    var keys = Object.keys(trend.names);
    return {
      animation: false,
      color: keys.map(function (k) { return COLORS[k]; }),
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: ink, fontSize: wall ? 15 : 13 } },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: trend.labels, boundaryGap: false,
               axisLabel: { color: ink }, axisLine: { lineStyle: { color: grid } } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: ink }, splitLine: { lineStyle: { color: grid } } },
      series: keys.map(function (k) {
        var s = { name: trend.names[k], type: "line", smooth: true, symbolSize: 5, data: trend.series[k] };
        if (k === "overdue") { s.areaStyle = { opacity: 0.12 }; s.lineStyle = { width: 3 }; }
        return s;
      })
    };
  }
  chart.setOption(trendOption(JSON.parse(document.getElementById("trend-data").textContent)));
  window.addEventListener("resize", function () { chart.resize(); });

  // ---- the ranking's group filter (the ranks shown become ranks within the group)
  var groupSelect = document.getElementById("ranking-group");
  function applyGroup() {
    var group = groupSelect ? groupSelect.value : "";
    document.querySelectorAll("#unit-ranking tr.ranking-row").forEach(function (tr) {
      tr.hidden = !!group && tr.dataset.group !== group;
      var rank = tr.querySelector(".rank");
      rank.textContent = group ? rank.dataset.groupRank : rank.dataset.rank;
    });
  }
  if (groupSelect) { groupSelect.addEventListener("change", applyGroup); }

  // ---- refresh
  function cell(tr, text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    if (text !== null) { td.textContent = text; }
    tr.appendChild(td);
    return td;
  }

  function renderRanking(rows) {
    var tbody = document.querySelector("#unit-ranking tbody");
    var fresh = document.createElement("tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.className = "ranking-row " + (r.tier || "");
      tr.dataset.unit = r.code;
      tr.dataset.group = r.group_code;
      var rank = document.createElement("span");
      rank.className = "rank";
      rank.dataset.rank = r.rank;
      rank.dataset.groupRank = r.group_rank;
      rank.textContent = r.rank;
      cell(tr, null, "num").appendChild(rank);
      var name = cell(tr, r.name);
      var group = document.createElement("div");
      group.className = "muted";
      group.textContent = r.group;
      name.appendChild(group);
      cell(tr, r.rectified, "num");
      cell(tr, r.on_time, "num");
      var rate = cell(tr, null, "rate-col");
      var bar = document.createElement("span");
      bar.className = "rate-bar";
      bar.style.setProperty("--rate", r.rate_pct + "%");
      var label = document.createElement("span");
      label.className = "rate";
      label.textContent = r.rate_label;
      rate.appendChild(bar);
      rate.appendChild(label);
      cell(tr, r.overdue, "num" + (r.overdue ? " overdue-count" : ""));
      fresh.appendChild(tr);
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      empty.className = "empty";
      cell(empty, "本月还没有整改反馈。").colSpan = 6;
      fresh.appendChild(empty);
    }
    tbody.parentNode.replaceChild(fresh, tbody);
    applyGroup();
  }

  function renderStats(stats) {
    Object.keys(stats).forEach(function (period) {
      var panel = document.getElementById("stats-" + period);
      if (!panel) { return; }
      var figures = stats[period];
      panel.querySelectorAll("[data-stat]").forEach(function (el) {
        var key = el.dataset.stat;
        el.textContent = key === "on_time_rate" ? figures.on_time_rate_label : figures[key];
        if (key === "overdue") { el.parentNode.classList.toggle("bad", figures[key] > 0); }
      });
    });
  }

  var updated = document.getElementById("updated-at");
  function refresh() {
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        renderStats(data.stats);
        renderRanking(data.ranking);
        chart.setOption(trendOption(data.trend), { notMerge: false });
        loadPoints();
        var at = new Date(data.generated_at);
        updated.setAttribute("datetime", data.generated_at);
        updated.textContent = at.toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
        root.classList.remove("stale");
      })
      .catch(function () { root.classList.add("stale"); });
  }
  window.setInterval(refresh, REFRESH_MS);
  window.RenjuDashboard = { refresh: refresh };

  // ---- the wall's clock (Beijing time, whatever the screen's own setting) and full-screen button
  var clock = document.getElementById("wall-clock");
  if (clock) {
    var fmt = new Intl.DateTimeFormat("zh-CN", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", weekday: "long",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
    });
    var tick = function () {
      var p = {};
      fmt.formatToParts(new Date()).forEach(function (part) { p[part.type] = part.value; });
      clock.textContent = p.year + "-" + p.month + "-" + p.day + " " + p.weekday + " " +
        p.hour + ":" + p.minute + ":" + p.second;
    };
    tick();
    window.setInterval(tick, 1000);
  }
  // On the wall nobody scrolls: the ranking moves on by a row every few seconds, and starts over at the end.
  var scroller = document.querySelector(".ranking-scroll");
  if (wall && scroller) {
    var paused = false;
    scroller.addEventListener("mouseenter", function () { paused = true; });
    scroller.addEventListener("mouseleave", function () { paused = false; });
    window.setInterval(function () {
      if (paused || scroller.scrollHeight <= scroller.clientHeight + 2) { return; }
      var row = scroller.querySelector("tbody tr");
      var atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
      scroller.scrollTo({ top: atEnd ? 0 : scroller.scrollTop + (row ? row.offsetHeight : 40), behavior: "smooth" });
    }, 4000);
  }

  var fullscreen = document.getElementById("fullscreen-toggle");
  if (fullscreen) {
    if (!document.documentElement.requestFullscreen) { fullscreen.hidden = true; }
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else { document.documentElement.requestFullscreen().catch(function () { return null; }); }
    });
    document.addEventListener("fullscreenchange", function () {
      fullscreen.textContent = document.fullscreenElement ? "退出全屏" : "全屏";
      chart.resize();
      map.invalidateSize();
    });
  }
})();
