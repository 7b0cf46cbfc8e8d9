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

// issue 16, more screens (web1): a button with data-copy="<id>" copies that element's text
// (the approved text to publish by hand) and says so in the status next to it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    function say(text) { if (status) { status.textContent = text; } }
    function selectSource() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    button.addEventListener("click", function () {
      if (!source) { return; }
      var text = source.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          say(button.getAttribute("data-copied"));
        }, function () {
          selectSource();
          say(button.getAttribute("data-failed"));
        });
      } else {
        selectSource();
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
        say(button.getAttribute(copied ? "data-copied" : "data-failed"));
      }
    });
  });
});
