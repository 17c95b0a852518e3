// On a narrow screen the filters are a drawer above the results, closed until asked for;
// without this script they stay open below the results.
(function () {
  "use strict";
  const drawer = document.querySelector("details.drawer");
  if (!drawer) return;
  document.documentElement.classList.add("js");
  if (window.matchMedia("(max-width: 50rem)").matches) drawer.open = false;
})();
