// The done page's 予約票を印刷 button: shown and wired only when scripts run
// (the page says how to print without it). No inline script: the CSP
// allows scripts from this site only.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-slip");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
