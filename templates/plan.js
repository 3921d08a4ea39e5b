// Dated plans, entirely in the browser. The procedure date comes from the URL fragment
// (#d=YYYYMMDD on a policy's page, #p=a+b&d=YYYYMMDD on the visit page), which browsers
// never send to a server. Sheets printed before the compact date say d=YYYY-MM-DD: both forms
// are read, always; the pages write the compact one. Without a date, or without JavaScript, a
// page shows the plan by day numbers. Every word it shows comes translated in the page's data
// (data.words), with %(name)s placeholders filled in here.
//
// `aftercare` holds what every dated page shares: dates and their wording, the status line,
// the calendar file. The rest of this file is a policy's page; visit.js is the visit page.
var aftercare = (function () {
  "use strict";
  var DAY = 86400000;

  // A message with its %(name)s placeholders filled in ("%%" is a percent sign).
  function fill(message, values) {
    return message.replace(/%(?:\((\w+)\)s|%)/g, function (all, name) {
      return name === undefined ? "%" : String(values[name]);
    });
  }

  // A YYYYMMDD or YYYY-MM-DD date as a UTC time, or null when it is not a real date from 1900
  // to 2199.
  function parse(text) {
    var m = /^(\d{4})(-?)(\d{2})\2(\d{2})$/.exec(text || "");
    if (!m) return null;
    var time = Date.UTC(+m[1], +m[3] - 1, +m[4]);
    var date = new Date(time);
    if (date.getUTCMonth() !== +m[3] - 1 || +m[1] < 1900 || +m[1] > 2199) return null;
    return time;
  }

  function iso(time) {
    return new Date(time).toISOString().slice(0, 10);
  }

  // A date as the fragments write it: YYYYMMDD (short, so the printed QR code stays small).
  function compact(time) {
    return iso(time).replace(/-/g, "");
  }

  // Which day of the plan today is: 0 on the procedure's day, negative before it.
  function dayOf(procedure) {
    var now = new Date();
    return Math.round((Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) - procedure) / DAY);
  }

  // The date wording of a page, in its locale and words.
  function wording(locale, words) {
    var plural = new Intl.PluralRules(locale);
    var options = { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" };
    var short = new Intl.DateTimeFormat(locale, options);
    var shortYear = new Intl.DateTimeFormat(locale, Object.assign({ year: "numeric" }, options));
    var long = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeZone: "UTC" });

    // When a phase ({start, end}; end null: open-ended; a bound written as a range, 7-10d,
    // has its earlier day in startEarly or endEarly) is: "Tue, Nov 24", "from Mon, Nov 30",
    // "Wed, Dec 9 – between Mon, Dec 14 and Thu, Dec 17".
    function when(procedure, r) {
      var year = new Date(procedure).getUTCFullYear();
      function fmt(days) {
        var date = new Date(procedure + days * DAY);
        return (date.getUTCFullYear() === year ? short : shortYear).format(date);
      }
      function bound(days, early) {
        if (early === null || early === undefined) return fmt(days);
        return fill(words.between, { early: fmt(early), late: fmt(days) });
      }
      var start = bound(r.start, r.startEarly);
      if (r.end === null) return fill(words.from, { date: start });
      var ranged = !(r.startEarly == null && r.endEarly == null);
      if (r.end === r.start && !ranged) return start;
      return fill(words.range, { start: start, end: bound(r.end, r.endEarly) });
    }

    // The status line: the procedure date, then when the plan starts (`first`: its first
    // day, before the procedure when it has care before it) or which day today is (with the
    // labels of the phases it falls in, when given).
    function status(procedure, current, first) {
      var offset = dayOf(procedure);
      var text = fill(words.procedureDate, { date: long.format(new Date(procedure)) }) + " ";
      var waiting = Math.min(first || 0, 0) - offset;
      if (waiting > 0) {
        var startsIn = words.startsIn[plural.select(waiting)] || words.startsIn.other;
        return text + fill(startsIn, { count: waiting });
      }
      var day = String(offset).replace("-", "\u2212");
      if (current.length) {
        return text + fill(words.todayIn, { day: day, phases: current.join(words.separator) });
      }
      return text + fill(words.today, { day: day });
    }

    return { when: when, status: status };
  }

  // Whether today falls in a phase ({start, end}).
  function isCurrent(procedure, r) {
    var offset = dayOf(procedure);
    return offset >= r.start && (r.end === null || offset <= r.end);
  }

  // One all-day event per phase of a plan ({slug, title, url, phases: [{label, start, end}]}).
  // An open-ended phase is one event on its first day that says it goes on.
  function events(plan, procedure, words, phone) {
    var page = plan.url + "#d=" + compact(procedure);
    return plan.phases.map(function (phase, index) {
      var open = phase.end === null;
      var event = { phase: phase.label, title: plan.title };
      var description = (open ? [words.openEnded] : []).concat(
        fill(words.summary, event),
        fill(words.instructions, { url: page }),
        fill(words.questions, { phone: phone }));
      return {
        uid: plan.slug + "-" + (index + 1) + "-" + iso(procedure) + "@aftercare",
        start: procedure + phase.start * DAY,
        end: procedure + ((open ? phase.start : phase.end) + 1) * DAY,
        summary: fill(open ? words.summaryOpen : words.summary, event),
        description: description.join("\n"),
        url: page
      };
    });
  }

  // Events as an iCalendar file (RFC 5545).
  function calendar(events) {
    var stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15) + "Z";
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//aftercare//plan//EN", "CALSCALE:GREGORIAN"];
    events.forEach(function (event) {
      lines.push("BEGIN:VEVENT",
        "UID:" + event.uid,
        "DTSTAMP:" + stamp,
        "DTSTART;VALUE=DATE:" + iso(event.start).replace(/-/g, ""),
        "DTEND;VALUE=DATE:" + iso(event.end).replace(/-/g, ""),
        "SUMMARY:" + escape(event.summary),
        "DESCRIPTION:" + escape(event.description),
        "URL:" + event.url,
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

  // Save a calendar file made here: nothing is sent anywhere.
  function download(name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/calendar" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  // While `keep()` says so, in-page links (phase links, the skip link) scroll and move the
  // focus without replacing the fragment, so what it says stays, also after a reload.
  function keepFragment(keep) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link || !keep() || event.button !== 0 || event.ctrlKey || event.metaKey ||
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
  }

  return {
    fill: fill, parse: parse, iso: iso, compact: compact, wording: wording, isCurrent: isCurrent,
    events: events, calendar: calendar, download: download, keepFragment: keepFragment
  };
})();

// A policy's page: its plan, dated from #d=YYYYMMDD (or #d=YYYY-MM-DD).
(function (plans) {
  "use strict";
  var element = document.getElementById("plan-data");
  if (!element) return; // the visit page: visit.js
  var data = JSON.parse(element.textContent);
  var say = plans.wording(data.locale, data.words);
  var status = document.getElementById("status");
  var form = document.getElementById("date-form");
  var input = document.getElementById("procedure-date");
  var button = document.getElementById("add-to-calendar");
  var spans = Array.prototype.slice.call(document.querySelectorAll("[data-start]"));
  var items = Array.prototype.slice.call(document.querySelectorAll(".phase"));

  function range(span) {
    var end = span.getAttribute("data-end");
    var startEarly = span.getAttribute("data-start-early");
    var endEarly = span.getAttribute("data-end-early");
    return {
      start: +span.getAttribute("data-start"), end: end === "" ? null : +end,
      startEarly: startEarly === null ? null : +startEarly,
      endEarly: endEarly === null ? null : +endEarly
    };
  }

  function show(procedure) {
    var current = [];
    spans.forEach(function (span) {
      var text = span.querySelector(".when-text") || span; // a shared section: beside its swatch
      text.textContent = procedure === null ? span.getAttribute("data-days") : say.when(procedure, range(span));
    });
    items.forEach(function (item, index) {
      var here = procedure !== null && plans.isCurrent(procedure, range(item.querySelector("[data-start]")));
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
    input.value = plans.iso(procedure);
    var first = Math.min.apply(null, items.map(function (item) {
      return range(item.querySelector("[data-start]")).start;
    }));
    status.textContent = say.status(procedure, current, first);
  }

  function fromFragment() {
    var m = /^#d=([\d-]+)$/.exec(window.location.hash);
    return m ? plans.parse(m[1]) : null;
  }

  button.addEventListener("click", function () {
    var procedure = fromFragment();
    if (procedure === null) return;
    var phases = items.map(function (item, index) {
      var r = range(item.querySelector("[data-start]"));
      return { label: data.labels[index], start: r.start, end: r.end };
    });
    var plan = { slug: data.slug, title: data.title, url: data.url, phases: phases };
    plans.download(data.slug + "-plan.ics", plans.calendar(plans.events(plan, procedure, data.words, data.phone)));
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var procedure = plans.parse(input.value);
    if (procedure !== null) window.location.hash = "d=" + plans.compact(procedure);
  });

  plans.keepFragment(function () { return fromFragment() !== null; });
  window.addEventListener("hashchange", function () { show(fromFragment()); });
  form.hidden = false;
  show(fromFragment());
})(aftercare);
