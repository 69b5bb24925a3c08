// Rolehub console: light progressive enhancement. Every page works without it.
(function () {
  "use strict";
  // The org and language switchers change nothing until their button is pressed, so that
  // moving through them with the keyboard never leaves the page (WCAG 3.2.2).
  // Times are shown in the reader's time zone and language (the page gives them in UTC).
  var lang = document.documentElement.lang || "en";
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when.getTime())) {
      // The text in UTC, in words, stays at hand as the title (never the ISO form, which is a
      // machine's).
      var utc = el.textContent;
      el.textContent = when.toLocaleString(lang, { dateStyle: "medium", timeStyle: "medium" });
      el.title = utc;
    }
  });
  // Large CSV uploads show their progress.
  var upload = document.getElementById("csv-upload");
  if (upload && window.XMLHttpRequest && window.FormData) {
    upload.addEventListener("submit", function (event) {
      var bar = document.getElementById("csv-progress");
      if (!bar) { return; }
      event.preventDefault();
      bar.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); } };
      xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
      xhr.send(new FormData(upload));
    });
  }
})();
