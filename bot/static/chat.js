// Web chat client: POST /api/chat, render replies as bubbles with large buttons. Text is never parsed as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const KEY = "anju.session";
  const AFTER_KEY = "anju.after";
  const POLL_MS = 4000;
  let session = localStorage.getItem(KEY) || "";
  let after = Number(localStorage.getItem(AFTER_KEY) || 0) || 0;
  let counter = 0;

  function messageId() {
    counter += 1;
    return Date.now().toString(36) + "-" + counter + "-" + Math.random().toString(36).slice(2, 8);
  }

  function bubble(who, text) {
    const row = document.createElement("div");
    row.className = "msg " + who;
    const b = document.createElement("div");
    b.className = "bubble";
    for (const [i, line] of text.split("\n").entries()) {
      if (line.startsWith("依据：")) {
        const s = document.createElement("span");
        s.className = "source";
        s.textContent = line;
        b.appendChild(s);
      } else {
        b.appendChild(document.createTextNode((i ? "\n" : "") + line));
      }
    }
    row.appendChild(b);
    log.appendChild(row);
    return row;
  }

  function render(reply) {
    const row = bubble("bot", reply.text);
    // pages of this site (e.g. /calc with the resident's answers): a path only, never another site
    const links = (reply.links || []).filter((l) => typeof l.href === "string" && /^\/(?!\/)/.test(l.href));
    if (links.length) {
      const box = document.createElement("div");
      box.className = "links";
      for (const link of links) {
        const a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.label;
        box.appendChild(a);
      }
      row.appendChild(box);
    }
    if (reply.buttons && reply.buttons.length) {
      const box = document.createElement("div");
      box.className = "buttons";
      for (const btn of reply.buttons) {
        const el = document.createElement("button");
        el.type = "button";
        el.textContent = btn.label;
        el.dataset.id = btn.id;
        el.addEventListener("click", () => send({ button: btn.id }, btn.label));
        box.appendChild(el);
      }
      row.appendChild(box);
    }
  }

  async function post(body) {
    const res = await fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || "系统繁忙，请稍后再试。");
    return data;
  }

  async function send(payload, shown) {
    if (shown) bubble("me", shown);
    const body = Object.assign({ session: session, id: messageId() }, payload);
    let data;
    try {
      data = await post(body);
    } catch (err) {
      try {
        data = await post(body); // same id: the server answers a retry only once
      } catch (err2) {
        bubble("bot notice", err2.message || "网络不太好，请稍后再试。");
        return;
      }
    }
    receive(data);
  }

  function receive(data) {
    if (data.session && data.session !== session) {
      session = data.session;
      localStorage.setItem(KEY, session);
      after = 0;
      localStorage.setItem(AFTER_KEY, "0");
    }
    for (const r of data.replies || []) render(r);
    log.scrollTop = log.scrollHeight;
    window.scrollTo(0, document.body.scrollHeight);
  }

  // for chat_media.js (photos, hold-to-talk): the session, the message ids, and how replies are shown
  window.anjuChat = { session: () => session, messageId: messageId, bubble: bubble, receive: receive };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });

  // replies from staff (and notices about the resident's cases) arrive through the outbox: poll for them
  let polling = false;
  async function poll() {
    if (!session || polling) return;
    polling = true;
    try {
      const url = "/api/chat/updates?session=" + encodeURIComponent(session) + "&after=" + after;
      const res = await fetch(url, { cache: "no-store" });
      if (!res.ok) return;
      const data = await res.json();
      const replies = data.replies || [];
      for (const r of replies) render(r);
      if (typeof data.last === "number" && data.last > after) {
        after = data.last;
        localStorage.setItem(AFTER_KEY, String(after));
      }
      if (replies.length) {
        log.scrollTop = log.scrollHeight;
        window.scrollTo(0, document.body.scrollHeight);
      }
    } catch (err) {
      // offline for a moment: the next poll catches up
    } finally {
      polling = false;
    }
  }

  send({ text: "", start: true }).then(poll);
  setInterval(poll, POLL_MS);
})();
