/* Import a lessons log: progressive enhancements. Both forms work fully without this file.
 *
 * 1. Upload: send the file with XMLHttpRequest so a <progress> bar shows how much is sent;
 *    the server answers {"location": ...} when the file is accepted, or the page again with
 *    the problem, which replaces the form.
 * 2. Check and import: say that the work is under way (a large file takes a while) and
 *    stop a second click from sending the form twice.
 */
(function () {
  "use strict";

  // -- 1. upload with progress ---------------------------------------------------------------
  var upload = document.getElementById("import-upload");
  if (upload && window.FormData && window.XMLHttpRequest) {
    upload.addEventListener("submit", function (event) {
      var file = upload.querySelector("input[type=file]");
      if (!file || !file.files || !file.files.length) {
        return; // let the server say that a file is needed
      }
      event.preventDefault();
      var box = upload.querySelector(".import-progress");
      var bar = box.querySelector("progress");
      var label = box.querySelector("label");
      var button = upload.querySelector("button[type=submit]");
      box.hidden = false;
      button.disabled = true;
      var request = new XMLHttpRequest();
      request.open("POST", upload.getAttribute("action") || window.location.href);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) {
          var percent = Math.round((progress.loaded / progress.total) * 100);
          bar.value = percent;
          bar.textContent = percent + "%";
          if (percent >= 100) {
            label.textContent = "Reading the file…";
            bar.removeAttribute("value");
          }
        }
      });
      request.addEventListener("load", function () {
        var type = request.getResponseHeader("Content-Type") || "";
        if (request.status === 200 && type.indexOf("application/json") === 0) {
          window.location.assign(JSON.parse(request.responseText).location);
          return;
        }
        // The page again, with the problem beside the field: show it as a normal post would.
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var main = page.getElementById("content");
        if (main) {
          document.getElementById("content").innerHTML = main.innerHTML;
          document.title = page.title;
          var summary = document.querySelector(".error-summary, .field-invalid");
          if (summary) {
            summary.scrollIntoView();
          }
        } else {
          upload.submit(); // something unexpected: fall back to an ordinary post
        }
      });
      request.addEventListener("error", function () {
        box.hidden = true;
        button.disabled = false;
        label.textContent = "The upload failed: check the connection and try again.";
        box.hidden = false;
      });
      request.send(new FormData(upload));
    });
  }

  // -- 2. check and import: work under way -------------------------------------------------------
  var mapping = document.getElementById("import-mapping");
  if (mapping) {
    mapping.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var intent = submitter && submitter.name === "intent" ? submitter.value : "check";
      // The clicked button's value must travel with the form once the buttons are disabled.
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "intent";
      hidden.value = intent;
      mapping.appendChild(hidden);
      var box = mapping.querySelector(".import-progress");
      var label = box.querySelector("label");
      label.textContent = label.getAttribute(intent === "import" ? "data-import" : "data-check");
      box.hidden = false;
      window.setTimeout(function () {
        Array.prototype.forEach.call(
          document.querySelectorAll("button[name=intent]"),
          function (button) {
            button.disabled = true;
          }
        );
      }, 0);
    });
  }
})();
