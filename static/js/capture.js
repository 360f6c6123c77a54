/* Record a lesson: progressive enhancements. The form works fully without this file.
 *
 * 1. Phase: offer only the phases of the chosen project (the server checks it anyway).
 * 2. Tags: complete the word after the last comma from the tags of lessons the user may see,
 *    by rewriting the <datalist> options as "tags typed so far, suggestion".
 */
(function () {
  "use strict";

  var form = document.getElementById("lesson-form");
  if (!form) {
    return;
  }

  // -- 1. phases of the chosen project -----------------------------------------------------
  var project = form.querySelector("select[name=project]");
  var phase = form.querySelector("select[name=phase]");

  function showPhasesOf(projectId) {
    if (!phase) {
      return;
    }
    Array.prototype.forEach.call(phase.querySelectorAll("optgroup"), function (group) {
      var visible = 0;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var fits = !projectId || option.getAttribute("data-project") === projectId;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits) {
          visible += 1;
        }
      });
      group.hidden = visible === 0;
    });
    var selected = phase.options[phase.selectedIndex];
    if (selected && selected.disabled) {
      phase.value = "";
    }
  }

  if (project && phase) {
    showPhasesOf(project.value);
    project.addEventListener("change", function () {
      showPhasesOf(project.value);
    });
  }

  // -- 2. tag completion --------------------------------------------------------------------
  var tagBox = form.querySelector(".capture-tags");
  var tags = form.querySelector("input[name=tags]");
  var list = document.getElementById("tag-suggestions");
  if (!tagBox || !tags || !list || !window.fetch) {
    return;
  }
  var url = tagBox.getAttribute("data-suggest-url");
  var popular = Array.prototype.map.call(list.options, function (option) {
    return option.value;
  });
  var cache = {};
  var timer = null;

  function fill(prefix, names) {
    var typed = prefix
      .split(",")
      .map(function (part) {
        return part.trim().toLowerCase();
      })
      .filter(Boolean);
    list.textContent = "";
    names.forEach(function (name) {
      if (typed.indexOf(name.toLowerCase()) !== -1) {
        return;
      }
      var option = document.createElement("option");
      option.value = prefix + name;
      list.appendChild(option);
    });
  }

  function suggest() {
    var value = tags.value;
    var cut = value.lastIndexOf(",");
    var prefix = cut === -1 ? "" : value.slice(0, cut + 1) + " ";
    var word = value.slice(cut + 1).trim();
    if (!word) {
      fill(prefix, popular);
      return;
    }
    var key = word.toLowerCase();
    if (cache[key]) {
      fill(prefix, cache[key]);
      return;
    }
    fetch(url + "?q=" + encodeURIComponent(word), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { tags: [] };
      })
      .then(function (data) {
        cache[key] = data.tags || [];
        if (tags.value === value) {
          fill(prefix, cache[key]);
        }
      })
      .catch(function () {
        /* suggestions are a convenience: typing still works */
      });
  }

  tags.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 150);
  });
})();
