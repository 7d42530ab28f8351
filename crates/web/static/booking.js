// VKS booking: the day first, then the time on that day. Without scripts the one list of
// slots still works; with them, a day list is put before it and the slots are narrowed to
// the chosen day (a slot already chosen, when the form comes back with an error, keeps its day).
(function () {
  "use strict";
  var form = document.getElementById("vks-form");
  var slot = document.getElementById("slot");
  if (!form || !slot) return;
  var options = Array.prototype.filter.call(slot.options, function (o) { return o.value; });
  var days = [];
  options.forEach(function (o) {
    var text = o.textContent;
    o.dataset.day = text.slice(0, 10);
    o.dataset.full = text;
    if (days.indexOf(o.dataset.day) < 0) days.push(o.dataset.day);
  });
  if (days.length < 2) return;
  var field = slot.closest(".field");
  var wrap = document.createElement("div");
  wrap.className = "field";
  var label = document.createElement("label");
  label.htmlFor = "slot_day";
  label.textContent = form.dataset.dayLabel;
  var day = document.createElement("select");
  day.id = "slot_day";
  day.appendChild(document.createElement("option"));
  days.forEach(function (d) {
    var o = document.createElement("option");
    o.value = d;
    o.textContent = d;
    day.appendChild(o);
  });
  wrap.appendChild(label);
  wrap.appendChild(day);
  field.parentNode.insertBefore(wrap, field);
  var slotLabel = field.querySelector("label[for='slot']");
  if (slotLabel && form.dataset.timeLabel) slotLabel.firstChild.textContent = form.dataset.timeLabel + " ";
  var chosen = slot.options[slot.selectedIndex];
  if (chosen && chosen.value) day.value = chosen.dataset.day;
  function narrow() {
    options.forEach(function (o) {
      var mine = o.dataset.day === day.value;
      o.hidden = !mine;
      o.disabled = !mine;
      o.textContent = mine ? o.dataset.full.slice(11) : o.dataset.full;
    });
    var c = slot.options[slot.selectedIndex];
    if (c && c.value && c.dataset.day !== day.value) slot.value = "";
  }
  day.addEventListener("change", narrow);
  narrow();
})();
