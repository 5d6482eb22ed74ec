/* Copy buttons, shared by the tracking page's discount codes and the support console's link:
     <button type="button" data-copy-target="#element-id" data-copied-text="Copied" hidden>...
     <button type="button" data-copy-text="text to copy" ...>
   with an aria-live `.copy-status` element beside the button (same parent) that announces the
   result. Buttons start `hidden` (useless without JavaScript, where the text stays selectable);
   this script shows them, also in content htmx swaps in later. Optional attributes:
   data-copy-failed-text (said when the clipboard refuses; the text is then selected instead). */
(function () {
  "use strict";
  var SELECTOR = "button[data-copy-target], button[data-copy-text]";

  function reveal(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches(SELECTOR)) { scope.hidden = false; }
    Array.prototype.forEach.call(scope.querySelectorAll(SELECTOR), function (b) { b.hidden = false; });
  }

  function targetOf(button) {
    var ref = button.getAttribute("data-copy-target");
    if (!ref) { return null; }
    try { return document.querySelector(ref); } catch (e) { return document.getElementById(ref); }
  }

  function textOf(button) {
    if (button.hasAttribute("data-copy-text")) { return button.getAttribute("data-copy-text"); }
    var target = targetOf(button);
    if (!target) { return null; }
    return ("value" in target ? target.value : target.textContent).trim();
  }

  function selectTarget(button) {
    var target = targetOf(button);
    if (!target) { return; }
    if (target.select) { target.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(button, text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    button.focus();  // keyboard users stay where they were
    return ok;
  }

  function announce(button, ok) {
    var status = button.parentNode && button.parentNode.querySelector(".copy-status, [aria-live]");
    var words = ok ? (button.getAttribute("data-copied-text") || "Copied")
                   : (button.getAttribute("data-copy-failed-text") || "Press Ctrl+C to copy");
    if (!ok) { selectTarget(button); }
    button.setAttribute("data-copied", ok ? "true" : "false");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = words; }, 50);  // announced every time
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(SELECTOR) : null;
    if (!button) { return; }
    var text = textOf(button);
    if (text === null) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { announce(button, true); },
        function () { announce(button, legacyCopy(button, text)); });
    } else {
      announce(button, legacyCopy(button, text));
    }
  });

  document.addEventListener("htmx:load", function (event) { reveal(event.detail && event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
