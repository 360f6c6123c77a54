/* Copy buttons: a progressive enhancement. Without this file the text stays selectable.
 *
 * <button data-copy="ID" hidden> copies the value of the field with that id and says so.
 */
(function () {
  "use strict";

  if (!navigator.clipboard) {
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          button.textContent = "Copied";
          window.setTimeout(function () { button.textContent = label; }, 2000);
        },
        function () {
          field.select();
        }
      );
    });
  });
})();
