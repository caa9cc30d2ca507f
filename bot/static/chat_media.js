// Web chat photos and hold-to-talk voice: POST /api/chat/photo and /api/chat/voice (multipart), replies shown as
// for typed messages. Recording uses MediaRecorder; the button shows only where the browser can record.
(function () {
  "use strict";
  const chat = window.anjuChat;
  const photo = document.getElementById("photo");
  const talk = document.getElementById("talk");
  if (!chat) return;

  async function upload(path, file, name, shown) {
    if (shown) chat.bubble("me", shown);
    const form = new FormData();
    form.append("session", chat.session() || "");
    form.append("id", chat.messageId());
    form.append("file", file, name);
    try {
      const res = await fetch(path, { method: "POST", body: form });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        chat.bubble("bot notice", data.error || "系统繁忙，请稍后再试。");
        return;
      }
      chat.receive(data);
    } catch (err) {
      chat.bubble("bot notice", "网络不太好，请稍后再试。");
    }
  }

  photo.addEventListener("change", () => {
    const file = photo.files && photo.files[0];
    photo.value = "";
    if (file) upload("/api/chat/photo", file, file.name || "photo.jpg", "［图片］");
  });

  if (!talk || !(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;
  talk.hidden = false;
  let recorder = null;
  let chunks = [];

  async function start(e) {
    e.preventDefault();
    if (recorder) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      chat.bubble("bot notice", "没有得到使用麦克风的许可。请打字告诉我。");
      return;
    }
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (ev) => { if (ev.data && ev.data.size) chunks.push(ev.data); });
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((t) => t.stop());
      const type = recorder.mimeType || "audio/webm";
      recorder = null;
      talk.textContent = "按住说话";
      talk.classList.remove("recording");
      if (!chunks.length) return;
      const blob = new Blob(chunks, { type: type });
      upload("/api/chat/voice", blob, type.indexOf("ogg") >= 0 ? "voice.ogg" : type.indexOf("mp4") >= 0 ? "voice.mp4" : "voice.webm", "［语音］");
    });
    recorder.start();
    talk.textContent = "松开发送";
    talk.classList.add("recording");
  }

  function stop(e) {
    e.preventDefault();
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  talk.addEventListener("pointerdown", start);
  talk.addEventListener("pointerup", stop);
  talk.addEventListener("pointerleave", stop);
  talk.addEventListener("pointercancel", stop);
})();
