// Suggestions as you type: the search box is a WAI-ARIA 1.2 combobox with a listbox of
// grouped options (documents open, entities open their page, words search). Keyboard: down
// and up move, Enter takes the chosen option (or searches), Escape closes. Without this
// script the box is a plain search field.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const list = document.getElementById("suggestions");
  if (!input || !list) return;
  const groups = [["title", input.dataset.groupTitle], ["entity", input.dataset.groupEntity],
    ["term", input.dataset.groupTerm]];
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(index) {
    options.forEach(function (option, n) {
      option.element.setAttribute("aria-selected", n === index ? "true" : "false");
    });
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", options[index].element.id);
    options[index].element.scrollIntoView({ block: "nearest" });
  }

  function take(option) {
    if (option.kind !== "term" && option.url) {
      window.location.assign(option.url);
      return;
    }
    input.value = option.text;
    close();
    input.form.submit();
  }

  function show(suggestions) {
    list.replaceChildren();
    options = [];
    groups.forEach(function (pair, g) {
      const found = suggestions.filter(function (s) { return s.kind === pair[0]; });
      if (!found.length) return;
      const group = document.createElement("div");
      group.setAttribute("role", "group");
      const label = document.createElement("div");
      label.id = "suggestions-group-" + g;
      label.className = "group-label";
      label.textContent = pair[1];
      group.setAttribute("aria-labelledby", label.id);
      group.appendChild(label);
      found.forEach(function (s) {
        const element = document.createElement("div");
        element.id = "suggestion-" + options.length;
        element.setAttribute("role", "option");
        element.setAttribute("aria-selected", "false");
        element.className = "option option-" + s.kind;
        element.textContent = s.text;
        const option = { element: element, kind: s.kind, text: s.text, url: s.url };
        // mousedown, not click: the box keeps its focus.
        element.addEventListener("mousedown", function (event) {
          event.preventDefault();
          take(option);
        });
        options.push(option);
        group.appendChild(element);
      });
      list.appendChild(group);
    });
    if (!options.length) {
      close();
      return;
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    choose(-1);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    const typed = input.value.trim();
    if (typed.length < 2) {
      close();
      return;
    }
    timer = setTimeout(async function () {
      const ticket = ++asked;
      const answer = await fetch("/api/suggest?limit=8&q=" + encodeURIComponent(typed));
      if (!answer.ok || ticket !== asked) return;  // a later answer is on its way
      show((await answer.json()).suggestions);
    }, 150);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) return;
      event.preventDefault();
      // -1 is the box itself: moving past either end returns to what was typed.
      const next = active + (event.key === "ArrowDown" ? 1 : -1);
      choose(next >= options.length ? -1 : next < -1 ? options.length - 1 : next);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      take(options[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
})();
