// Fellespott's only script besides vendored htmx. Everything here is an enhancement: every page
// works without it.
(function () {
  "use strict";

  // "Listen": read text aloud in the page's language, for members who find reading hard. The
  // page's button reads the main text; a button marked data-listen-part reads only its nearest
  // [data-listen-text-part] (a survey question and its answers): the [data-listen-say] parts in
  // it one after the other, or all its text. Buttons stay hidden unless the browser has a voice
  // for the page's language. One reading at a time: a second press stops it.
  function setUpListening() {
    if (!("speechSynthesis" in window)) return;
    var synth = window.speechSynthesis;
    var lang = document.documentElement.lang || "nb";
    var base = lang.split("-")[0];
    var current = null; // { button, utterance } of the reading now going on

    function voiceFor() {
      var voices = synth.getVoices();
      var wanted = base === "nb" ? ["nb", "no", "nn"] : [base];
      for (var i = 0; i < voices.length; i++) {
        var voiceBase = voices[i].lang.toLowerCase().split(/[-_]/)[0];
        if (wanted.indexOf(voiceBase) !== -1) return voices[i];
      }
      return null;
    }

    function buttons() {
      return document.querySelectorAll("[data-listen], [data-listen-part]");
    }

    function refresh() {
      var missing = voiceFor() === null;
      buttons().forEach(function (button) { button.hidden = missing; });
    }

    function setSpeaking(button, speaking) {
      var label = button.querySelector("span");
      if (label) {
        label.textContent = speaking ? button.dataset.labelStop : button.dataset.labelListen;
      }
      button.setAttribute("aria-pressed", speaking ? "true" : "false");
    }

    function textFor(button) {
      if (!button.hasAttribute("data-listen-part")) {
        var source = document.querySelector("[data-listen-text]") || document.querySelector("main");
        return source.innerText;
      }
      var part = button.closest("[data-listen-text-part]");
      if (!part) return "";
      var pieces = part.querySelectorAll("[data-listen-say]");
      if (!pieces.length) return part.innerText;
      var texts = [];
      pieces.forEach(function (piece) {
        var text = piece.textContent.trim();
        // A full stop after each piece makes the voice pause between the answers.
        texts.push(/[.?!؟:]$/.test(text) ? text : text + ".");
      });
      return texts.join(" ");
    }

    function stop() {
      if (current) setSpeaking(current.button, false);
      current = null;
      synth.cancel();
    }

    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-listen], [data-listen-part]");
      if (!button) return;
      var wasThis = current && current.button === button;
      if (synth.speaking || current) stop();
      if (wasThis) return;
      var utterance = new SpeechSynthesisUtterance(textFor(button));
      utterance.lang = lang;
      utterance.voice = voiceFor();
      var reading = { button: button, utterance: utterance };
      function done() {
        // A reading that was stopped for another one must not reset the new one's button.
        if (current === reading) {
          setSpeaking(button, false);
          current = null;
        }
      }
      utterance.onend = done;
      utterance.onerror = done;
      current = reading;
      synth.speak(utterance);
      setSpeaking(button, true);
    });

    refresh();
    synth.addEventListener("voiceschanged", refresh);
    // Parts that htmx swaps in get their buttons shown too.
    document.body.addEventListener("htmx:afterSettle", refresh);
  }

  // Close the language menu when a choice is made elsewhere on the page.
  function closeDetailsOnOutsideClick() {
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.language-switcher[open]").forEach(function (details) {
        if (!details.contains(event.target)) details.open = false;
      });
    });
  }

  // Discussion polling (templates/proposals/_comments.html). Elements marked data-poll are
  // refreshed by htmx every 20 s, but only while the page is visible and nobody is writing in
  // them. htmx's own `every 20s [filter]` trigger needs eval, which the CSP forbids; here the
  // check is plain JavaScript and htmx only hears a custom "fp-poll" event.
  var POLL_MILLISECONDS = 20000;

  function isBeingUsed(element) {
    if (element.contains(document.activeElement) && document.activeElement !== element) {
      return true;
    }
    if (element.querySelector("details[open]")) return true;
    var fields = element.querySelectorAll("textarea, input[type=text]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "") return true;
    }
    return false;
  }

  function pollVisibleParts() {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (element) {
      if (!isBeingUsed(element)) window.htmx.trigger(element, "fp-poll");
    });
  }

  function setUpPolling() {
    // htmx "settles" a swapped element by copying class, style, width and height from the old
    // one with the same id; copying a style attribute is an inline style, which the CSP
    // refuses. Fellespott has no inline styles, so settling leaves style out.
    if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];
    if (!document.querySelector("[data-poll]")) return;
    window.setInterval(pollVisibleParts, POLL_MILLISECONDS);
    // Catch up at once when the reader comes back to the tab.
    document.addEventListener("visibilitychange", pollVisibleParts);
  }

  // When an htmx request fails, nothing is swapped, so what the person typed stays in the form.
  // Say what happened, in their language, right above the form (the texts are in
  // #request-errors, written by the server), and take the message away on the next try.
  var ERROR_KEYS = { 400: "e400", 403: "e403", 404: "e404", 409: "e409", 413: "e413", 429: "e429" };

  function showRequestError(element, status) {
    var texts = document.getElementById("request-errors");
    if (!texts) return;
    var key = status === 0 ? "network" : ERROR_KEYS[status] || "e500";
    var form = element.closest("form") || element;
    clearRequestError(form);
    var message = document.createElement("p");
    message.className = "flash flash-error request-error";
    message.setAttribute("role", "alert");
    message.dataset.requestError = String(status);
    message.textContent = texts.dataset[key];
    form.parentNode.insertBefore(message, form);
  }

  function clearRequestError(form) {
    var previous = form.previousElementSibling;
    if (previous && previous.classList.contains("request-error")) previous.remove();
  }

  function setUpRequestErrors() {
    document.body.addEventListener("htmx:responseError", function (event) {
      showRequestError(event.detail.elt, event.detail.xhr.status);
    });
    document.body.addEventListener("htmx:sendError", function (event) {
      showRequestError(event.detail.elt, 0);
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      clearRequestError(event.detail.elt.closest("form") || event.detail.elt);
    });
  }

  // A photo above the limit is refused before it is sent, beside its field, so nothing typed is
  // lost and no megabytes go over a weak connection for nothing. The server checks again.
  function fileTooLarge(input) {
    var limit = Number(input.dataset.maxBytes);
    return Boolean(limit && input.files && input.files.length && input.files[0].size > limit);
  }

  function markFile(input) {
    var note = input.parentNode.querySelector(".file-too-large");
    if (fileTooLarge(input)) {
      if (!note) {
        note = document.createElement("p");
        note.className = "error file-too-large";
        note.setAttribute("role", "alert");
        note.textContent = input.dataset.tooLarge;
        input.insertAdjacentElement("afterend", note);
      }
      input.setAttribute("aria-invalid", "true");
    } else if (note) {
      note.remove();
      input.removeAttribute("aria-invalid");
    }
  }

  function setUpFileLimits() {
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[type=file][data-max-bytes]")) {
        markFile(event.target);
      }
    });
    document.addEventListener("submit", function (event) {
      var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
      for (var i = 0; i < inputs.length; i++) {
        if (fileTooLarge(inputs[i])) {
          markFile(inputs[i]);
          inputs[i].focus();
          event.preventDefault();
          return;
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpListening();
    closeDetailsOnOutsideClick();
    setUpPolling();
    setUpRequestErrors();
    setUpFileLimits();
  });
})();
