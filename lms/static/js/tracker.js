// Study-time tracker: reports what the media element really played; the server credits it.
//
// Usage: LmsTracker.attach(mediaElement, {lessonId, csrfToken, apiBase, isVideo, presenceMinutes,
//                                         texts: {stillThere, continueLabel}})
// The server decides every credited second (rules in lms/tracking); this script only
// collects played segments from the element's own events and delivers them reliably.
(function () {
  "use strict";

  var STORE_KEY = "lms-tracker-pending";
  var DEVICE_KEY = "lms-device-id"; // one per browser: several accounts on one device show
  var MAX_INPUTS = 1000000;
  var JUMP_TOLERANCE = 1.5; // seconds of media time a timeupdate may advance per event
  // A beat's seq grows, also across page loads: seconds since 2026 at the page's start. The
  // server takes seq up to 2^31 - 1 (PostgreSQL's integer), which Unix seconds pass in 2038.
  var SEQ_EPOCH = 1767225600; // 2026-01-01T00:00:00Z

  function now() { return Date.now() / 1000; }

  function loadPending() {
    try { return JSON.parse(window.localStorage.getItem(STORE_KEY) || "[]"); }
    catch (e) { return []; }
  }

  function savePending(list) {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(-20))); }
    catch (e) { /* private mode or full: memory still holds them */ }
  }

  function deviceId() {
    try {
      var id = window.localStorage.getItem(DEVICE_KEY);
      if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
        id = "";
        for (var i = 0; i < 4; i++) { id += Math.random().toString(36).slice(2, 10); }
        window.localStorage.setItem(DEVICE_KEY, id);
      }
      return id;
    } catch (e) { return null; }
  }

  // What the player observes about the session, sent with every beat (lms/tracking/risk.py):
  // an automated browser, whether the sound was ever on, the page ever visible or in front,
  // how many times a person touched the mouse, keyboard or screen, and how long each
  // "are you still studying?" check took to answer.
  function Observer() {
    var self = this;
    self.inputs = 0;
    self.audible = false;
    self.visible = false;
    self.focused = false;
    self.presence = [];
    self.headless = [];
    if (/Headless/i.test(navigator.userAgent)) { self.headless.push("HeadlessChrome"); }
    if (window.outerWidth === 0 && window.outerHeight === 0) { self.headless.push("no window"); }
    ["pointerdown", "mousemove", "keydown", "touchstart", "wheel"].forEach(function (name) {
      document.addEventListener(name, function (event) {
        if (event.isTrusted && self.inputs < MAX_INPUTS) { self.inputs += 1; }
      }, { passive: true, capture: true });
    });
  }

  Observer.prototype.sample = function (media) {
    if (media.paused) { return; }
    if (!media.muted && media.volume > 0) { this.audible = true; }
    if (document.visibilityState === "visible") { this.visible = true; }
    if (document.hasFocus && document.hasFocus()) { this.focused = true; }
  };

  Observer.prototype.report = function () {
    return {
      webdriver: navigator.webdriver === true, headless: this.headless.slice(0, 5),
      audible: this.audible, visible: this.visible, focused: this.focused,
      inputs: this.inputs, presence: this.presence.slice(0, 20)
    };
  };

  function Tracker(media, options) {
    this.media = media;
    this.options = options;
    this.apiBase = options.apiBase || "/api/v1";
    this.viewId = null;
    this.seq = Math.floor(now()) - SEQ_EPOCH; // grows with each beat, also across page loads
    this.heartbeat = 15;
    this.maxRate = 1;
    this.segment = null; // [start, end] being played now
    this.unsent = []; // closed segments not yet delivered
    this.sending = false;
    this.backoff = 1;
    this.timer = null;
    this.tabId = Math.random().toString(36).slice(2);
    this.observer = new Observer();
    this.elsewhere = false; // another tab or device has the account's playback
  }

  Tracker.prototype.start = function () {
    var self = this;
    self.deliverLeftovers();
    return fetch(self.apiBase + "/lessons/" + self.options.lessonId + "/views", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": self.options.csrfToken, "Accept": "application/json",
        "Content-Type": "application/json"
      },
      body: JSON.stringify(deviceId() ? { device_id: deviceId() } : {})
    }).then(function (response) {
      if (!response.ok) { throw new Error("view " + response.status); }
      return response.json();
    }).then(function (view) {
      self.viewId = view.view_id;
      self.heartbeat = view.heartbeat_seconds || 15;
      self.maxRate = view.max_playback_rate || 1;
      self.resume(view.resume_position || 0);
      self.report(view); // the credit so far, before the first beat
      self.listen();
      return view;
    });
  };

  Tracker.prototype.resume = function (position) {
    var media = this.media;
    function seek() {
      if (position > 0 && position < (media.duration || Infinity) - 1) {
        media.currentTime = position;
        media.dispatchEvent(new CustomEvent("lms:resumed", { detail: { position: position } }));
      }
    }
    if (media.readyState >= 1) { seek(); } else { media.addEventListener("loadedmetadata", seek, { once: true }); }
  };

  Tracker.prototype.listen = function () {
    var self = this, media = this.media;
    media.addEventListener("playing", function () {
      self.openSegment(); self.announcePlaying(); self.claim(); self.schedule();
    });
    media.addEventListener("timeupdate", function () { self.observer.sample(media); self.extendSegment(); });
    media.addEventListener("seeking", function () { self.closeSegment(); });
    media.addEventListener("seeked", function () { if (!media.paused) { self.openSegment(); } });
    media.addEventListener("pause", function () { self.closeSegment(); self.send(false); });
    media.addEventListener("ended", function () { self.closeSegment(); self.send(true); });
    media.addEventListener("ratechange", function () {
      if (media.playbackRate > self.maxRate) { media.playbackRate = self.maxRate; }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        // Video needs eyes; audio courses are meant to be heard while doing something else,
        // so a playing audio keeps its segment open (the beacon takes what it has so far).
        if (self.options.isVideo && !media.paused) { media.pause(); }
        self.beacon();
      }
    });
    window.addEventListener("pagehide", function () { self.closeSegment(); self.beacon(); });
    window.addEventListener("online", function () { self.send(false); });
    self.watchOtherTabs();
    self.schedulePresenceCheck();
  };

  Tracker.prototype.openSegment = function () {
    var t = this.media.currentTime;
    this.segment = [t, t];
    this.lastWall = now();
  };

  Tracker.prototype.extendSegment = function () {
    if (!this.segment || this.media.paused) { return; }
    var t = this.media.currentTime, end = this.segment[1];
    var wall = now(), allowed = (wall - (this.lastWall || wall)) * this.maxRate + JUMP_TOLERANCE;
    this.lastWall = wall;
    if (t >= end && t - end <= allowed) {
      this.segment[1] = t;
    } else {
      // A jump the player did not announce as a seek: keep what was played, start again.
      this.closeSegment();
      this.openSegment();
    }
  };

  Tracker.prototype.closeSegment = function () {
    if (this.segment && this.segment[1] > this.segment[0]) {
      this.unsent.push([this.segment[0], this.segment[1]]);
    }
    this.segment = null;
  };

  Tracker.prototype.takeSegments = function () {
    // Everything played so far, including the segment still open (it continues from its end).
    var segments = this.unsent.slice();
    if (this.segment && this.segment[1] > this.segment[0]) {
      segments.push([this.segment[0], this.segment[1]]);
      this.segment = [this.segment[1], this.segment[1]];
    }
    return segments;
  };

  Tracker.prototype.body = function (segments, ended) {
    this.seq += 1;
    this.observer.sample(this.media);
    return {
      seq: this.seq, segments: segments, position: this.media.currentTime,
      rate: this.media.playbackRate, ended: !!ended, signals: this.observer.report()
    };
  };

  Tracker.prototype.claim = function () {
    // Playing here makes this the account's one playback; the other tab or device is told
    // at its next beat (409 playing_elsewhere) and pauses (lms/tracking/playback.py).
    var self = this;
    if (!self.viewId) { return; }
    self.setElsewhere(false);
    fetch(self.apiBase + "/views/" + self.viewId + "/playback", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": self.options.csrfToken, "Accept": "application/json" }
    }).catch(function () { /* offline: the next beat claims it if no one else plays */ });
  };

  Tracker.prototype.setElsewhere = function (elsewhere) {
    this.elsewhere = elsewhere;
    if (elsewhere && !this.media.paused) { this.media.pause(); }
    this.media.dispatchEvent(new CustomEvent("lms:elsewhere", { detail: { elsewhere: elsewhere } }));
  };

  Tracker.prototype.schedule = function () {
    var self = this;
    if (self.timer) { clearTimeout(self.timer); }
    // A beat every 70-100 % of the heartbeat: a player's rhythm is never a machine's, so a
    // script beating at fixed intervals stands out (lms/tracking/risk.py).
    self.timer = setTimeout(function () {
      self.timer = null;
      if (!self.media.paused) { self.send(false); self.schedule(); }
    }, self.heartbeat * (0.7 + 0.3 * Math.random()) * 1000);
  };

  Tracker.prototype.send = function (ended) {
    var self = this;
    if (!self.viewId) { return; }
    if (self.sending) {
      // One beat at a time (seq order); a pause or end during a beat goes right after it.
      self.again = true;
      self.againEnded = self.againEnded || !!ended;
      return;
    }
    var segments = self.takeSegments();
    if (!segments.length && !ended) { return; }
    self.unsent = [];
    self.sending = true;
    var body = self.body(segments, ended);
    fetch(self.apiBase + "/views/" + self.viewId + "/beats", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      keepalive: true
    }).then(function (response) {
      if (response.status >= 500 || response.status === 429) { throw new Error("retry"); }
      self.sending = false;
      self.backoff = 1;
      self.forget();
      self.sendAgain();
      if (response.ok) {
        self.observer.presence = self.observer.presence.slice(body.signals.presence.length);
        return response.json().then(function (answer) { self.report(answer); });
      }
      if (response.status === 409) {
        return response.json().then(function (answer) {
          if (answer.error && answer.error.code === "playing_elsewhere") { self.setElsewhere(true); }
        }).catch(function () { return null; });
      }
      return null; // 4xx: the server refused these segments for good; do not resend
    }).catch(function () {
      // Offline or a server error: keep the segments (they merge into the next beat,
      // so a lost answer can never double-count) and try again with backoff.
      self.sending = false;
      self.unsent = segments.concat(self.unsent);
      self.remember(body.seq);
      if (self.retryTimer) { return; }
      var delay = Math.min(60, self.backoff) * 1000;
      self.backoff *= 2;
      self.retryTimer = setTimeout(function () {
        self.retryTimer = null;
        self.again = true; // with a pending ended flag, if a pause or end came meanwhile
        self.sendAgain();
      }, delay);
    });
  };

  Tracker.prototype.sendAgain = function () {
    if (!this.again) { return; }
    var ended = this.againEnded;
    this.again = false;
    this.againEnded = false;
    this.send(ended);
  };

  Tracker.prototype.beacon = function () {
    var segments = this.takeSegments();
    this.unsent = [];
    if (!this.viewId || !segments.length) { return; }
    var beat = this.body(segments, false), body = JSON.stringify(beat);
    var url = this.apiBase + "/views/" + this.viewId + "/beats";
    // sendBeacon survives the page closing; it can only send text/plain, which the API accepts.
    if (navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: "text/plain" }))) {
      this.observer.presence = this.observer.presence.slice(beat.signals.presence.length);
    } else {
      this.unsent = segments;
      this.remember(this.seq);
    }
  };

  Tracker.prototype.remember = function (seq) {
    // The stored seq is the failed beat's own: if this page delivers the segments later
    // (merged, with a higher seq), the leftover gets 409 and credits nothing twice; if the
    // page dies first, the leftover is newer than anything the view accepted.
    if (!this.viewId || !this.unsent.length) { return; }
    var pending = loadPending().filter(function (p) { return p.viewId !== this.viewId; }, this);
    var signals = this.observer.report();
    signals.presence = []; // answers go with this page's own next beat, never twice
    pending.push({ viewId: this.viewId, segments: this.unsent, seq: seq, signals: signals });
    savePending(pending);
  };

  Tracker.prototype.forget = function () {
    var viewId = this.viewId, pending = loadPending();
    var left = pending.filter(function (p) { return p.viewId !== viewId; });
    if (left.length !== pending.length) { savePending(left); }
  };

  Tracker.prototype.deliverLeftovers = function () {
    // Segments a previous page could not deliver go to the view that played them.
    var self = this, pending = loadPending();
    savePending([]);
    pending.forEach(function (p) {
      fetch(self.apiBase + "/views/" + p.viewId + "/beats", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          seq: p.seq, segments: p.segments, position: 0, rate: 1, ended: false, signals: p.signals
        })
      }).then(function (response) {
        if (response.status >= 500) { throw new Error("retry"); }
      }).catch(function () { var again = loadPending(); again.push(p); savePending(again); });
    });
  };

  Tracker.prototype.report = function (answer) {
    var event = new CustomEvent("lms:credited", { detail: answer });
    this.media.dispatchEvent(event);
  };

  Tracker.prototype.announcePlaying = function () {
    if (this.channel) { this.channel.postMessage({ playing: this.tabId }); }
  };

  Tracker.prototype.watchOtherTabs = function () {
    // One lecture at a time: when another tab starts playing, this one pauses.
    var self = this;
    if (!("BroadcastChannel" in window)) { return; }
    self.channel = new BroadcastChannel("lms-player");
    self.channel.onmessage = function (message) {
      if (message.data && message.data.playing && message.data.playing !== self.tabId && !self.media.paused) {
        self.setElsewhere(true);
      }
    };
  };

  Tracker.prototype.schedulePresenceCheck = function () {
    var self = this, minutes = self.options.presenceMinutes;
    if (!minutes) { return; }
    var dialog = document.getElementById("presence-check");
    var delay = (0.5 + Math.random() * 0.5) * minutes * 60 * 1000; // a random moment
    setTimeout(function () {
      if (self.media.paused || !dialog) { self.schedulePresenceCheck(); return; }
      self.media.pause();
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
      var asked = now();
      dialog.addEventListener("close", function () {
        self.observer.presence.push(Math.round((now() - asked) * 1000) / 1000);
        self.media.play();
        self.schedulePresenceCheck();
      }, { once: true });
    }, delay);
  };

  window.LmsTracker = {
    attach: function (media, options) {
      var tracker = new Tracker(media, options);
      tracker.start().catch(function () { /* playing still works; nothing is credited */ });
      return tracker;
    }
  };
})();

