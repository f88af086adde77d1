// The inspector's verification queue: ask the device where we are and reload sorted by distance, and say which
// photos were picked for a failed verification.
(function () {
  "use strict";

  var root = document.getElementById("verify-queue");
  if (!root) { return; }
  var REFUSED = "renju-verify-no-position";
  var button = document.getElementById("locate-me"), status = document.getElementById("locate-status");

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

  // The file input hides behind its big label: say what was picked.
  function showChosenPhotos() {
    Array.prototype.forEach.call(root.querySelectorAll(".verify-fail input[type=file]"), function (input) {
      input.addEventListener("change", function () {
        var note = input.parentNode.querySelector(".chosen");
        var n = input.files ? input.files.length : 0;
        if (note) { note.textContent = n ? "已选 " + n + " 张照片" : ""; }
      });
    });
  }

  // Without a position, ask the device — unless it already said no in this session: a refused or failed
  // position must not reload the page again and again.
  function locateOnce() {
    if (root.dataset.hasPosition === "true") { return; }
    var refused = false;
    try { refused = sessionStorage.getItem(REFUSED) === "1"; } catch (e) { refused = false; }
    if (!refused) { locate(false); }
  }

  if (button) { button.addEventListener("click", function () { locate(true); }); }
  showChosenPhotos();
  locateOnce();
})();
