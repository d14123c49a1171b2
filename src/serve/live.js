// Live reload for `briefing serve`. Injected by the server only; the files
// on disk are exactly what `briefing build` writes.
(function () {
  "use strict";
  var seen = null;
  var overlay = null;
  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "briefing-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:1.5rem;" +
        "background:rgba(20,20,20,.94);color:#f6f6f6;font:14px/1.45 ui-monospace,monospace";
      var title = document.createElement("p");
      title.textContent = "briefing: the content has errors. The last good build is shown underneath; fix and save to continue.";
      title.style.cssText = "margin:0 0 1rem;font-weight:bold;color:#ff8a80";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      overlay.appendChild(title);
      overlay.appendChild(pre);
      document.body.appendChild(overlay);
    }
    overlay.lastChild.textContent = text;
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  var source = new EventSource("/__briefing/events");
  source.addEventListener("state", function (e) {
    var state = JSON.parse(e.data);
    if (state.problems) { show(state.problems); return; }
    hide();
    if (seen === null) { seen = state.generation; return; }
    if (state.generation !== seen) { location.reload(); }
  });
})();