// Pages mark a tracked player with data-tracker on a wrapper around the <video> or <audio>.
(function () {
  "use strict";
  function clock(seconds) {
    var s = Math.max(0, Math.round(seconds)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var ss = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }
  function init() {
    var wrappers = document.querySelectorAll("[data-tracker]");
    Array.prototype.forEach.call(wrappers, function (wrapper) {
      var media = wrapper.querySelector("video, audio");
      if (!media) { return; }
      var status = wrapper.querySelector("[data-credited]");
      media.addEventListener("lms:credited", function (event) {
        if (!status) { return; }
        var seconds = Math.floor(event.detail.lesson_credited_seconds || 0);
        var percent = Math.floor((event.detail.lesson_progress || 0) * 100);
        var text = status.getAttribute("data-template")
          .replace("{minutes}", String(Math.floor(seconds / 60)))
          .replace("{seconds}", String(seconds % 60)).replace("{percent}", String(percent));
        if (event.detail.lesson_completed) {
          text += " " + status.getAttribute("data-completed");
          status.classList.add("completed");
        }
        status.textContent = text;
      });
      var elsewhere = wrapper.querySelector("[data-elsewhere]");
      media.addEventListener("lms:elsewhere", function (event) {
        if (elsewhere) { elsewhere.hidden = !event.detail.elsewhere; }
      });
      var note = wrapper.querySelector("[data-resume]");
      media.addEventListener("lms:resumed", function (event) {
        if (!note) { return; }
        var text = note.querySelector("[data-resume-text]");
        text.textContent = text.getAttribute("data-template").replace("{time}", clock(event.detail.position));
        note.hidden = false;
        note.querySelector("[data-restart]").addEventListener("click", function () {
          media.currentTime = 0;
          note.hidden = true;
          media.focus();
        }, { once: true });
      });
      var tracker = window.LmsTracker.attach(media, {
        lessonId: wrapper.getAttribute("data-lesson-id"),
        csrfToken: wrapper.getAttribute("data-csrf"),
        apiBase: wrapper.getAttribute("data-api") || "/api/v1",
        isVideo: media.tagName === "VIDEO",
        presenceMinutes: parseFloat(wrapper.getAttribute("data-presence-minutes") || "0")
      });
      if (elsewhere) {
        elsewhere.querySelector("[data-take-over]").addEventListener("click", function () {
          media.play(); // its "playing" claims the playback back (Tracker.claim)
          tracker.claim();
        });
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
