// The site menu folds on narrow screens: the button appears only where scripts run, so
// without them the menu simply stays open.
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (!button || !nav) return;
  document.documentElement.classList.add("js");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
// A list's filter folds on narrow screens unless it is in use, so the list comes first.
(function () {
  "use strict";
  var box = document.querySelector(".list-filter-box");
  if (box && box.dataset.narrowed !== "true" && window.matchMedia("(max-width: 700px)").matches) {
    box.open = false;
  }
})();
