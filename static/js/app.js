// Fellespott's only script besides vendored htmx. Everything here is an enhancement: every page
// works without it.
(function () {
  "use strict";

  // "Listen": read text aloud in the page's language, for members who find reading hard. The
  // page's button reads the main text; a button marked data-listen-part reads only its nearest
  // [data-listen-text-part] (a survey question and its answers): the [data-listen-say] parts in
  // it one after the other, or all its text. The phone's own voice reads where it has one for
  // the page's language; where it has none, a button with data-speech-url plays the server's
  // audio of the same part instead, piece by piece with "Next part". Other buttons stay hidden.
  // One reading at a time: a second press stops it.
  function setUpListening() {
    var synth = "speechSynthesis" in window ? window.speechSynthesis : null;
    var lang = document.documentElement.lang || "nb";
    var base = lang.split("-")[0];
    var messages = document.getElementById("request-errors");
    var current = null; // { button, stop } of the reading now going on

    // The plain links are for browsers without JavaScript: the buttons do their work here.
    document.querySelectorAll(".listen-link").forEach(function (link) { link.hidden = true; });

    function voiceFor() {
      if (!synth) return null;
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
      var hasVoice = voiceFor() !== null;
      buttons().forEach(function (button) {
        button.hidden = !hasVoice && !button.dataset.speechUrl;
      });
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
      var reading = current;
      current = null;
      if (reading) {
        setSpeaking(reading.button, false);
        reading.stop();
      }
    }

    function speakWithPhone(button) {
      var utterance = new SpeechSynthesisUtterance(textFor(button));
      utterance.lang = lang;
      utterance.voice = voiceFor();
      var reading = { button: button, stop: function () { synth.cancel(); } };
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
    }

    // The player of a button: an <audio> with its controls right after it, and a place for
    // "Next part" and for a message when the sound can't be had.
    function playerFor(button) {
      var box = button.nextElementSibling;
      if (!box || !box.classList.contains("listen-player")) {
        box = document.createElement("div");
        box.className = "listen-player";
        var player = document.createElement("audio");
        player.controls = true;
        player.preload = "auto";
        var message = document.createElement("p");
        message.className = "listen-message";
        message.setAttribute("role", "alert");
        message.hidden = true;
        box.appendChild(player);
        box.appendChild(message);
        button.insertAdjacentElement("afterend", box);
      }
      return box;
    }

    function playFromServer(button, piece, count) {
      var box = playerFor(button);
      var audio = box.querySelector("audio");
      var message = box.querySelector(".listen-message");
      var next = box.querySelector(".listen-next");
      if (next) next.remove();
      message.hidden = true;
      var url = button.dataset.speechUrl + "&n=" + piece;
      var reading = { button: button, stop: function () { audio.pause(); } };
      current = reading;
      setSpeaking(button, true);
      function fail(status) {
        if (current === reading) stop();
        message.textContent = (messages && (status === 429 ? messages.dataset.e429 : messages.dataset.speechFailed)) || "";
        message.hidden = false;
      }
      function play(total) {
        audio.src = url;
        audio.onended = function () {
          if (current !== reading) return;
          stop();
          if (piece + 1 < total) {
            var more = document.createElement("button");
            more.type = "button";
            more.className = "button listen-next";
            more.textContent = messages ? messages.dataset.nextPart : "→";
            more.addEventListener("click", function () {
              stop();
              playFromServer(button, piece + 1, total);
            });
            box.appendChild(more);
            more.focus();
          }
        };
        var started = audio.play();
        if (started && started.catch) started.catch(function () { /* the controls are there to press */ });
      }
      if (count) {
        play(count);
        return;
      }
      // The first piece is asked for once here, to learn whether it can be had and how many
      // pieces the part has; the player then takes it again from the browser's cache.
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw response.status;
        if (current !== reading) return;
        play(parseInt(response.headers.get("X-Speech-Pieces") || "1", 10));
      }).catch(function (status) { fail(typeof status === "number" ? status : 0); });
    }

    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-listen], [data-listen-part]");
      if (!button) return;
      var wasThis = current && current.button === button;
      stop();
      if (wasThis) return;
      if (voiceFor() !== null) speakWithPhone(button);
      else if (button.dataset.speechUrl) playFromServer(button, 0, 0);
    });

    refresh();
    if (synth) synth.addEventListener("voiceschanged", refresh);
    // Parts that htmx swaps in get their buttons shown too.
    document.body.addEventListener("htmx:afterSettle", refresh);
  }

  // Voice clips: a speaker link plays its clip in the page (without JavaScript the link opens
  // the sound itself). One clip at a time.
  function setUpClips() {
    var playing = null;
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("[data-clip]");
      if (!link) return;
      event.preventDefault();
      if (playing) playing.pause();
      playing = new Audio(link.getAttribute("href"));
      var started = playing.play();
      if (started && started.catch) started.catch(function () { window.location.href = link.href; });
    });
  }

  // The recording page: record in the browser, listen back, record again, and send it in the
  // form's own file field, so the form posts as it does with a chosen file. Shown only where the
  // browser can record; the file field always works.
  function setUpRecorders() {
    var recorders = document.querySelectorAll("[data-recorder]");
    if (!recorders.length || !window.MediaRecorder || !navigator.mediaDevices || !window.DataTransfer) return;
    recorders.forEach(function (box) {
      var form = box.closest("form");
      var button = box.querySelector("[data-record]");
      var label = button.querySelector("span");
      var playback = box.querySelector("[data-playback]");
      var input = form.querySelector("input[type=file]");
      var recorder = null;
      box.hidden = false;
      button.addEventListener("click", function () {
        if (recorder && recorder.state === "recording") {
          recorder.stop();
          return;
        }
        navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
          var chunks = [];
          recorder = new MediaRecorder(stream);
          recorder.ondataavailable = function (event) { if (event.data.size) chunks.push(event.data); };
          recorder.onstop = function () {
            stream.getTracks().forEach(function (track) { track.stop(); });
            var type = recorder.mimeType || "audio/webm";
            var blob = new Blob(chunks, { type: type });
            var extension = type.indexOf("ogg") !== -1 ? "ogg" : type.indexOf("mp4") !== -1 ? "m4a" : "webm";
            var files = new DataTransfer();
            files.items.add(new File([blob], "clip." + extension, { type: type }));
            input.files = files.files;
            if (playback.src) URL.revokeObjectURL(playback.src);
            playback.src = URL.createObjectURL(blob);
            playback.hidden = false;
            label.textContent = box.dataset.labelRecord;
            button.setAttribute("aria-pressed", "false");
          };
          recorder.start();
          label.textContent = box.dataset.labelStop;
          button.setAttribute("aria-pressed", "true");
        }).catch(function () {
          var note = document.createElement("p");
          note.className = "error";
          note.setAttribute("role", "alert");
          note.textContent = box.dataset.noMicrophone;
          box.replaceWith(note);
        });
      });
    });
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
    setUpClips();
    setUpRecorders();
    closeDetailsOnOutsideClick();
    setUpPolling();
    setUpRequestErrors();
    setUpFileLimits();
  });
})();
