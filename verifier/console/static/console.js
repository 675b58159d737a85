// Keyboard shortcuts of the reviewer console (the pages work without this script):
// a approve · r reject (picks the reason list) · n note · j/k next/previous row of the queue.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }
  var at = -1;
  function select(i) {
    var list = rows();
    if (!list.length) { return; }
    at = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r, n) { r.classList.toggle("sel", n === at); });
    list[at].scrollIntoView({block: "nearest"});
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) { return; }
    var el;
    if (ev.key === "a") { el = document.getElementById("approve"); if (el) { ev.preventDefault(); el.click(); } }
    else if (ev.key === "r") {
      el = document.getElementById("reject-reason");
      if (el) { ev.preventDefault(); el.focus(); }
    }
    else if (ev.key === "n") { el = document.getElementById("note"); if (el) { ev.preventDefault(); el.focus(); } }
    else if (ev.key === "j" || ev.key === "k") {
      if (rows().length) { ev.preventDefault(); select(at + (ev.key === "j" ? 1 : -1)); }
      else {
        el = document.getElementById(ev.key === "j" ? "next-item" : "prev-item");
        if (el) { ev.preventDefault(); el.click(); }
      }
    }
    else if (ev.key === "Enter" && at >= 0) { window.location.href = rows()[at].getAttribute("data-href"); }
  });
  var lease = document.querySelector("[data-lease-until]");
  if (lease) {
    var until = Date.parse(lease.getAttribute("data-lease-until"));
    var tick = function () {
      var s = Math.max(0, Math.round((until - Date.now()) / 1000));
      lease.textContent = Math.floor(s / 60) + "分" + ("0" + (s % 60)).slice(-2) + "秒";
      lease.classList.toggle("low", s < 60);
    };
    tick(); setInterval(tick, 1000);
  }
})();
