/* Quote context for a briefing site: hovering or focusing a citation link
 * (a.cite-ref, "[1]" after a claim) shows the quoted words inside their
 * sentence in the source, and the source's title, without leaving the page.
 *
 * The build puts the source's words just before and after the quote in the
 * link's data-before and data-after; the quote itself is the <q> of the
 * claim's evidence item with the same number. Without this script nothing
 * changes: the link goes to the highlighted passage of the source.
 *
 * The tooltip (role="tooltip", tied to the link by aria-describedby) hides
 * on mouseleave, blur and Escape, and stays while the pointer is over it.
 * Text reaches the page only as text nodes, never as HTML.
 */
(function () {
  "use strict";

  var links = document.querySelectorAll("a.cite-ref");
  if (!links.length) return;
  var ID = "cite-context";
  var MARGIN = 8;
  var GAP = 10;
  var tip = null;
  var current = null;
  var timer = null;

  /* What to show for a link: {before, exact, after, source}, or null when
   * its citation has no quote. */
  function contextOf(a) {
    var claim = a.closest(".claim");
    if (!claim) return null;
    var refs = a.parentNode.querySelectorAll("a.cite-ref");
    var n = Array.prototype.indexOf.call(refs, a);
    var items = claim.querySelectorAll(":scope > details.evidence > ol > li");
    var item = items[n];
    var q = item && item.querySelector("q");
    if (!q) return null;
    var source = item.querySelector("a");
    var caveat = item.querySelector(".caveat");
    return {
      before: a.getAttribute("data-before") || "",
      exact: q.textContent.replace(/\s+/g, " ").trim(),
      after: a.getAttribute("data-after") || "",
      source: (source ? source.textContent : "") + (caveat ? " · " + caveat.textContent : "")
    };
  }

  function element(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.textContent = text;
    return e;
  }

  function show(a) {
    clearTimeout(timer);
    if (current === a) return;
    var c = contextOf(a);
    if (!c) return hide();
    if (current) hide();
    if (!tip) {
      tip = element("div", "cite-context");
      tip.id = ID;
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      tip.addEventListener("mouseenter", function () { clearTimeout(timer); });
      tip.addEventListener("mouseleave", later);
      // In the page's main landmark, positioned over the whole document.
      (document.querySelector("main") || document.body).appendChild(tip);
    }
    tip.textContent = "";
    var text = element("p", "cite-context-text");
    if (c.before) text.appendChild(document.createTextNode(c.before));
    text.appendChild(element("mark", "", c.exact));
    if (c.after) text.appendChild(document.createTextNode(c.after));
    tip.appendChild(text);
    if (c.source) tip.appendChild(element("p", "cite-context-source", c.source));
    current = a;
    // The tooltip replaces the browser's own (the source's title).
    if (a.hasAttribute("title")) {
      a.setAttribute("data-title", a.getAttribute("title"));
      a.removeAttribute("title");
    }
    a.setAttribute("aria-describedby", ID);
    tip.hidden = false;
    place();
  }

  function hide() {
    clearTimeout(timer);
    if (!current) return;
    tip.hidden = true;
    current.removeAttribute("aria-describedby");
    if (current.hasAttribute("data-title")) {
      current.setAttribute("title", current.getAttribute("data-title"));
      current.removeAttribute("data-title");
    }
    current = null;
  }

  /* Hides after a moment, so the pointer can move onto the tooltip. */
  function later() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (current && !current.matches(":focus") && !tip.matches(":hover")) hide();
    }, 150);
  }

  /* Under the link (over it if there is no room below), inside the viewport. */
  function place() {
    var vw = document.documentElement.clientWidth;
    var vh = window.innerHeight;
    tip.style.left = "0px";
    tip.style.top = "0px";
    tip.style.maxWidth = Math.min(480, vw - 2 * MARGIN) + "px";
    var r = current.getBoundingClientRect();
    var w = tip.offsetWidth;
    var h = tip.offsetHeight;
    var left = Math.max(MARGIN, Math.min(r.left - 16, vw - w - MARGIN));
    // A superscript link's box ends above its line's descenders: clear them.
    var top = r.bottom + GAP;
    if (top + h > vh - MARGIN && r.top - GAP / 2 - h >= MARGIN) top = r.top - GAP / 2 - h;
    tip.style.left = Math.round(left + window.pageXOffset) + "px";
    tip.style.top = Math.round(top + window.pageYOffset) + "px";
  }

  Array.prototype.forEach.call(links, function (a) {
    a.addEventListener("mouseenter", function () { show(a); });
    a.addEventListener("mouseleave", later);
    a.addEventListener("focus", function () { show(a); });
    a.addEventListener("blur", function () {
      if (current === a && !a.matches(":hover")) hide();
    });
  });
  document.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && current) hide();
  });
  window.addEventListener("resize", function () {
    if (current) place();
  });
})();
