// The step viewer of tcpmc's pages: a trace's sequence chart, both TCBs,
// the network and the rules that fired at the current step, and the
// endpoint state diagram with the step's transition lit. Everything comes
// from the page itself; nothing is fetched.
(function () {
  "use strict";
  var active = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var fields = [
    ["state", "state"], ["ISS", "iss"], ["IRS", "irs"], ["SND.UNA", "snd_una"],
    ["SND.NXT", "snd_nxt"], ["RCV.NXT", "rcv_nxt"], ["retries", "retries"],
    ["incarnation", "incarnation"]
  ];

  // Viewer shows one trace in root; diagramSVG is the state diagram.
  function Viewer(root, trace, rules, diagramSVG) {
    this.root = root;
    this.rules = rules;
    this.build(diagramSVG);
    this.set(trace, 0);
    var self = this;
    root.addEventListener("mousedown", function () { active = self; });
    if (!active) active = this;
  }

  Viewer.prototype.build = function (diagramSVG) {
    var r = this.root, self = this;
    r.classList.add("viewer");
    this.title = r.appendChild(el("h2", "trace-title"));
    var c = r.appendChild(el("div", "controls"));
    var btn = function (cls, label, title, f) {
      var b = c.appendChild(el("button", cls, label));
      b.title = title;
      b.addEventListener("click", function () { active = self; f(); });
      return b;
    };
    btn("first", "\u25C0\u25C0", "first step (Home)", function () { self.go(0); });
    btn("prev", "\u25C0", "previous step (left arrow)", function () { self.go(self.at - 1); });
    this.slider = c.appendChild(el("input", "slider"));
    this.slider.type = "range";
    this.slider.min = 0;
    this.slider.addEventListener("input", function () { active = self; self.go(+self.slider.value); });
    btn("next", "\u25B6", "next step (right arrow)", function () { self.go(self.at + 1); });
    btn("last", "\u25B6\u25B6", "last step (End)", function () { self.go(self.steps().length - 1); });
    this.pos = c.appendChild(el("span", "pos"));
    c.appendChild(el("span", "hint", "arrow keys step; click a row of the chart to go there"));

    var panes = r.appendChild(el("div", "panes"));
    this.chart = panes.appendChild(el("div", "chart"));
    var right = panes.appendChild(el("div", "side"));
    var info = right.appendChild(el("div", "stepinfo"));
    this.what = info.appendChild(el("p", "what"));
    this.cycle = info.appendChild(el("p", "cycle-note"));
    this.ruleBox = info.appendChild(el("div", "rules"));
    this.tcbs = right.appendChild(el("table", "tcbs"));
    this.net = right.appendChild(el("div", "net"));
    this.diagram = right.appendChild(el("div", "diagram"));
    this.diagram.innerHTML = diagramSVG;
    // A click anywhere on a step's row, arrows and labels included, goes
    // to that step.
    this.chart.addEventListener("click", function (ev) {
      var bands = self.chart.querySelectorAll("rect.step");
      for (var k = 0; k < bands.length; k++) {
        var b = bands[k].getBoundingClientRect();
        if (ev.clientY >= b.top && ev.clientY < b.bottom) {
          var m = /step-(\d+)/.exec(bands[k].getAttribute("class"));
          active = self;
          self.go(+m[1]);
          return;
        }
      }
    });
  };

  Viewer.prototype.steps = function () { return this.trace.steps; };

  // set shows a (new) trace at a step.
  Viewer.prototype.set = function (trace, at) {
    this.trace = trace;
    this.title.textContent = trace.title || "";
    this.title.style.display = trace.title ? "" : "none";
    this.chart.innerHTML = trace.chart;
    this.slider.max = trace.steps.length - 1;
    if (trace.loop_start > 0) {
      var bands = this.chart.querySelectorAll("rect.step");
      for (var i = 0; i < bands.length; i++) {
        var m = /step-(\d+)/.exec(bands[i].getAttribute("class"));
        if (m && +m[1] >= trace.loop_start) bands[i].classList.add("cyc");
      }
    }
    this.at = -1;
    this.go(at);
  };

  Viewer.prototype.go = function (i) {
    var steps = this.steps();
    i = Math.max(0, Math.min(steps.length - 1, i));
    this.at = i;
    this.slider.value = i;
    this.root.setAttribute("data-step", i);
    var s = steps[i], prev = i > 0 ? steps[i - 1] : null;
    this.pos.textContent = "step " + i + " of " + (steps.length - 1);
    this.what.textContent = i === 0 ? "Initial state." : "Step " + i + ": " + s.text + ".";
    var t = this.trace;
    if (t.loop_start > 0 && s.in_cycle) {
      this.cycle.textContent = "In the cycle: steps " + t.loop_start + " to " + (steps.length - 1) + " repeat for ever.";
    } else if (t.stuck && i === steps.length - 1) {
      this.cycle.textContent = "No step is possible from here: the execution stops for ever.";
    } else {
      this.cycle.textContent = "";
    }
    this.showRules(s);
    this.showTCBs(s, prev);
    this.showNet(s);
    this.light(s);
  };

  Viewer.prototype.showRules = function (s) {
    var box = this.ruleBox;
    box.textContent = "";
    if (!s.rules.length) {
      if (s.n > 0) box.appendChild(el("p", "norule", s.kind === "lose" || s.kind === "duplicate" || s.kind === "crash" ? "A fault: no rule fires." : "No rule fires."));
      return;
    }
    for (var k = 0; k < s.rules.length; k++) {
      var r = this.rules[s.rules[k]] || { name: s.rules[k] };
      var d = box.appendChild(el("div", "rule"));
      var h = d.appendChild(el("div", "rule-head"));
      h.appendChild(el("span", "rule-name", r.name));
      if (r.section) h.appendChild(el("span", "rule-section", "RFC 9293 \u00A7" + r.section));
      var tb = d.appendChild(el("table", "rule-body"));
      var row = function (k, v) {
        if (!v) return;
        var tr = tb.appendChild(el("tr"));
        tr.appendChild(el("th", "", k));
        tr.appendChild(el("td", "code", v));
      };
      row("in", r["in"]); row("on", r.on); row("if", r["if"]); row("do", r["do"]);
      row("send", r.send); row("next", r.next);
      if (r.why) {
        var tr = tb.appendChild(el("tr"));
        tr.appendChild(el("th", "", "why"));
        tr.appendChild(el("td", "why", r.why));
      }
    }
  };

  Viewer.prototype.showTCBs = function (s, prev) {
    var t = this.tcbs;
    t.textContent = "";
    var head = t.appendChild(el("tr"));
    head.appendChild(el("th", "", "TCB"));
    for (var side = 0; side < 2; side++) {
      var th = head.appendChild(el("th", "end-name", s.ends[side].name));
      if (s.n > 0 && s.side === s.ends[side].name) th.classList.add("acting");
    }
    for (var f = 0; f < fields.length; f++) {
      var tr = t.appendChild(el("tr"));
      tr.appendChild(el("th", "", fields[f][0]));
      for (side = 0; side < 2; side++) {
        var e = s.ends[side], v = e[fields[f][1]];
        var shown = f > 0 && !e.tcb && fields[f][1] !== "incarnation" ? "\u2013" : String(v);
        var td = tr.appendChild(el("td", "v-" + fields[f][1], shown));
        if (prev && prev.ends[side][fields[f][1]] !== v) td.classList.add("changed");
      }
    }
    tr = t.appendChild(el("tr"));
    tr.appendChild(el("th", "", "application"));
    for (side = 0; side < 2; side++) {
      e = s.ends[side];
      var calls = e.calls.length ? e.calls.join(", ") : "no call yet";
      td = tr.appendChild(el("td", "app", calls + "; received " + e.received + (e.received === 1 ? " octet" : " octets")));
      if (prev && (prev.ends[side].calls.length !== e.calls.length || prev.ends[side].received !== e.received)) td.classList.add("changed");
    }
  };

  Viewer.prototype.showNet = function (s) {
    var n = this.net;
    n.textContent = "";
    for (var side = 0; side < 2; side++) {
      var from = s.ends[side].name, to = s.ends[1 - side].name;
      n.appendChild(el("h3", "", "in flight " + from + " \u2192 " + to));
      var ul = n.appendChild(el("ul", "flight flight-" + side));
      var segs = s.net[side];
      if (!segs.length) ul.appendChild(el("li", "empty", "nothing"));
      for (var k = 0; k < segs.length; k++) {
        var li = ul.appendChild(el("li", "seg", segs[k].text));
        li.appendChild(el("span", "inc", " (connection " + segs[k].incarnation + ")"));
        if (segs[k].stale) {
          li.classList.add("stale");
          li.appendChild(el("span", "stale-mark", " stale: from an older connection"));
        }
      }
    }
    if (s.taken) {
      var verb = { deliver: "delivered", lose: "lost", duplicate: "copied" }[s.kind] || "taken";
      n.appendChild(el("p", "taken", "this step " + verb + ": " + s.taken));
    }
    if (s.sent.length) n.appendChild(el("p", "sent", "this step sent: " + s.sent.join("; ")));
  };

  Viewer.prototype.light = function (s) {
    var all = this.root.querySelectorAll(".lit");
    for (var k = 0; k < all.length; k++) all[k].classList.remove("lit");
    if (s.n > 0) {
      var band = this.chart.querySelector("rect.step-" + s.n);
      if (band) band.classList.add("lit");
    }
    if (s.move) {
      var es = this.diagram.querySelectorAll(".e-" + cssEscape(s.move) + ", .e-" + cssEscape(s.move) + "-label");
      for (k = 0; k < es.length; k++) es[k].classList.add("lit");
    }
    if (s.n > 0) {
      var acting = s.ends[0].name === s.side ? s.ends[0] : s.ends[1];
      var ns = this.diagram.querySelectorAll(".s-" + cssEscape(acting.state));
      for (k = 0; k < ns.length; k++) ns[k].classList.add("lit");
    }
  };

  function cssEscape(s) { return s.replace(/[^A-Za-z0-9_-]/g, "\\$&"); }

  document.addEventListener("keydown", function (ev) {
    // A focused slider steps by itself.
    var tag = ev.target && ev.target.tagName;
    if (!active || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
      active.go(active.at + (ev.key === "ArrowRight" ? 1 : -1));
      ev.preventDefault();
    } else if (ev.key === "Home") {
      active.go(0);
      ev.preventDefault();
    } else if (ev.key === "End") {
      active.go(active.steps().length - 1);
      ev.preventDefault();
    }
  });

  window.TCPMC = { Viewer: Viewer, el: el };
})();
