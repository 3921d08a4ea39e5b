// The desk's one script, served as /assets/desk.js (CSP: script-src 'self'). The Language
// menu follows the procedure selects: it lists only the languages the chosen procedures can
// all be issued in, or, with none chosen, each procedure's under its title, as the server
// lists them when it makes the page (generator/web/language_menu.py). Without this script the
// desk works the same: the server checks the language against the procedures sent.
(function () {
  "use strict";
  var menu = document.getElementById("lang");
  var hint = document.getElementById("lang-hint");
  var selects = Array.prototype.slice.call(document.querySelectorAll('select[name="policy"]'));
  if (!menu || !hint || !selects.length) {
    return;
  }
  var names = JSON.parse(menu.getAttribute("data-names"));

  function languagesOf(option) {
    return (option.getAttribute("data-languages") || "").split(" ").filter(Boolean);
  }

  function listed(titles) {
    try {
      var lang = document.documentElement.lang;
      return new Intl.ListFormat(lang, { type: "conjunction" }).format(titles);
    } catch (error) {
      return titles.join(" + ");
    }
  }

  function choice(code, selected) {
    var option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = names[code] || code;
    option.selected = selected;
    return option;
  }

  function update() {
    var wanted = menu.value;
    var chosen = [];
    selects.forEach(function (select) {
      var option = select.options[select.selectedIndex];
      if (option && option.value && chosen.every(function (o) { return o.value !== option.value; })) {
        chosen.push(option);
      }
    });
    while (menu.children.length > 1) {  // all but "The procedure's own"
      menu.removeChild(menu.lastElementChild);
    }
    if (chosen.length) {
      languagesOf(chosen[0]).forEach(function (code) {
        if (chosen.every(function (o) { return languagesOf(o).indexOf(code) >= 0; })) {
          menu.appendChild(choice(code, code === wanted));
        }
      });
      var titles = chosen.map(function (o) { return o.textContent; });
      hint.textContent = menu.getAttribute("data-chosen").replace("%(procedures)s", listed(titles));
    } else {
      Array.prototype.forEach.call(selects[0].options, function (option) {
        if (!option.value) {
          return;
        }
        var group = document.createElement("optgroup");
        group.label = option.textContent;
        languagesOf(option).forEach(function (code) {
          group.appendChild(choice(code, code === wanted));
          wanted = code === wanted ? null : wanted;  // selected once, in its first group
        });
        menu.appendChild(group);
      });
      hint.textContent = menu.getAttribute("data-none");
    }
    if (menu.selectedIndex < 0) {
      menu.selectedIndex = 0;
    }
  }

  selects.forEach(function (select) {
    select.addEventListener("change", update);
  });
})();

// Checkout in fewer steps (generator/web/checkout.py). Each part does nothing on a page
// without its elements; without this script the desk works the same, one click more.
(function () {
  "use strict";
  // A date typed while "Today" is chosen: choose "Another day" at once (no round trip).
  var date = document.getElementById("date");
  var other = document.getElementById("when-other");
  if (date && other) {
    date.addEventListener("input", function () {
      if (date.value) {
        other.checked = true;
      }
    });
  }
  // The form page's address becomes /?draft=ID, so that browser Back from its result returns
  // the form as it was sent (the server keeps it for this browser's session). Done when the
  // page loads, not when it is sent, so that sending is one navigation.
  var draft = document.querySelector("form.desk input[name=draft]");
  var path = window.location.pathname;
  if (draft && (path === "/" || path === "/next")) {
    history.replaceState(null, "", "/?draft=" + encodeURIComponent(draft.value));
  }
  // The browser's print flow: once Print opened the PDF, Enter means Next patient.
  var print = document.getElementById("print");
  var next = document.getElementById("next-patient");
  if (print && next) {
    print.addEventListener("click", function () {
      setTimeout(function () { next.focus(); }, 0);
    });
  }
  // A print job's state, asked again until it is final.
  var job = document.getElementById("job-state");
  if (job && job.getAttribute("data-url")) {
    var ask = function () {
      fetch(job.getAttribute("data-url"), { credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (found) {
          if (!found) {
            return;
          }
          job.textContent = found.state;
          if (found.final === false) {
            setTimeout(ask, 1000);
          }
        })
        .catch(function () {});
    };
    setTimeout(ask, 700);
  }
})();
