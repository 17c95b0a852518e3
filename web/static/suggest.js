// Autocomplete for the search box: asks /api/suggest while typing and fills the datalist.
(function () {
  const input = document.querySelector('input[name="q"]');
  const list = document.getElementById("suggestions");
  if (!input || !list) return;
  let timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    const typed = input.value.trim();
    if (typed.length < 2) return;
    timer = setTimeout(async function () {
      const answer = await fetch("/api/suggest?q=" + encodeURIComponent(typed));
      if (!answer.ok) return;
      const data = await answer.json();
      list.replaceChildren(...data.suggestions.map(function (s) {
        const option = document.createElement("option");
        option.value = s.text;
        return option;
      }));
    }, 150);
  });
})();
