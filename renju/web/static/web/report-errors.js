// The report form's errors: the API's messages (English, per field) said in Chinese, next to their fields and as
// one line for the outcome.
(function () {
  "use strict";

  var $ = window.RenjuInspectorCommon.$;
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
  function errorText(errors) {
    return Object.keys(errors || {}).map(function (f) {
      return (FIELD_NAMES[f] || f) + "：" + (errors[f] || []).map(say).join("；");
    }).join("；");
  }

  // Each field shows its errors in the element #error-<field>; lat and lng share one.
  function create(form) {
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
    function showErrors(errors) {
      Object.keys(errors || {}).forEach(function (f) {
        showFieldError(f, (errors[f] || []).map(say).join("；"));
      });
    }
    return { showField: showFieldError, clear: clearErrors, show: showErrors, text: errorText };
  }

  window.RenjuReportErrors = { create: create };
})();
