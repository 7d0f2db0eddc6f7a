// The explorer's page: the path so far in the step viewer, the enabled
// steps to choose from, going back and jumping to a counterexample. It
// talks only to the tcpmc process that served it.
(function () {
  "use strict";
  var el = TCPMC.el;
  var viewer = null;
  var busy = false;
  var status = document.getElementById("status");

  function show(st) {
    var at = st.trace.steps.length - 1;
    if (!viewer) {
      viewer = new TCPMC.Viewer(document.getElementById("path"), st.trace, TCPMC_RULES, document.getElementById("diagram").innerHTML);
    }
    viewer.set(st.trace, at);
    var ul = document.getElementById("choices");
    ul.textContent = "";
    st.choices.forEach(function (c, i) {
      var li = ul.appendChild(el("li"));
      var b = li.appendChild(el("button", "choice"));
      b.setAttribute("data-kind", c.kind);
      b.setAttribute("data-i", i);
      b.appendChild(el("span", "kind kind-" + c.kind.replace(" ", "-"), c.kind));
      b.appendChild(el("span", "label", c.label));
      b.addEventListener("click", function () { act("/api/step?i=" + i); });
    });
    document.getElementById("choices-title").textContent =
      "Enabled steps after step " + at + " (" + st.choices.length + ")";
    document.getElementById("end").textContent = st.end;
    status.textContent = st.message || "";
    document.body.setAttribute("data-path", at);
  }

  function act(url, method) {
    if (busy) return;
    busy = true;
    status.textContent = "working\u2026";
    fetch(url, { method: method || "POST" }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(t); });
      return r.json();
    }).then(function (st) { busy = false; show(st); }, function (e) {
      busy = false;
      status.textContent = e.message;
    });
  }

  document.getElementById("back").addEventListener("click", function () { act("/api/back"); });
  document.getElementById("reset").addEventListener("click", function () { act("/api/reset"); });
  document.getElementById("jump").addEventListener("click", function () {
    act("/api/jump?property=" + encodeURIComponent(document.getElementById("property").value));
  });
  act("/api/state", "GET");
})();
