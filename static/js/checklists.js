/* Checklist pages: progressive enhancements. Every form works fully without this file.
 *
 * 1. Forms marked data-confirm ask before they delete.
 * 2. Updating an item from an action: choosing an item puts its wording in the "New
 *    wording" box to edit, unless the curator has typed something of their own there.
 */
(function () {
  "use strict";

  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  var update = document.querySelector("form.follow-up-update");
  if (!update) {
    return;
  }
  var wording = update.querySelector("textarea[name='update-text']");
  if (!wording) {
    return;
  }
  var filled = "";

  function fill(radio) {
    if (wording.value.trim() === "" || wording.value === filled) {
      filled = radio.getAttribute("data-text") || "";
      wording.value = filled;
    }
  }

  Array.prototype.forEach.call(update.querySelectorAll("input[type=radio][data-text]"), function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked) {
        fill(radio);
      }
    });
    if (radio.checked) {
      fill(radio);
    }
  });
})();
