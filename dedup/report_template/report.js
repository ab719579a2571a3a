/* dedup review report: draws the page from the JSON in #dedup-data. Every text and id from the data is
   inserted as a text node or an attribute value (never as markup), so a document holding HTML shows as text. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("dedup-data").textContent);
  var META = DATA.meta, DOCS = DATA.docs, CLUSTERS = DATA.clusters;
  var CHUNK = 50;
  var KINDS = ["figure", "name", "word", "reworded", "cut", "added", "noise"];
  var KIND_HELP = {
    noise: "OCR damage, typos, punctuation: reads the same",
    cut: "at the start or end of one text only (a shorter copy, a dateline or sign-off)",
    added: "inside one text only (a paragraph more or less)",
    figure: "other numbers in place of numbers",
    name: "other names in place of names",
    word: "other words in place of words",
    reworded: "a passage moved or rephrased"
  };

  // -- small DOM helpers (text only) -------------------------------------------------------------------------
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null) continue;
        if (k === "class") e.className = attrs[k];
        else if (k === "text") e.textContent = attrs[k];
        else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
        else e.setAttribute(k, String(attrs[k]));
      }
    }
    for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
    return e;
  }
  function add(parent, child) {
    if (child == null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(parent, c); }); return; }
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    if (text != null) e.textContent = String(text);
    return e;
  }
  function fmt(x, d) { return x == null ? "?" : Number(x).toFixed(d == null ? 3 : d); }
  function num(n) { return Number(n).toLocaleString("en-US"); }
  function pct(x) { return Math.round(x * 100) + "%"; }

  // -- per-cluster facts for filtering -----------------------------------------------------------------------
  CLUSTERS.forEach(function (c, i) {
    c.index = i;
    var lo = 1, hi = 0, kinds = {}, facts = 0, nomatch = false;
    c.members.forEach(function (m) {
      lo = Math.min(lo, m.s); hi = Math.max(hi, m.s);
      if (m.m === false) nomatch = true;
      m.kinds = {};
      if (m.al) m.al.df.forEach(function (d) {
        m.kinds[d[4]] = (m.kinds[d[4]] || 0) + 1;
        kinds[d[4]] = (kinds[d[4]] || 0) + 1;
        facts += d[5];
      });
    });
    c.lo = c.members.length ? lo : 1; c.hi = c.members.length ? hi : 1; c.kinds = kinds; c.facts = facts; c.nomatch = nomatch;
  });
  function lowered(k) {
    var d = DOCS[k];
    if (d.lc == null) d.lc = (d.id + "\n" + (d.t || "") + "\n" + (d.raw || "")).toLowerCase();
    return d.lc;
  }

  // -- header, counts, parameters ----------------------------------------------------------------------------
  function drawHeader() {
    document.title = META.title;
    add(document.getElementById("top"), [
      el("h1", { text: META.title }),
      el("div", { class: "sub", text: META.source + " \u00b7 dedup " + META.version + " \u00b7 " + META.created })
    ]);
    var cards = el("div", { class: "cards" });
    Object.keys(META.counts).forEach(function (k) {
      add(cards, el("div", { class: "card" }, el("b", { text: num(META.counts[k]) }), el("span", { text: k })));
    });
    var rows = Object.keys(META.params).map(function (k) {
      return el("tr", null, el("td", { text: k }), el("td", { text: JSON.stringify(META.params[k]) }));
    });
    var params = el("details", { class: "params" }, el("summary", { text: "Matching parameters (used for every explanation)" }),
      el("table", null, el("tbody", null, rows)));
    var s = META.shown;
    var what = META.mode === "dropped" ? " stored documents that dropped ones repeat" : " clusters with duplicates";
    var note = "This page shows " + num(s.clusters) + " of the run's " + num(s.of) + what + ": the " +
      num(s.largest) + " largest" + (s.sampled ? " and " + num(s.sampled) + " drawn at random from the rest" : "") +
      " (caps: " + num(s.max_clusters) + " largest + a sample of " + num(s.sample) + ", " + num(s.max_members) +
      " members per cluster, least similar first, " + num(s.max_chars) + " characters per text, " + s.max_mb + " MB of data" +
      (s.stopped_at_mb ? ", reached" : "") + "). Counts and histograms cover the whole run.";
    add(document.getElementById("overview"), [cards, params, el("p", { class: "shown-note", text: note })]);
  }

  // -- histograms ----------------------------------------------------------------------------------------
  var SIZE_BINS = [[2, 2], [3, 3], [4, 4], [5, 5], [6, 10], [11, 20], [21, 50], [51, 100], [101, 1000], [1001, Infinity]];
  function sizeBins() {
    var bins = SIZE_BINS.map(function (b) {
      return { lo: b[0], hi: b[1], count: 0, label: b[0] === b[1] ? String(b[0]) : b[1] === Infinity ? b[0] + "+" : b[0] + "\u2013" + b[1] };
    });
    DATA.hist.sizes.forEach(function (sc) {
      for (var i = 0; i < bins.length; i++) if (sc[0] >= bins[i].lo && sc[0] <= bins[i].hi) { bins[i].count += sc[1]; break; }
    });
    var last = 3;
    bins.forEach(function (b, i) { if (b.count) last = Math.max(last, i); });
    return bins.slice(0, last + 1);
  }
  function chart(title, xlabel, bins, onPick) {
    var W = 460, H = 190, L = 8, R = 8, T = 18, B = 34;
    var max = Math.max.apply(null, bins.map(function (b) { return b.count; }).concat([1]));
    var s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title });
    var bw = (W - L - R) / bins.length;
    bins.forEach(function (b, i) {
      var h = b.count ? Math.max(2, (H - T - B) * b.count / max) : 0;
      var x = L + i * bw, y = H - B - h;
      var r = svg("rect", { class: "bar", x: x + 2, y: y, width: Math.max(1, bw - 4), height: h, "data-bin": i });
      r.appendChild(svg("title", {}, b.label + ": " + num(b.count)));
      r.addEventListener("click", function () { onPick(b, r); });
      s.appendChild(r);
      if (b.count) s.appendChild(svg("text", { class: "val", x: x + bw / 2, y: y - 3, "text-anchor": "middle" }, num(b.count)));
      if (bins.length <= 12 || i % 2 === 0) s.appendChild(svg("text", { x: x + bw / 2, y: H - B + 13, "text-anchor": "middle" }, b.label));
    });
    s.appendChild(svg("line", { x1: L, x2: W - R, y1: H - B + 0.5, y2: H - B + 0.5, stroke: "#c3ccd5" }));
    s.appendChild(svg("text", { x: W / 2, y: H - 4, "text-anchor": "middle" }, xlabel));
    return el("div", { class: "chart" }, el("h2", { text: title }), s);
  }
  function drawCharts() {
    var box = document.getElementById("charts");
    var sb = sizeBins();
    add(box, chart("Cluster sizes (clusters with duplicates, whole run)", "documents in the cluster", sb, function (b, r) {
      toggleBar(r, function (on) { setRange("size", on ? b.lo : "", on ? (b.hi === Infinity ? "" : b.hi) : ""); });
    }));
    var simb = DATA.hist.similarity.map(function (x) { return { lo: x[0], hi: x[1], count: x[2], label: fmt(x[0], 2) }; });
    add(box, chart("Similarity of each duplicate to its match (whole run)", "similarity (max of Jaccard, containment)", simb, function (b, r) {
      toggleBar(r, function (on) { setRange("sim", on ? b.lo : "", on ? b.hi : ""); });
    }));
  }
  function toggleBar(rect, apply) {
    var on = !rect.classList.contains("on");
    rect.ownerSVGElement.querySelectorAll(".bar.on").forEach(function (x) { x.classList.remove("on"); });
    if (on) rect.classList.add("on");
    apply(on);
  }

  // -- filters -------------------------------------------------------------------------------------------
  var controls = {};
  function drawControls() {
    var box = document.getElementById("controls");
    function numberInput(name, attrs) {
      controls[name] = el("input", Object.assign({ type: "number", id: "f-" + name, oninput: refreshSoon }, attrs));
      return controls[name];
    }
    controls.q = el("input", { type: "search", id: "f-q", placeholder: "Search ids and texts\u2026", oninput: refreshSoon, "aria-label": "search" });
    controls.kind = el("select", { id: "f-kind", onchange: refresh },
      el("option", { value: "", text: "any" }),
      el("option", { value: "facts", text: "changed facts (counted)" }),
      el("option", { value: "nomatch", text: "a member not matching the representative" }),
      KINDS.map(function (k) { return el("option", { value: k, text: k }); }));
    controls.sort = el("select", { id: "f-sort", onchange: refresh },
      el("option", { value: "size", text: "largest first" }),
      el("option", { value: "sim", text: "least similar first" }),
      el("option", { value: "facts", text: "most changed facts first" }));
    add(box, [
      controls.q,
      el("label", null, "size", numberInput("sizeMin", { min: 2, step: 1, placeholder: "min" }), "\u2013",
        numberInput("sizeMax", { min: 2, step: 1, placeholder: "max" })),
      el("label", null, "similarity", numberInput("simMin", { min: 0, max: 1, step: 0.01, placeholder: "min" }), "\u2013",
        numberInput("simMax", { min: 0, max: 1, step: 0.01, placeholder: "max" })),
      el("label", null, "difference", controls.kind),
      el("label", null, "order", controls.sort),
      el("button", { type: "button", id: "f-clear", text: "Clear", onclick: function () {
        ["q", "sizeMin", "sizeMax", "simMin", "simMax"].forEach(function (k) { controls[k].value = ""; });
        controls.kind.value = ""; controls.sort.value = "size";
        document.querySelectorAll(".bar.on").forEach(function (x) { x.classList.remove("on"); });
        refresh();
      } })
    ]);
  }
  function setRange(which, lo, hi) {
    controls[which + "Min"].value = lo; controls[which + "Max"].value = hi;
    refresh();
  }
  function value(name) { var v = controls[name].value; return v === "" ? null : Number(v); }
  var timer = null;
  function refreshSoon() { clearTimeout(timer); timer = setTimeout(refresh, 150); }

  function passes(c, f) {
    if (f.sizeMin != null && c.size < f.sizeMin) return false;
    if (f.sizeMax != null && c.size > f.sizeMax) return false;
    if (f.simMin != null || f.simMax != null) {
      var lo = f.simMin == null ? -1 : f.simMin, hi = f.simMax == null ? 2 : f.simMax;
      if (!c.members.some(function (m) { return m.s >= lo - 1e-9 && m.s <= hi + 1e-9; })) return false;
    }
    if (f.kind === "facts" ? !c.facts : f.kind === "nomatch" ? !c.nomatch : f.kind && !c.kinds[f.kind]) return false;
    if (f.q) {
      var hit = lowered(c.rep).indexOf(f.q) >= 0 || c.members.some(function (m) { return lowered(m.d).indexOf(f.q) >= 0; });
      if (!hit) return false;
    }
    return true;
  }

  var shown = [], drawn = 0;
  function refresh() {
    var f = { q: controls.q.value.trim().toLowerCase(), sizeMin: value("sizeMin"), sizeMax: value("sizeMax"),
      simMin: value("simMin"), simMax: value("simMax"), kind: controls.kind.value };
    shown = CLUSTERS.filter(function (c) { return passes(c, f); });
    var order = controls.sort.value;
    shown.sort(function (a, b) {
      if (order === "sim") return a.lo - b.lo || b.size - a.size || a.index - b.index;
      if (order === "facts") return b.facts - a.facts || b.size - a.size || a.index - b.index;
      return b.size - a.size || a.index - b.index;
    });
    var list = document.getElementById("clusters");
    list.textContent = "";
    drawn = 0;
    document.getElementById("status").textContent = "Showing " + num(shown.length) + " of " + num(CLUSTERS.length) +
      " clusters on this page" + (shown.length ? "" : ": none matches the filters");
    drawMore();
  }
  function drawMore() {
    var list = document.getElementById("clusters");
    var end = Math.min(shown.length, drawn + CHUNK);
    for (; drawn < end; drawn++) list.appendChild(clusterRow(shown[drawn], drawn + 1));
    var more = document.getElementById("more");
    more.textContent = "";
    if (drawn < shown.length) add(more, el("button", { type: "button", text: "Show more (" + num(shown.length - drawn) + " left)", onclick: drawMore }));
  }

  // -- a cluster -------------------------------------------------------------------------------------------
  function kindBadges(kinds) {
    return KINDS.filter(function (k) { return kinds[k] && k !== "noise"; }).map(function (k) {
      return el("span", { class: "badge k-" + k, title: KIND_HELP[k], text: k + " " + kinds[k] });
    });
  }
  function snippet(k) {
    var d = DOCS[k], t = (d.raw || d.t || "").replace(/\s+/g, " ").trim();
    return t.length > 160 ? t.slice(0, 160) + "\u2026" : t;
  }
  function clusterRow(c, rank) {
    var body = el("div", { class: "body", hidden: "" });
    var sims = c.lo === c.hi ? fmt(c.lo) : fmt(c.lo) + "\u2013" + fmt(c.hi);
    var head = el("button", { type: "button", class: "head", "aria-expanded": "false" },
      el("span", { class: "rank", text: "#" + rank }),
      el("span", { class: "size", text: num(c.size) + " docs" }),
      el("span", { class: "rid", title: DOCS[c.rep].id, text: DOCS[c.rep].id }),
      el("span", { class: "sims", title: "similarity of the shown members", text: sims }),
      el("span", null, c.sampled ? el("span", { class: "badge tag-sampled", text: "sampled" }) : null, kindBadges(c.kinds)),
      el("span", { class: "snip", text: snippet(c.rep) }));
    var box = el("article", { class: "cluster", "data-cluster": c.index }, head, body);
    head.addEventListener("click", function () {
      var open = body.hasAttribute("hidden");
      if (open && !body.firstChild) drawCluster(c, body);
      if (open) body.removeAttribute("hidden"); else body.setAttribute("hidden", "");
      box.classList.toggle("open", open);
      head.setAttribute("aria-expanded", String(open));
    });
    return box;
  }
  function drawCluster(c, body) {
    var rep = DOCS[c.rep];
    var dropped = META.mode === "dropped";
    add(body, el("p", { class: "hidden-note" },
      (dropped ? "Kept (stored in the index): " : "Representative (kept): "), el("b", { text: rep.id }),
      " \u00b7 " + num(c.size - 1) + (dropped ? (c.size === 2 ? " dropped document repeats it" : " dropped documents repeat it")
        : (c.size === 2 ? " member" : " members")) +
      (c.hidden ? "; the " + num(c.members.length) + " least similar are shown, " + num(c.hidden) + " more are not" : "")));
    c.members.forEach(function (m, i) { add(body, memberBlock(c, m, i === 0)); });
  }
  function memberBlock(c, m, open) {
    var d = DOCS[m.d];
    var inner = el("div", { class: "mbody", hidden: "" });
    var verdict = m.m == null ? null : el("span", { class: "verdict " + (m.m ? "yes" : "no"), text: m.m ? "MATCH" : "NO MATCH",
      title: "against the representative" });
    var head = el("button", { type: "button", class: "mhead", "aria-expanded": "false" },
      el("span", { class: "mid", text: d.id }),
      el("span", { text: "similarity " + fmt(m.s) }),
      verdict,
      m.r ? el("span", { class: "badge tag-sampled", text: m.r }) : null,
      el("span", null, kindBadges(m.kinds)));
    var box = el("div", { class: "member", "data-doc": m.d }, head, inner);
    function toggle() {
      var show = inner.hasAttribute("hidden");
      if (show && !inner.firstChild) drawMember(c, m, inner);
      if (show) inner.removeAttribute("hidden"); else inner.setAttribute("hidden", "");
      head.setAttribute("aria-expanded", String(show));
    }
    head.addEventListener("click", toggle);
    if (open) toggle();
    return box;
  }
  function drawMember(c, m, box) {
    var why = el("div", { class: "why" });
    if (META.mode === "dropped") add(why, el("p", null, el("span", { class: "k", text: "Dropped by dedup filter: " }), m.r || "?",
      ", similarity " + fmt(m.s) + " to the stored document"));
    else add(why, el("p", null, el("span", { class: "k", text: "Placed in the cluster with similarity " }), fmt(m.s),
      el("span", { class: "k", text: " (the larger of estimated Jaccard and containment of the match that placed it)" })));
    if (m.m != null) {
      add(why, el("p", null, el("span", { class: "k", text: "Against the representative: " }),
        el("b", { text: m.m ? "MATCH" : "NO MATCH" }), " \u2014 " + m.why));
      add(why, el("p", null, el("span", { class: "k", text: "Estimated Jaccard " }), fmt(m.j), el("span", { class: "k", text: ", containment " }), fmt(m.c),
        el("span", { class: "k", text: "; exact " }), fmt(m.ej) + ", " + fmt(m.ec)));
    } else add(why, el("p", { text: m.why }));
    if (m.al) {
      var n = m.al.n;
      add(why, el("p", null, el("span", { class: "k", text: "Alignment: " }), num(n[0]) + " of " + num(n[1]) + " aligned words shared, noise " +
        pct(n[6]) + "; figures " + n[2] + " changed / " + n[3] + " shared; words " + n[4] + " changed (" + n[5] + " names)" +
        (m.al.tf ? "; template fill: " + m.al.tf : "")));
    }
    if (m.via) add(why, el("p", null, el("span", { class: "k", text: "Placed by its match to " }), el("b", { text: m.via.id }),
      m.via.s != null ? ": similarity " + fmt(m.via.s) + " \u2014 " + (m.via.m ? "MATCH" : "NO MATCH") + ", " + m.via.why : ""));
    add(box, why);
    var diffs = m.al ? m.al.df : [];
    var present = KINDS.filter(function (k) { return m.kinds[k]; });
    if (present.length) add(box, el("div", { class: "legend" }, "Highlighted: ", present.map(function (k) {
      return el("span", { class: "badge k-" + k, title: KIND_HELP[k], text: k + " " + m.kinds[k] });
    }), " \u00b7 outlined: a changed fact counted by the verdict \u00b7 click a highlight to find it in the other text"));
    var texts = [DOCS[c.rep].t || "", DOCS[m.d].t || ""];
    var left = pane(c.rep, diffs, 0, META.mode === "dropped" ? "Stored document" : "Representative", texts);
    var right = pane(m.d, diffs, 1, META.mode === "dropped" ? "Dropped document" : "Member", texts);
    var pair = el("div", { class: "pair" }, left, right);
    pair.addEventListener("click", function (ev) {
      var mk = ev.target.closest ? ev.target.closest("mark[data-d]") : null;
      if (!mk) return;
      var other = (left.contains(mk) ? right : left).querySelector('mark[data-d="' + mk.getAttribute("data-d") + '"]');
      flash([mk, other]);
    });
    add(box, pair);
    if (diffs.length) add(box, diffTable(c, m, diffs, left, right));
  }
  function flash(marks) {
    marks.forEach(function (x) {
      if (!x) return;
      x.scrollIntoView({ block: "nearest", inline: "nearest" });
      x.classList.add("flash");
      setTimeout(function () { x.classList.remove("flash"); }, 1200);
    });
  }
  function pane(k, diffs, side, label, texts) {
    var d = DOCS[k];
    var text = el("pre", { class: "text" });
    var compared = d.t != null;
    function draw(asCompared) {
      text.textContent = "";
      if (asCompared) highlighted(text, d.n, diffs, side, texts);
      else if (d.raw != null) { add(text, d.raw); if (d.rn > d.raw.length) add(text, el("span", { class: "clipped", text: "\n\u2026 " + num(d.rn - d.raw.length) + " more characters not shown" })); }
      else add(text, el("span", { class: "clipped", text: "(text not available)" }));
    }
    var mode = compared;
    var button = compared && d.raw != null ? el("button", { type: "button", text: "original text", title: "switch between the text as compared (normalized) and the original" }) : null;
    if (button) button.addEventListener("click", function () { mode = !mode; button.textContent = mode ? "original text" : "as compared"; draw(mode); });
    draw(mode);
    return el("div", { class: "pane side-" + side }, el("h3", null, el("span", null, label + (compared ? " (as compared, normalized)" : "")),
      el("span", { class: "pid", title: d.id, text: d.id }), button), text);
  }
  function highlighted(box, full, diffs, side, texts) {
    var o = side ? 2 : 0, text = texts[side];
    var marks = diffs.map(function (d, i) { return { s: d[o], e: d[o + 1], kind: d[4], counted: d[5], i: i, d: d }; })
      .sort(function (a, b) { return a.s - b.s || a.e - b.e || a.i - b.i; });
    var pos = 0;
    marks.forEach(function (mk) {
      if (mk.s < pos || mk.s > text.length) return;
      if (mk.s > pos) add(box, text.slice(pos, mk.s));
      var title = mk.kind + ": \u201c" + clip(texts[0].slice(mk.d[0], mk.d[1])) + "\u201d \u2192 \u201c" +
        clip(texts[1].slice(mk.d[2], mk.d[3])) + "\u201d";
      var cls = "k-" + mk.kind + (mk.counted ? " counted" : "") + (mk.e > mk.s ? "" : " gap");
      add(box, el("mark", { class: cls, "data-d": mk.i, "data-kind": mk.kind, title: title }, mk.e > mk.s ? text.slice(mk.s, mk.e) : "\u2038"));
      pos = Math.max(pos, mk.e);
    });
    if (pos < text.length) add(box, text.slice(pos));
    if (full > text.length) add(box, el("span", { class: "clipped", text: "\n\u2026 " + num(full - text.length) + " more characters not shown" }));
  }
  function clip(s) { s = s.replace(/\s+/g, " "); return s.length > 120 ? s.slice(0, 117) + "\u2026" : s; }
  function diffTable(c, m, diffs, left, right) {
    var a = DOCS[c.rep].t || "", b = DOCS[m.d].t || "";
    var body = el("tbody");
    var noise = 0;
    diffs.forEach(function (d, i) {
      var row = el("tr", { class: d[4] === "noise" ? "noise-row" : null, hidden: d[4] === "noise" ? "" : null },
        el("td", null, el("span", { class: "badge k-" + d[4] + (d[5] ? " counted" : ""), text: d[4] + (d[5] ? " *" : "") })),
        el("td", { text: clip(a.slice(d[0], d[1])) || "\u2014" }),
        el("td", { text: clip(b.slice(d[2], d[3])) || "\u2014" }));
      row.addEventListener("click", function () {
        flash([left.querySelector('mark[data-d="' + i + '"]'), right.querySelector('mark[data-d="' + i + '"]')]);
      });
      if (d[4] === "noise") noise++;
      add(body, row);
    });
    var box = el("div", { class: "diffs" });
    var head = el("tr", null, el("th", { text: "kind" }), el("th", { text: META.mode === "dropped" ? "stored" : "representative" }),
      el("th", { text: META.mode === "dropped" ? "dropped" : "member" }));
    if (noise) add(box, el("button", { type: "button", text: "show " + num(noise) + " noise differences", onclick: function (ev) {
      var on = ev.target.textContent.indexOf("show") === 0;
      body.querySelectorAll(".noise-row").forEach(function (r) { if (on) r.removeAttribute("hidden"); else r.setAttribute("hidden", ""); });
      ev.target.textContent = (on ? "hide " : "show ") + num(noise) + " noise differences";
    } }));
    add(box, el("table", null, el("thead", null, head), body));
    return box;
  }

  function watchScroll() {
    if (!("IntersectionObserver" in window)) return;
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; }) && drawn < shown.length) drawMore();
    }, { rootMargin: "600px" }).observe(document.getElementById("more"));
  }

  drawHeader();
  drawCharts();
  drawControls();
  refresh();
  watchScroll();
  document.body.setAttribute("data-ready", "1");
})();
