// The report page's problem type: type a few characters of the name, the code, the national code or the pinyin
// initials and pick from the list (a combobox, keyboard usable). Choosing a type fills its check items and offers
// its keywords as chips for the description.
(function () {
  "use strict";

  var C = window.RenjuInspectorCommon, $ = C.$, el = C.el;

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

  // categories: the plan's problem types as embedded in the page; onChange(category or null) after the inspector
  // picks one or edits the text of a picked one away.
  function create(categories, onChange) {
    var byCode = {};
    categories.forEach(function (c, i) { c.position = i; byCode[c.code] = c; });
    var search = $("category-search"), listbox = $("category-options"), categoryInput = $("category");
    var info = $("category-info"), checkSelect = $("check-item"), hints = $("description-hints");
    var shown = [], active = -1;

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

    function choose(c) {
      categoryInput.value = c.code;
      search.value = c.name + "（" + c.code + "）";
      info.hidden = false;
      info.textContent = "任务" + c.task.number + "：" + c.task.title +
        (c.national_code ? " · 国标编码 " + c.national_code : "");
      fillCheckItems(c);
      fillHints(c);
      closeList();
      onChange(c);
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
      if (categoryInput.value) { clearCategory(); onChange(null); }
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

    return {
      byCode: function (code) { return byCode[code]; },
      code: function () { return categoryInput.value; },
      checkItem: function () { return checkSelect.disabled ? "" : checkSelect.value; },
      input: search,
      clear: clearCategory,
      // A queued report loaded back into the form: its type and check item, or an empty field if the plan no
      // longer has that type.
      restore: function (code, checkItem) {
        var c = byCode[code];
        if (c) { choose(c); checkSelect.value = checkItem || ""; } else { search.value = ""; clearCategory(); }
      },
      reset: function () { search.value = ""; clearCategory(); }
    };
  }

  window.RenjuCategoryPicker = { create: create };
})();
