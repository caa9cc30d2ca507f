// 大字模式 (senior mode): larger type, larger buttons, stronger contrast. Loaded in <head> so a page opened in senior
// mode is drawn large from the first paint; the choice is kept in localStorage for the next visit.
(function () {
  "use strict";
  const KEY = "anju.senior";
  const root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY) === "1"; } catch (err) { return false; }
  }

  function apply(on) {
    root.classList.toggle("senior", on);
    const button = document.getElementById("senior");
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      const state = button.querySelector(".state");
      if (state) state.textContent = on ? "：已打开" : "";
    }
  }

  apply(stored());
  document.addEventListener("DOMContentLoaded", () => {
    apply(stored());
    const button = document.getElementById("senior");
    if (!button) return;
    button.addEventListener("click", () => {
      const on = !root.classList.contains("senior");
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (err) { /* private mode: this page only */ }
      apply(on);
    });
  });
})();
