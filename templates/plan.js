// Dated plan, entirely in the browser. The procedure date comes from the URL fragment
// (#d=YYYY-MM-DD), which browsers never send to a server. Without it, or without
// JavaScript, the page shows the plan by day numbers. Every word it shows comes translated
// in the page's plan data (data.words), with %(name)s placeholders filled in here.
(function () {
  "use strict";
  var DAY = 86400000;
  var data = JSON.parse(document.getElementById("plan-data").textContent);
  var words = data.words;
  var plural = new Intl.PluralRules(data.locale);
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

  // A message with its %(name)s placeholders filled in ("%%" is a percent sign).
  function fill(message, values) {
    return message.replace(/%(?:\((\w+)\)s|%)/g, function (all, name) {
      return name === undefined ? "%" : String(values[name]);
    });
  }

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
    if (r.end === null) return fill(words.from, { date: fmt(r.start) });
    if (r.end === r.start) return fmt(r.start);
    return fill(words.range, { start: fmt(r.start), end: fmt(r.end) });
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
    var text = fill(words.procedureDate, { date: long.format(new Date(procedure)) }) + " ";
    if (offset < 0) {
      var startsIn = words.startsIn[plural.select(-offset)] || words.startsIn.other;
      text += fill(startsIn, { count: -offset });
    } else if (current.length) {
      text += fill(words.todayIn, { day: offset, phases: current.join(words.separator) });
    } else {
      text += fill(words.today, { day: offset });
    }
    status.textContent = text;
  }

  function fromFragment() {
    var m = /^#d=(\d{4}-\d{2}-\d{2})$/.exec(window.location.hash);
    return m ? parse(m[1]) : null;
  }

  // The plan as an iCalendar file (RFC 5545): one all-day event per phase. An open-ended
  // phase is one event on its first day that says it goes on.
  function ics(procedure) {
    var stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15) + "Z";
    var page = data.url + "#d=" + iso(procedure);
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//aftercare//plan//EN", "CALSCALE:GREGORIAN"];
    items.forEach(function (item, index) {
      var r = range(item.querySelector("[data-start]"));
      var open = r.end === null;
      var event = { phase: data.labels[index], title: data.title };
      var summary = fill(open ? words.summaryOpen : words.summary, event);
      var description = (open ? [words.openEnded] : []).concat(
        fill(words.summary, event),
        fill(words.instructions, { url: page }),
        fill(words.questions, { phone: data.phone }));
      lines.push("BEGIN:VEVENT",
        "UID:" + data.slug + "-" + (index + 1) + "-" + iso(procedure) + "@aftercare",
        "DTSTAMP:" + stamp,
        "DTSTART;VALUE=DATE:" + iso(procedure + r.start * DAY).replace(/-/g, ""),
        "DTEND;VALUE=DATE:" + iso(procedure + ((open ? r.start : r.end) + 1) * DAY).replace(/-/g, ""),
        "SUMMARY:" + escape(summary),
        "DESCRIPTION:" + escape(description.join("\n")),
        "URL:" + page,
        "END:VEVENT");
    });
    lines.push("END:VCALENDAR");
    return lines.map(fold).join("\r\n") + "\r\n";
  }

  // TEXT values: backslash, semicolon and comma escaped; line breaks as \n.
  function escape(text) {
    return text.replace(/[\\;,]/g, "\\$&").replace(/\r\n|\r|\n/g, "\\n");
  }

  // Lines of at most 75 octets of UTF-8, continued after CRLF and a space; whole characters.
  function fold(line) {
    var out = "", size = 0;
    Array.from(line).forEach(function (ch) {
      var code = ch.codePointAt(0);
      var bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (size + bytes > 75) {
        out += "\r\n ";
        size = 1;
      }
      out += ch;
      size += bytes;
    });
    return out;
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

  // With a date in the fragment, in-page links (phase links, the skip link) scroll and move
  // the focus without replacing the fragment, so the dates stay, also after a reload.
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link || fromFragment() === null || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) return;
    var target;
    try {
      target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    } catch (error) {
      return; // a malformed fragment: leave it to the browser
    }
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView();
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  });

  window.addEventListener("hashchange", function () { show(fromFragment()); });
  form.hidden = false;
  show(fromFragment());
})();
