// Web chat client: POST /api/chat, render replies as bubbles with large buttons, each with a 朗读 (read aloud)
// button; the conversation is kept in localStorage and shown again after a reload. Text is never parsed as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const KEY = "anju.session";
  const AFTER_KEY = "anju.after";
  const HISTORY_KEY = "anju.history";
  const HISTORY_MAX = 200;
  const POLL_MS = 4000;
  let session = localStorage.getItem(KEY) || "";
  let after = Number(localStorage.getItem(AFTER_KEY) || 0) || 0;
  let counter = 0;

  function messageId() {
    counter += 1;
    return Date.now().toString(36) + "-" + counter + "-" + Math.random().toString(36).slice(2, 8);
  }

  // the conversation as shown, kept in this browser so a reload (or a closed tab) shows it again
  function loadHistory() {
    try {
      const saved = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((e) => e && typeof e.who === "string" && typeof e.text === "string") : [];
    } catch (err) {
      return [];
    }
  }

  let history = loadHistory();

  function remember(entry) {
    if (entry.who.indexOf("notice") >= 0) return; // "network is slow" and the like: not worth showing again
    history.push(entry);
    if (history.length > HISTORY_MAX) history = history.slice(-HISTORY_MAX);
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
    } catch (err) {
      // storage full or private mode: the conversation still works, it just is not restored
    }
  }

  // 朗读: the browser reads the answer aloud (speech synthesis in Chinese); tapped again, it stops
  const speech = "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
  let speaking = null;

  function stopReading() {
    if (speaking) {
      speaking.textContent = "朗读";
      speaking.setAttribute("aria-pressed", "false");
      speaking = null;
    }
  }

  function readAloud(button, text) {
    const again = speaking === button;
    window.speechSynthesis.cancel();
    stopReading();
    if (again) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "zh-CN";
    utterance.rate = 0.9;
    const voice = window.speechSynthesis.getVoices().find((v) => /^zh[-_]CN/i.test(v.lang));
    if (voice) utterance.voice = voice;
    utterance.onend = utterance.onerror = () => { if (speaking === button) stopReading(); };
    speaking = button;
    button.textContent = "停止朗读";
    button.setAttribute("aria-pressed", "true");
    window.speechSynthesis.speak(utterance);
  }

  function show(entry) {
    const row = document.createElement("div");
    row.className = "msg " + entry.who;
    const b = document.createElement("div");
    b.className = "bubble";
    for (const [i, line] of entry.text.split("\n").entries()) {
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
    if (speech && entry.who.startsWith("bot") && entry.text.trim()) {
      const tools = document.createElement("div");
      tools.className = "tools";
      const read = document.createElement("button");
      read.type = "button";
      read.className = "read-aloud";
      read.textContent = "朗读";
      read.setAttribute("aria-pressed", "false");
      read.addEventListener("click", () => readAloud(read, entry.text));
      tools.appendChild(read);
      row.appendChild(tools);
    }
    // pages of this site (e.g. /calc with the resident's answers): a path only, never another site
    const links = (entry.links || []).filter((l) => l && typeof l.href === "string" && /^\/(?!\/)/.test(l.href));
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
    const buttons = (entry.buttons || []).filter((btn) => btn && typeof btn.id === "string");
    if (buttons.length) {
      const box = document.createElement("div");
      box.className = "buttons";
      for (const btn of buttons) {
        const el = document.createElement("button");
        el.type = "button";
        el.textContent = btn.label;
        el.dataset.id = btn.id;
        el.addEventListener("click", () => send({ button: btn.id }, btn.label));
        box.appendChild(el);
      }
      row.appendChild(box);
    }
    log.appendChild(row);
    return row;
  }

  function bubble(who, text) {
    const entry = { who: who, text: text };
    remember(entry);
    return show(entry);
  }

  function render(reply) {
    const entry = { who: "bot", text: reply.text || "", links: reply.links || [], buttons: reply.buttons || [] };
    remember(entry);
    show(entry);
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
    toBottom();
    checkResults(); // binding a household happens in the conversation
  }

  // 分户补偿结果 (条例第二十九条): shown only to a resident bound to a household of a project whose results are
  // published; the link carries a token for this session's resident, good for an hour, so each tap asks for a new one
  const resultsLink = document.getElementById("results-link");

  async function resultsHref() {
    if (!session) return "";
    try {
      const res = await fetch("/api/chat/results", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session: session }),
      });
      if (!res.ok) return "";
      const data = await res.json();
      return typeof data.href === "string" && /^\/results\/[a-z0-9_-]+\?/.test(data.href) ? data.href : "";
    } catch (err) {
      return "";
    }
  }

  async function checkResults() {
    const href = await resultsHref();
    if (href) resultsLink.href = href;
    resultsLink.hidden = !href;
  }

  resultsLink.addEventListener("click", async (e) => {
    e.preventDefault();
    const href = await resultsHref();
    if (href) {
      window.location.assign(href);
    } else {
      resultsLink.hidden = true;
      bubble("bot notice", "分户补偿结果只向已绑定房屋的被征收人公布，而且要在县征收部门公布之后才能查看。");
    }
  });

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
      if (replies.length) toBottom();
    } catch (err) {
      // offline for a moment: the next poll catches up
    } finally {
      polling = false;
    }
  }

  function toBottom() {
    log.scrollTop = log.scrollHeight;
    window.scrollTo(0, document.body.scrollHeight);
  }

  // 清除记录: on a shared phone, the next person sees nothing of this conversation (it starts afresh, new session)
  document.getElementById("forget").addEventListener("click", () => {
    window.speechSynthesis && window.speechSynthesis.cancel();
    stopReading();
    history = [];
    session = "";
    after = 0;
    for (const key of [HISTORY_KEY, KEY, AFTER_KEY]) localStorage.removeItem(key);
    log.textContent = "";
    send({ text: "", start: true });
  });

  // /chat?bind=CODE (the QR code on a household's binding-code sheet): the code goes to the 绑定我家 flow, which
  // asks for consent before it is tried; the address bar forgets it at once (the server keeps only its hash)
  const query = new URLSearchParams(window.location.search);
  const bindCode = (query.get("bind") || "").replace(/[^0-9]/g, "").slice(0, 32);
  if (query.has("bind")) {
    query.delete("bind");
    const rest = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
  }
  function openBinding() {
    if (bindCode) return send({ button: "bind:open:" + bindCode }, "绑定我家");
  }

  // a reload shows the conversation again and carries on with the same session; a first visit gets the welcome
  if (session && history.length) {
    for (const entry of history) show(entry);
    toBottom();
    poll();
    checkResults();
    openBinding();
  } else {
    history = [];
    send({ text: "", start: true }).then(openBinding).then(poll);
  }
  setInterval(poll, POLL_MS);
})();
