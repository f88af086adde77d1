// 到场: fill the form's position from the phone when the person allows it; the tap never waits for it.
(function () {
  "use strict";
  if (!navigator.geolocation || !document.querySelector(".arrive-form")) { return; }
  navigator.geolocation.getCurrentPosition(function (pos) {
    document.querySelectorAll(".arrive-form").forEach(function (form) {
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.elements.lng.value = pos.coords.longitude.toFixed(6);
    });
  }, function () { /* no position: 到场 is recorded without one */ }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
})();
