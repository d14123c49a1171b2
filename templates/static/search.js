/* Search for a briefing site, run by search.html, offline and from file://.
 *
 * The index (searchindex.js, built with the site; its format is described
 * in briefing's src/render/search.rs) is a script that sets
 * window.briefingSearchIndex. It is loaded when first needed by a <script>
 * element, not fetched, so it works from file:// too. Queries go through
 * elasticlunr.js's English pipeline (tokenizer, trimmer, stop words,
 * stemmer), the one the index was built with. A query word matches the
 * indexed words it begins (so a word being typed matches), and a result
 * holds every word of the query.
 *
 * Text from the index reaches the page only as text nodes, never as HTML.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.search-form");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var root = form.getAttribute("data-root") || "";
  var LIMIT = 50;
  var TITLE_BOOST = 3;
  /* The page's words (data-say-* on the form, in the briefing's
   * language), each `{name}` replaced by its value. */
  function message(name, values) {
    var text = form.getAttribute("data-say-" + name) || "";
    Object.keys(values || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(values[k]);
    });
    return text;
  }
  var nojs = document.getElementById("search-nojs");
  if (nojs) nojs.hidden = true;

  var index = null;
  var failed = false;
  var waiting = [];

  /* Loads searchindex.js once, then calls `then`. */
  function load(then) {
    if (index) return then();
    if (failed) return;
    waiting.push(then);
    if (waiting.length > 1) return;
    say(message("loading"));
    var script = document.createElement("script");
    script.src = form.getAttribute("data-index");
    script.onload = function () {
      var raw = window.briefingSearchIndex;
      if (!raw || raw.v !== 1) return broken();
      index = prepare(raw);
      var todo = waiting;
      waiting = [];
      todo.forEach(function (f) { f(); });
    };
    script.onerror = broken;
    document.head.appendChild(script);
  }

  function broken() {
    failed = true;
    say(message("broken", { index: form.getAttribute("data-index") }));
  }

  /* The documents as objects; posting lists stay encoded until a query
   * needs them. */
  function prepare(raw) {
    var docs = [];
    var source = null;
    raw.docs.forEach(function (d) {
      if (d.length === 2) {
        docs.push({
          kind: source.kind,
          where: "paragraph " + d[0],
          title: source.title,
          url: source.url + "#p-" + d[0],
          text: d[1]
        });
        return;
      }
      var kind = raw.kinds[d[0]];
      var doc = { kind: kind[0], where: "", title: d[2], url: kind[1] + "/" + d[1] + ".html", text: d[3] };
      if (d[0] === raw.kinds.length - 1) source = doc;
      docs.push(doc);
    });
    return {
      docs: docs,
      terms: raw.terms ? raw.terms.split(" ") : [],
      postings: raw.postings,
      decoded: {}
    };
  }

  /* Base-32 numbers, least significant digit first: LAST ends a number,
   * MORE says more digits follow. */
  var LAST = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
  var MORE = "WXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var i = 0; i < 32; i++) {
    DIGIT[LAST.charAt(i)] = { value: i, last: true };
    DIGIT[MORE.charAt(i)] = { value: i, last: false };
  }

  function numbers(s) {
    var out = [];
    var n = 0;
    var scale = 1;
    for (var i = 0; i < s.length; i++) {
      var d = DIGIT[s.charAt(i)];
      n += d.value * scale;
      if (d.last) {
        out.push(n);
        n = 0;
        scale = 1;
      } else {
        scale *= 32;
      }
    }
    return out;
  }

  /* A term's documents: flat [doc, count in text, in title, …]. */
  function postings(term) {
    var done = index.decoded[term];
    if (done) return done;
    var nums = numbers(index.postings[term]);
    var out = [];
    var doc = -1;
    for (var i = 0; i < nums.length; ) {
      var v = nums[i++];
      doc += Math.floor(v / 2) + 1;
      var count = 1;
      var title = false;
      if (v % 2 === 1) {
        var w = nums[i++];
        count = Math.floor(w / 2);
        title = w % 2 === 1;
      }
      out.push(doc, count, title);
    }
    index.decoded[term] = out;
    return out;
  }

  var lunr = window.elasticlunr;

  /* The query's words, as the index's pipeline makes them: {raw, stem}. */
  function queryWords(q) {
    var out = [];
    var seen = {};
    var words = lunr ? lunr.tokenizer(q) : q.toLowerCase().split(/[\s\-]+/);
    words.forEach(function (w) {
      var raw = w.replace(/^\W+/, "").replace(/\W+$/, "");
      if (!raw) return;
      if (lunr && !lunr.stopWordFilter(raw)) return;
      var stem = lunr ? lunr.stemmer(raw) : raw;
      if (seen[stem]) return;
      seen[stem] = true;
      out.push({ raw: raw, stem: stem });
    });
    return out;
  }

  /* The first index in the sorted `terms` not before `x`. */
  function lowerBound(terms, x) {
    var lo = 0;
    var hi = terms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (terms[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /* The terms a query word matches: {term, weight}. Whole words weigh
   * more than words it only begins. */
  function expand(word) {
    var found = {};
    var out = [];
    [word.stem, word.raw].forEach(function (prefix) {
      var terms = index.terms;
      for (var t = lowerBound(terms, prefix); t < terms.length; t++) {
        var term = terms[t];
        if (term.lastIndexOf(prefix, 0) !== 0) break;
        var exact = term === word.stem || term === word.raw;
        if (!exact && prefix.length < 2) continue;
        if (!found[t]) {
          found[t] = true;
          out.push({ term: t, weight: exact ? 1 : 0.5 });
        }
      }
    });
    return out;
  }

  /* Documents holding every word of the query, best first. */
  function search(words) {
    var docs = index.docs;
    var scores = null;
    words.forEach(function (word) {
      var these = new Map();
      expand(word).forEach(function (m) {
        var p = postings(m.term);
        var idf = Math.log(1 + docs.length / (p.length / 3));
        for (var i = 0; i < p.length; i += 3) {
          var d = p[i];
          var length = Math.sqrt(1 + docs[d].text.length / 600);
          var s = m.weight * idf * (Math.sqrt(p[i + 1]) / length + (p[i + 2] ? TITLE_BOOST : 0));
          these.set(d, (these.get(d) || 0) + s);
        }
      });
      if (scores === null) {
        scores = these;
      } else {
        var both = new Map();
        scores.forEach(function (s, d) {
          if (these.has(d)) both.set(d, s + these.get(d));
        });
        scores = both;
      }
    });
    var results = [];
    if (scores) scores.forEach(function (s, d) { results.push({ doc: d, score: s }); });
    results.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    return results;
  }

  /* Whether a word of a document matches a query word. */
  function matches(word, words) {
    var lower = word.toLowerCase();
    var stem = lunr ? lunr.stemmer(lower) : lower;
    return words.some(function (w) {
      if (stem === w.stem || lower === w.raw) return true;
      if (w.stem.length < 2) return false;
      return stem.lastIndexOf(w.stem, 0) === 0 || lower.lastIndexOf(w.raw, 0) === 0 ||
        lower.lastIndexOf(w.stem, 0) === 0;
    });
  }

  /* The words of `text` (split as the tokenizer does) with the span to
   * highlight in each that matches. */
  function words(text, query) {
    var out = [];
    var re = /[^\s\-]+/g;
    var m;
    while ((m = re.exec(text))) {
      var w = m[0];
      var core = w.replace(/^\W+/, "");
      var lead = w.length - core.length;
      core = core.replace(/\W+$/, "");
      var hit = core && matches(core, query);
      out.push({
        start: m.index,
        end: m.index + w.length,
        mark: hit ? [m.index + lead, m.index + lead + core.length] : null
      });
    }
    return out;
  }

  /* Appends text[from, to) to `parent`, with the matching words in <mark>. */
  function appendMarked(parent, text, list, from, to) {
    var at = from;
    list.forEach(function (w) {
      if (!w.mark || w.mark[0] < from || w.mark[1] > to) return;
      if (w.mark[0] > at) parent.appendChild(document.createTextNode(text.slice(at, w.mark[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(w.mark[0], w.mark[1]);
      parent.appendChild(mark);
      at = w.mark[1];
    });
    if (at < to) parent.appendChild(document.createTextNode(text.slice(at, to)));
  }

  /* About forty words of the text around its first match. */
  function snippet(text, query) {
    var list = words(text, query);
    if (!list.length) return null;
    var first = 0;
    for (var i = 0; i < list.length; i++) {
      if (list[i].mark) {
        first = i;
        break;
      }
    }
    var start = Math.max(0, first - 12);
    var end = Math.min(list.length, start + 40);
    var p = document.createElement("p");
    p.className = "search-snippet";
    if (start > 0) p.appendChild(document.createTextNode("… "));
    appendMarked(p, text, list, list[start].start, list[end - 1].end);
    if (end < list.length) p.appendChild(document.createTextNode(" …"));
    return p;
  }

  function say(text) {
    status.textContent = text;
  }

  function show(q) {
    list.textContent = "";
    var query = queryWords(q);
    if (!q.trim()) return say("");
    if (!query.length) return say(message("no-words", { q: q }));
    var results = search(query);
    var n = results.length;
    say(n === 0 ? message("none", { q: q }) :
      n === 1 ? message("one", { q: q }) :
      n > LIMIT ? message("many-cut", { n: n, q: q, limit: LIMIT }) :
      message("many", { n: n, q: q }));
    results.slice(0, LIMIT).forEach(function (r) {
      var d = index.docs[r.doc];
      var li = document.createElement("li");
      li.className = "search-result";
      var kind = document.createElement("span");
      kind.className = "search-kind";
      kind.textContent = d.where ? d.kind + ", " + d.where : d.kind;
      var heading = document.createElement("p");
      heading.className = "search-title";
      var a = document.createElement("a");
      a.href = root + d.url;
      appendMarked(a, d.title, words(d.title, query), 0, d.title.length);
      heading.appendChild(a);
      li.appendChild(heading);
      li.appendChild(kind);
      var s = snippet(d.text, query);
      if (s) li.appendChild(s);
      list.appendChild(li);
    });
  }

  function remember(q) {
    try {
      history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
    } catch (e) {
      /* Some browsers refuse this on file:// pages; the results stay. */
    }
  }

  var timer = null;
  function run(now) {
    clearTimeout(timer);
    var q = input.value;
    timer = setTimeout(function () {
      if (!q.trim()) {
        list.textContent = "";
        say("");
        remember("");
        return;
      }
      load(function () {
        if (input.value !== q) return;
        show(q);
        remember(q);
      });
    }, now ? 0 : 150);
  }

  input.addEventListener("input", function () { run(false); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    run(true);
  });

  var q = "";
  try {
    q = new URLSearchParams(location.search).get("q") || "";
  } catch (e) {
    q = "";
  }
  if (q) {
    input.value = q;
    run(true);
  }
})();
