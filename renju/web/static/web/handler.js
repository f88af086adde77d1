// The unit's inbox: keep each deadline countdown current without reloading the page (every 30 s).
(function () {
  "use strict";
  var table = document.getElementById("inbox");
  if (!table) { return; }
  var soon = +(table.dataset.soonSeconds || 86400);

  // The same wording as the server's queries.common.duration_label.
  function label(seconds) {
    var days = Math.floor(seconds / 86400), rest = seconds % 86400;
    var hours = Math.floor(rest / 3600), minutes = Math.floor((rest % 3600) / 60);
    if (days) { return days + "天" + hours + "小时"; }
    if (hours) { return hours + "小时" + minutes + "分"; }
    return minutes + "分钟";
  }

  function tick() {
    var now = Date.now();
    table.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) { return; }
      var seconds = Math.floor((due - now) / 1000);
      var state = seconds < 0 ? "late" : seconds < soon ? "soon" : "ok";
      el.classList.remove("late", "soon", "ok");
      el.classList.add(state);
      el.textContent = (seconds < 0 ? "已超期 " : "剩余 ") + label(Math.abs(seconds));
      var row = el.closest("tr");
      if (row) { row.classList.toggle("overdue", seconds < 0); }
    });
  }

  tick();
  window.setInterval(tick, 30000);
})();
