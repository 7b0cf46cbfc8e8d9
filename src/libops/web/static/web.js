// libops web app: the character count under each platform's text, updated as you type.
// No inline script anywhere (the Content-Security-Policy allows scripts from this site only).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-limit]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    var counter = document.getElementById(area.getAttribute("aria-describedby"));
    var used = counter ? counter.querySelector(".used") : null;
    function update() {
      // Characters as libops counts them: Unicode code points, not UTF-16 units.
      var n = Array.from(area.value).length;
      if (used) { used.textContent = String(n); }
      if (counter) { counter.classList.toggle("over", n > limit); }
      area.setAttribute("aria-invalid", n > limit ? "true" : "false");
    }
    area.addEventListener("input", update);
    update();
  });
});
