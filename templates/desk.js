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
