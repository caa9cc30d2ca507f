// /calc: a 打印这份估算 button instead of "use the browser's menu" (shown only where scripts run; print CSS keeps
// only the estimate).
(function () {
  "use strict";
  const button = document.getElementById("print");
  if (!button || typeof window.print !== "function") return;
  const how = document.getElementById("print-how");
  button.hidden = false;
  if (how) how.textContent = "只打印这份估算，不打印上面的表单。";
  button.addEventListener("click", () => window.print());
})();
