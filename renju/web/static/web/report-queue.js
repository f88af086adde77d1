// The report page's offline queue in IndexedDB: a report is kept on the phone before it goes out and removed only
// once the server has filed it (200/201), so a dropped connection, a closed page or a dead battery loses nothing.
// Sending again is always safe: the server files a report once per client_key however often it is sent.
// No DOM here: the page draws the list and tells the inspector what happened through the hooks given to open().
(function () {
  "use strict";

  var C = window.RenjuInspectorCommon;
  var STORE = "pending";

  function openDatabase() {
    var dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open("renju-inspector", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    dbPromise.catch(function () { /* without storage the form still sends; it just cannot keep a report */ });
    return dbPromise;
  }

  // options: owner (username: a shared phone keeps each inspector's reports apart), createUrl, and the hooks
  // onNet(online, text), render() → Promise of the rows shown, onFiled(problem), onRejected(errors).
  function open(options) {
    var dbPromise = openDatabase();
    var sendingKeys = {};        // reports on their way now (never sent twice at the same time from this page)
    var fromForm = {};           // the one the form is sending: not shown as queued unless it fails
    var flushing = false;

    function withStore(mode, work) {
      return dbPromise.then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(STORE, mode);
          var req = work(tx.objectStore(STORE));
          tx.oncomplete = function () { resolve(req ? req.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error || new Error("aborted")); };
        });
      });
    }
    function put(record) { return withStore("readwrite", function (s) { return s.put(record); }); }
    function remove(key) { return withStore("readwrite", function (s) { return s.delete(key); }); }
    function all() {
      return withStore("readonly", function (s) { return s.getAll(); }).then(function (rows) {
        // A shared phone: each inspector sees and sends only their own reports.
        return (rows || []).filter(function (r) { return r.owner === options.owner; })
          .sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
      });
    }

    // Sends one report. Resolves to {ok, problem} | {invalid, errors} | {retry, message}; never rejects.
    function send(record, withoutFoundAt) {
      var body = new FormData();
      var fields = record.fields;
      Object.keys(fields).forEach(function (k) {
        if (fields[k] === "" || fields[k] === null || fields[k] === undefined) { return; }
        if (k === "found_at" && withoutFoundAt) { return; }
        body.append(k, fields[k]);
      });
      body.append("client_key", record.key);
      record.photos.forEach(function (p) { body.append("photos", p.blob, p.name); });
      sendingKeys[record.key] = true;
      return fetch(options.createUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": C.csrfToken(), Accept: "application/json" }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      }).then(function (res) {
        options.onNet(true);
        if (res.status === 200 || res.status === 201) { return { ok: true, problem: res.data }; }
        if (res.status === 401 || res.status === 403) {
          return { retry: true, stop: true, message: "登录已失效，请重新登录后发送" };
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          var errors = (res.data && res.data.errors) || { body: [(res.data && res.data.detail) || "提交被拒绝"] };
          var keys = Object.keys(errors);
          // A phone clock running fast makes "found_at is in the future": the server's own time is good enough.
          if (!withoutFoundAt && keys.length === 1 && keys[0] === "found_at") { return send(record, true); }
          return { invalid: true, errors: errors };
        }
        return { retry: true, message: "服务器暂时不可用" };
      }, function () {
        options.onNet(false, "离线（网络不通）");
        return { retry: true, stop: true, message: "网络不通" };
      }).then(function (outcome) {
        delete sendingKeys[record.key];
        return outcome;
      });
    }

    // Sends everything waiting, oldest first, one at a time; stops at the first sign the network or the login is
    // gone. A rejected report waits for the inspector to correct it ("needs-edit") instead of being sent again.
    function flush() {
      if (flushing) { return Promise.resolve(); }
      flushing = true;
      return all().then(function (rows) {
        var todo = rows.filter(function (r) { return r.state !== "needs-edit" && r.state !== "editing" && !fromForm[r.key]; });
        var chain = Promise.resolve(false);
        todo.forEach(function (r) {
          chain = chain.then(function (stopped) {
            if (stopped || sendingKeys[r.key]) { return stopped; }
            options.render();
            return send(r).then(function (outcome) {
              if (outcome.ok) {
                return remove(r.key).then(function () { options.onFiled(outcome.problem); return false; });
              }
              if (outcome.invalid) {
                r.state = "needs-edit";
                r.errors = outcome.errors;
                options.onRejected(outcome.errors);
                return put(r).then(function () { return false; });
              }
              r.lastError = outcome.message;
              return put(r).then(function () { return !!outcome.stop; });
            });
          });
        });
        return chain;
      }).catch(function () { /* storage unavailable */ }).then(function () {
        flushing = false;
        return options.render();
      });
    }

    function keepTrying() {
      window.addEventListener("online", flush);
      // Reports left waiting from an earlier visit (or a page closed while sending) go out now if they can.
      options.render().then(function (rows) { if (rows.length) { flush(); } });
      // A phone on a Wi-Fi that has no way out stays "online" and never fires the event: try again now and then.
      setInterval(function () {
        if (navigator.onLine === false) { return; }
        all().then(function (rows) {
          if (rows.some(function (r) { return r.state === "queued" && !fromForm[r.key]; })) { flush(); }
        }).catch(function () {});
      }, 60000);
    }

    return {
      put: put, remove: remove, all: all, send: send, flush: flush, keepTrying: keepTrying,
      // The form sends its own report itself; while it does, the queue leaves that one alone.
      hold: function (key) { fromForm[key] = true; },
      release: function (key) { delete fromForm[key]; },
      isHeld: function (key) { return !!fromForm[key]; },
      isSending: function (key) { return !!sendingKeys[key]; }
    };
  }

  window.RenjuReportQueue = { open: open };
})();
