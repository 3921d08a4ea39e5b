// The visit page: the procedures of one visit, as a combined sheet's QR code names them in the
// fragment (#jdkajjer20261123: each procedure's four-letter visit code in the sheet's order,
// then the date, optional; see sheet/visit_code.py), or as sheets printed before named them
// (#p=a+b&d=YYYYMMDD: slugs, the date also read as YYYY-MM-DD), each with its
// letter, a link to its own page and its phases, dated; one calendar file holds them all.
// Dates, wording and the calendar file come from plan.js (`aftercare`). Without JavaScript, or
// without #p=, the page lists every procedure.
(function (plans) {
  "use strict";
  var LETTERS = "ABC"; // a sheet combines at most three procedures
  var data = JSON.parse(document.getElementById("visit-data").textContent);
  var say = plans.wording(data.locale, data.words);
  var known = {};
  var coded = {}; // visit code -> slug
  var CODES = /^((?:[a-z]{4}){1,3})(\d{8})?$/; // the codes, then the date
  data.policies.forEach(function (policy) {
    known[policy.slug] = policy;
    coded[policy.code] = policy.slug;
  });
  var status = document.getElementById("status");
  var form = document.getElementById("date-form");
  var input = document.getElementById("procedure-date");
  var button = document.getElementById("add-to-calendar");
  var visit = document.getElementById("visit");
  var all = document.getElementById("all-procedures");

  // What the fragment names: the procedures (each once, at most three), the date or null, and
  // the p= part as it was written, to keep when a date is added.
  function fromFragment() {
    var compact = CODES.exec(window.location.hash.slice(1));
    if (compact) return fromCodes(compact[1], compact[2]);
    var fields = {};
    window.location.hash.slice(1).split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0) fields[part.slice(0, at)] = part.slice(at + 1);
    });
    var slugs = [];
    (fields.p || "").split("+").forEach(function (slug) {
      try {
        slug = decodeURIComponent(slug);
      } catch (error) {
        // shown as written
      }
      if (slug && slugs.indexOf(slug) < 0 && slugs.length < LETTERS.length) slugs.push(slug);
    });
    return { p: fields.p || "", slugs: slugs, procedure: plans.parse(fields.d) };
  }

  // The procedures a visit code names (a code the site lacks stands as written), and the date.
  function fromCodes(codes, day) {
    var slugs = [];
    codes.match(/.{4}/g).forEach(function (code) {
      var slug = Object.prototype.hasOwnProperty.call(coded, code) ? coded[code] : code;
      if (slugs.indexOf(slug) < 0) slugs.push(slug);
    });
    return { codes: codes, slugs: slugs, procedure: plans.parse(day) };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Words in another language than the page's (a policy not yet translated): marked so, and
  // isolated in their own direction, while the line keeps the page's.
  function foreign(text, lang) {
    var node = element("bdi", "", text);
    node.lang = lang;
    return node;
  }

  // The policy of a slug from the fragment, or null when the site does not have it.
  function policyOf(slug) {
    return Object.prototype.hasOwnProperty.call(known, slug) ? known[slug] : null;
  }

  // A link to a policy's page, with the date when there is one.
  function href(policy, procedure) {
    return policy.href + (procedure === null ? "" : "#d=" + plans.compact(procedure));
  }

  // One procedure of the visit: its letter, its title linked to its page, its phases.
  function procedureSection(policy, letter, procedure) {
    var section = element("section", "procedure");
    var heading = element("h2");
    var link = element("a");
    var other = policy.lang !== document.documentElement.lang;
    heading.id = "procedure-" + letter.toLowerCase();
    section.setAttribute("aria-labelledby", heading.id);
    link.href = href(policy, procedure);
    if (other) link.hreflang = policy.lang;
    link.append(other ? foreign(policy.title, policy.lang) : policy.title);
    heading.append(element("span", "letter", letter), " ", link);
    section.appendChild(heading);
    if (policy.note) section.appendChild(element("p", "muted", policy.note));
    var list = element("ol", "phases");
    policy.phases.forEach(function (phase, index) {
      var item = element("li", "phase");
      var label = element("span", "phase-label");
      label.append(other ? foreign(phase.label, policy.lang) : phase.label);
      var here = procedure !== null && plans.isCurrent(procedure, phase);
      item.classList.toggle("current", here);
      if (here) item.setAttribute("aria-current", "step");
      item.append(
        element("span", "swatch phase-" + (index + 1), String(index + 1)),
        label,
        element("span", "phase-when", procedure === null ? phase.days : say.when(procedure, phase)));
      list.appendChild(item);
    });
    section.appendChild(list);
    return section;
  }

  // A procedure the site does not have (mistyped, or taken off): said plainly, with its letter.
  function unknownNotice(slug, letter) {
    var notice = element("p", "notice");
    var name = slug.length > 60 ? slug.slice(0, 60) + "…" : slug;
    notice.append(element("span", "letter", letter), " ", plans.fill(data.words.unknown, { name: name }));
    return notice;
  }

  function show() {
    var chosen = fromFragment();
    var procedure = chosen.procedure;
    var shown = [];
    visit.textContent = "";
    chosen.slugs.forEach(function (slug, index) {
      var policy = policyOf(slug);
      if (policy) shown.push(policy);
      visit.appendChild(policy ? procedureSection(policy, LETTERS[index], procedure) : unknownNotice(slug, LETTERS[index]));
    });
    visit.hidden = chosen.slugs.length === 0;
    all.hidden = shown.length > 0;
    Array.prototype.forEach.call(all.querySelectorAll("a"), function (link, index) {
      link.href = href(data.policies[index], procedure);
    });
    form.hidden = shown.length === 0;
    button.hidden = status.hidden = shown.length === 0 || procedure === null;
    if (procedure === null) return;
    input.value = plans.iso(procedure);
    var first = Math.min.apply(null, shown.map(function (policy) {
      return Math.min.apply(null, policy.phases.map(function (phase) { return phase.start; }));
    }));
    status.textContent = say.status(procedure, [], first);
  }

  button.addEventListener("click", function () {
    var chosen = fromFragment();
    if (chosen.procedure === null) return;
    var events = [];
    chosen.slugs.map(policyOf).forEach(function (policy) {
      if (policy) events = events.concat(plans.events(policy, chosen.procedure, data.words, data.phone));
    });
    plans.download("visit-plan.ics", plans.calendar(events));
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var procedure = plans.parse(input.value);
    if (procedure === null) return;
    var chosen = fromFragment();
    var day = plans.compact(procedure);
    window.location.hash = chosen.codes ? chosen.codes + day : "p=" + chosen.p + "&d=" + day;
  });

  plans.keepFragment(function () { return window.location.hash.length > 1; });
  window.addEventListener("hashchange", show);
  show();
})(aftercare);
