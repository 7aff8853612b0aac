// The chat of one conversation: a WebSocket with acknowledgements, catch-up after every reconnect, a heartbeat,
// and plain HTTP when the socket is down. Without this script the page still works (a form post).
// No build step, no inline script (CSP): the page passes everything through data- attributes.
(function () {
  "use strict";
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var status = document.getElementById("chat-status");
  if (!log) { return; }
  var data = log.dataset;
  var conversation = data.conversation;
  var me = data.me;
  // Everything up to lastId is here: it moves on with a catch-up, or with a broadcast whose "prev" (the message
  // before it in this conversation) is already here. A broadcast after a missed one (a dropped broadcast) asks for a
  // catch-up instead, so nothing is skipped on the next reconnect.
  var lastId = parseInt(data.lastId || "0", 10);
  var catchingUp = false;
  var pending = {};            // client_msg_id -> {body, item}; resent (same id, no duplicate) until acknowledged
  var socket = null;
  var retryDelay = 1000;
  var heartbeat = null;
  var pongTimer = null;
  var pollTimer = null;
  var stopped = false;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function showStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function item(message) {
    var li = document.createElement("li");
    li.className = "chat-message" + (String(message.sender) === me ? " mine" : "");
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var name = document.createElement("strong");
    name.textContent = message.sender_name || "";
    meta.appendChild(name);
    var state = document.createElement("span");
    state.className = "chat-state";
    meta.appendChild(state);
    var body = document.createElement("p");
    body.className = "chat-body";
    body.textContent = message.deleted ? data.textDeleted : message.body;  // textContent: never HTML
    li.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  function setState(li, text) {
    var state = li.querySelector(".chat-state");
    if (state) { state.textContent = text ? " · " + text : ""; }
  }

  function place(message) {
    var existing = document.getElementById("bericht-" + message.id);
    if (existing) {
      if (message.deleted) { existing.querySelector(".chat-body").textContent = data.textDeleted; }
      return;
    }
    var waiting = pending[message.client_msg_id];
    var li;
    if (waiting && String(message.sender) === me) {
      li = waiting.item;
      delete pending[message.client_msg_id];
      setState(li, data.textSent);
    } else {
      li = item(message);
      var empty = log.querySelector(".empty");
      if (empty) { empty.remove(); }
      log.insertBefore(li, laterThan(message.id));  // in order, also when a missed message comes late
    }
    li.id = "bericht-" + message.id;
    li.dataset.id = message.id;
  }

  function laterThan(id) {
    var items = log.querySelectorAll("li[data-id]");
    for (var i = 0; i < items.length; i++) {
      if (parseInt(items[i].dataset.id, 10) > id) { return items[i]; }
    }
    return null;
  }

  function caughtUp(messages) {
    messages.forEach(function (message) {
      place(message);
      if (message.id > lastId) { lastId = message.id; }
    });
    catchingUp = false;
  }

  function heard(message) {
    place(message);
    if (message.prev === undefined || message.prev <= lastId) {
      if (!catchingUp && message.id > lastId) { lastId = message.id; }
    } else if (!catchingUp && socket && socket.readyState === WebSocket.OPEN) {
      catchingUp = true;
      socket.send(JSON.stringify({type: "hello", after: lastId}));
    }
  }

  function markRead() {
    if (socket && socket.readyState === WebSocket.OPEN && document.visibilityState === "visible") {
      socket.send(JSON.stringify({type: "read", up_to: lastId}));
    }
  }

  function acknowledged(clientId, id) {
    var waiting = pending[clientId];
    if (!waiting) { return; }
    delete pending[clientId];
    setState(waiting.item, data.textSent);
    if (!document.getElementById("bericht-" + id)) {
      waiting.item.id = "bericht-" + id;
      waiting.item.dataset.id = id;
    }
  }

  function csrfToken() {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function sendOverHttp(clientId) {
    var waiting = pending[clientId];
    var body = new FormData();
    body.append("body", waiting.body);
    body.append("client_msg_id", clientId);
    return fetch(data.sendUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": csrfToken()}
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.type === "ack") { place(answer.message); acknowledged(clientId, answer.message.id); }
      else { setState(waiting.item, data.textFailed); }
    }).catch(function () { setState(waiting.item, data.textFailed); });
  }

  function sendPending(clientId) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({type: "send", client_msg_id: clientId, body: pending[clientId].body}));
    } else {
      sendOverHttp(clientId);
    }
  }

  function catchUpOverHttp() {
    return fetch(data.sinceUrl + "?after=" + lastId, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        caughtUp(answer.messages);
        if (answer.more) { return catchUpOverHttp(); }  // more than one answer holds: ask on until all is here
      })
      .catch(function () { /* try again at the next poll */ });
  }

  function askForMore() {
    catchingUp = true;
    socket.send(JSON.stringify({type: "hello", after: lastId}));
  }

  function sendAgainLater(clientId) {
    // The server could not store it now (its database was away): the same id again, so it is never stored twice.
    setState(pending[clientId].item, data.textSending);
    window.setTimeout(function () { if (pending[clientId]) { sendPending(clientId); } }, 1000 + Math.random() * 2000);
  }

  function startPolling() {
    if (!pollTimer) { pollTimer = window.setInterval(catchUpOverHttp, 10000); }
  }

  function stopPolling() {
    if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (stopped) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/berichten/" + conversation + "/");
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      showStatus("");
      stopPolling();
      catchingUp = true;
      socket.send(JSON.stringify({type: "hello", after: lastId}));
      Object.keys(pending).forEach(sendPending);
      heartbeat = window.setInterval(function () {
        socket.send(JSON.stringify({type: "ping"}));
        pongTimer = window.setTimeout(function () { socket.close(); }, 10000);
      }, 20000);
    });
    socket.addEventListener("message", function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "pong") { window.clearTimeout(pongTimer); }
      else if (frame.type === "catchup") {
        caughtUp(frame.messages);
        if (frame.more) { askForMore(); } else { markRead(); }
      }
      else if (frame.type === "message") { heard(frame.message); markRead(); }
      else if (frame.type === "ack") { acknowledged(frame.client_msg_id, frame.id); }
      else if (frame.type === "error" && frame.retry && pending[frame.client_msg_id]) {
        sendAgainLater(frame.client_msg_id);
      } else if (frame.type === "error" && pending[frame.client_msg_id]) {
        setState(pending[frame.client_msg_id].item, (frame.errors || []).join(" ") || data.textFailed);
        delete pending[frame.client_msg_id];
      } else if (frame.type === "closed" && form) { form.hidden = true; }
    });
    socket.addEventListener("close", function (event) {
      window.clearInterval(heartbeat);
      window.clearTimeout(pongTimer);
      if (event.code === 4401 || event.code === 4403 || event.code === 4410) {
        stopped = true;  // no longer allowed here: the page says why after a reload
        window.location.reload();
        return;
      }
      showStatus(data.textReconnecting);
      startPolling();
      var wait = Math.min(retryDelay, 30000) * (0.5 + Math.random());
      retryDelay = Math.min(retryDelay * 2, 30000);
      window.setTimeout(connect, wait);
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      var textarea = form.querySelector("textarea");
      var text = textarea.value.trim();
      if (!text) { return; }  // the server explains an empty message on the plain post
      event.preventDefault();
      var clientId = newId();
      var li = item({sender: me, sender_name: "", body: text});
      li.classList.add("mine");
      setState(li, data.textSending);
      log.appendChild(li);
      pending[clientId] = {body: text, item: li};
      textarea.value = "";
      sendPending(clientId);
    });
  }
  document.addEventListener("visibilitychange", markRead);
  connect();
}());
