// Dated plan, entirely in the browser. The procedure date comes from the URL fragment
// (#d=YYYY-MM-DD), which browsers never send to a server. Without it, or without
// JavaScript, the page shows the plan by day numbers.
(function () {
  "use strict";
  var DAY = 86400000;
  var data = JSON.parse(document.getElementById("plan-data").textContent);
  var options = { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" };
  var short = new Intl.DateTimeFormat(data.locale, options);
  var shortYear = new Intl.DateTimeFormat(data.locale, Object.assign({ year: "numeric" }, options));
  var long = new Intl.DateTimeFormat(data.locale, { dateStyle: "full", timeZone: "UTC" });
  var status = document.getElementById("status");
  var form = document.getElementById("date-form");
  var input = document.getElementById("procedure-date");
  var button = document.getElementById("add-to-calendar");
  var spans = Array.prototype.slice.call(document.querySelectorAll("[data-start]"));
  var items = Array.prototype.slice.call(document.querySelectorAll(".phase"));

  function parse(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!m) return null;
    var time = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    var date = new Date(time);
    if (date.getUTCMonth() !== +m[2] - 1 || +m[1] < 1900 || +m[1] > 2199) return null;
    return time;
  }

  function iso(time) {
    return new Date(time).toISOString().slice(0, 10);
  }

  function range(span) {
    var end = span.getAttribute("data-end");
    return { start: +span.getAttribute("data-start"), end: end === "" ? null : +end };
  }

  function when(procedure, r) {
    var year = new Date(procedure).getUTCFullYear();
    function fmt(days) {
      var date = new Date(procedure + days * DAY);
      return (date.getUTCFullYear() === year ? short : shortYear).format(date);
    }
    if (r.end === null) return "from " + fmt(r.start);
    if (r.end === r.start) return fmt(r.start);
    return fmt(r.start) + " \u2013 " + fmt(r.end);
  }

  function today() {
    var now = new Date();
    return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  }

  function show(procedure) {
    var offset = procedure === null ? null : Math.round((today() - procedure) / DAY);
    var current = [];
    spans.forEach(function (span) {
      span.textContent = procedure === null ? span.getAttribute("data-days") : when(procedure, range(span));
    });
    items.forEach(function (item, index) {
      var r = range(item.querySelector("[data-start]"));
      var here = offset !== null && offset >= r.start && (r.end === null || offset <= r.end);
      item.classList.toggle("current", here);
      if (here) {
        item.setAttribute("aria-current", "step");
        current.push(data.labels[index]);
      } else {
        item.removeAttribute("aria-current");
      }
    });
    button.hidden = procedure === null;
    status.hidden = procedure === null;
    if (procedure === null) return;
    input.value = iso(procedure);
    var text = "Procedure date: " + long.format(new Date(procedure)) + ". ";
    if (offset < 0) text += "Your plan starts in " + -offset + (offset === -1 ? " day." : " days.");
    else text += "Today: Day " + offset + (current.length ? " \u2013 " + current.join(", ") : "");
    status.textContent = text;
  }

  function fromFragment() {
    var m = /^#d=(\d{4}-\d{2}-\d{2})$/.exec(window.location.hash);
    return m ? parse(m[1]) : null;
  }

  function ics(procedure) {
    var stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15) + "Z";
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//aftercare//plan//EN", "CALSCALE:GREGORIAN"];
    items.forEach(function (item, index) {
      var r = range(item.querySelector("[data-start]"));
      var last = r.end === null ? r.start : r.end;
      lines.push("BEGIN:VEVENT",
        "UID:" + data.slug + "-" + (index + 1) + "-" + iso(procedure) + "@aftercare",
        "DTSTAMP:" + stamp,
        "DTSTART;VALUE=DATE:" + iso(procedure + r.start * DAY).replace(/-/g, ""),
        "DTEND;VALUE=DATE:" + iso(procedure + (last + 1) * DAY).replace(/-/g, ""),
        "SUMMARY:" + escape(data.labels[index] + ": " + data.title),
        "URL:" + data.url,
        "END:VEVENT");
    });
    lines.push("END:VCALENDAR");
    return lines.join("\r\n") + "\r\n";
  }

  function escape(text) {
    return text.replace(/[\\;,]/g, function (c) { return "\\" + c; });
  }

  button.addEventListener("click", function () {
    var procedure = fromFragment();
    if (procedure === null) return;
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([ics(procedure)], { type: "text/calendar" }));
    link.download = data.slug + "-plan.ics";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var procedure = parse(input.value);
    if (procedure !== null) window.location.hash = "d=" + iso(procedure);
  });

  window.addEventListener("hashchange", function () { show(fromFragment()); });
  form.hidden = false;
  show(fromFragment());
})();
