// The only module that touches the page. `bind*` methods report what the person did;
// `show*` / `render*` methods draw state. Strings from the server go in through textContent.

const PANEL_BY_VIEW = { classify: "view-classify", "how-it-works": "view-how-it-works" };
const LABEL_COLOUR_VARS = { female: "--female", male: "--male" };
const FALLBACK_COLOUR = "#52525b";
const CARD_ORDER = [
  "name", "version", "classes", "intended_use", "label_meaning", "limitations", "ethical_considerations",
  "training_data", "dataset", "data", "metrics", "evaluation",
];
// Top-level sections shown open; any other section folds into a <details>.
const CARD_OPEN = new Set([
  "intended_use", "label_meaning", "limitations", "ethical_considerations", "training_data", "dataset", "data",
  "metrics", "evaluation",
]);
const ACRONYMS = new Set(["auc", "roc", "svm", "pca", "id", "url", "rbf", "f1", "exif", "png", "jpeg", "lfw", "utk", "ms", "cv", "c"]);

/** Build an element; children are nodes or strings (strings become text nodes). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function percent(p) {
  const value = Math.round(Number(p) * 100);
  if (!Number.isFinite(value)) return "?";
  // Never claim certainty the model does not have.
  return String(Number(p) < 1 ? Math.min(value, 99) : value);
}

function formatMs(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return "?";
  return n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`;
}

function formatNumber(n) {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  if (n !== 0 && Math.abs(n) < 1e-3) return n.toExponential(2);
  return String(Number(n.toPrecision(4)));
}

/** A schema key ("roc_auc", "pca__n_components") as words; data keys ("0-12", "celeba/wild") as they are. */
function humanize(key) {
  const text = String(key);
  if (!/^[A-Za-z][A-Za-z0-9]*(_+[A-Za-z0-9]+)*$/.test(text) || !text.includes("_") && text !== text.toLowerCase()) return text;
  const words = text.split(/_+/);
  return words
    .map((w, i) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(" ");
}

/** Row names are data (dataset, group, split): shown as sent, only underscores softened. */
function displayKey(key) {
  return String(key).replace(/_/g, " ");
}

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isPrimitive = (v) => v === null || ["string", "number", "boolean"].includes(typeof v);

function base64Png(data) {
  // Only base64 image data becomes an image source, so a reply cannot smuggle in another URL.
  if (typeof data !== "string") return null;
  if (/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/.test(data)) return data;
  return /^[A-Za-z0-9+/=\s]+$/.test(data) ? `data:image/png;base64,${data}` : null;
}

export class View {
  constructor(doc = document) {
    this.doc = doc;
    const $ = (id) => doc.getElementById(id);
    this.el = {
      tabs: [...doc.querySelectorAll('[role="tab"]')],
      fileInput: $("file-input"),
      chooseFile: $("choose-file"),
      dropzone: $("dropzone"),
      cameraStart: $("camera-start"),
      camera: $("camera"),
      video: $("camera-video"),
      cameraCapture: $("camera-capture"),
      cameraStop: $("camera-stop"),
      status: $("status"),
      statusText: $("status-text"),
      error: $("error"),
      errorTitle: $("error-title"),
      errorText: $("error-text"),
      errorDetail: $("error-detail"),
      results: $("results"),
      canvas: $("photo-canvas"),
      photo: doc.querySelector(".photo"),
      caption: $("photo-caption"),
      summary: $("summary"),
      summaryCount: $("summary-count"),
      summaryTime: $("summary-time"),
      noFace: $("no-face"),
      faceList: $("face-list"),
      gallery: $("gallery"),
      modelCard: $("model-card"),
      modelVersion: $("model-version"),
    };
    this.drawn = null; // {image, faces, highlight}: what the canvas shows, for redraws on resize
    if (typeof ResizeObserver === "function") {
      let lastSize = "";
      new ResizeObserver(() => {
        const size = `${this.el.canvas.clientWidth}x${this.el.canvas.clientHeight}`;
        if (size !== lastSize) {
          lastSize = size;
          this.drawCanvas();
        }
      }).observe(this.el.canvas);
    }
  }

  // ------------------------------------------------------------------ bindings

  bindViewSelect(handler) {
    const { tabs } = this.el;
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => handler(tab.dataset.view));
      tab.addEventListener("keydown", (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i }[event.key];
        if (step === undefined) return;
        event.preventDefault();
        const next = tabs[(i + step + tabs.length) % tabs.length];
        next.focus();
        handler(next.dataset.view);
      });
    });
  }

  bindFileChosen(handler) {
    this.el.chooseFile.addEventListener("click", () => this.el.fileInput.click());
    this.el.fileInput.addEventListener("change", () => {
      const file = this.el.fileInput.files && this.el.fileInput.files[0];
      this.el.fileInput.value = ""; // the same file can be chosen again
      if (file) handler(file, "file");
    });
  }

  /** Drops anywhere on the page count, so a near miss never navigates away to the file. */
  bindDrop(handler) {
    const body = this.doc.body;
    let depth = 0;
    const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
    this.doc.addEventListener("dragenter", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth += 1;
      body.classList.add("is-dragging");
    });
    this.doc.addEventListener("dragover", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    this.doc.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) body.classList.remove("is-dragging");
    });
    this.doc.addEventListener("drop", (event) => {
      event.preventDefault();
      depth = 0;
      body.classList.remove("is-dragging");
      const files = event.dataTransfer ? [...event.dataTransfer.files] : [];
      handler(files[0] || null, "drop", files.length);
    });
  }

  bindPaste(handler) {
    this.doc.addEventListener("paste", (event) => {
      const data = event.clipboardData;
      if (!data) return;
      let file = data.files && data.files[0];
      if (!file) {
        const item = [...(data.items || [])].find((it) => it.kind === "file");
        file = item ? item.getAsFile() : null;
      }
      if (file) {
        event.preventDefault();
        handler(file, "paste");
      } else if (!event.target.closest || !event.target.closest("input, textarea, [contenteditable]")) {
        handler(null, "paste");
      }
    });
  }

  bindCamera({ start, capture, stop }) {
    this.el.cameraStart.addEventListener("click", start);
    this.el.cameraCapture.addEventListener("click", capture);
    this.el.cameraStop.addEventListener("click", stop);
  }

  /** Hover or focus on a face card highlights its box (index, or null when leaving). */
  bindFaceHighlight(handler) {
    const list = this.el.faceList;
    const indexOf = (event) => {
      const item = event.target.closest && event.target.closest("[data-index]");
      return item ? Number(item.dataset.index) : null;
    };
    list.addEventListener("pointerover", (event) => handler(indexOf(event)));
    list.addEventListener("pointerleave", () => handler(null));
    list.addEventListener("focusin", (event) => handler(indexOf(event)));
    list.addEventListener("focusout", () => handler(null));
  }

  // ------------------------------------------------------------------ views

  showView(name) {
    const view = PANEL_BY_VIEW[name] ? name : "classify";
    for (const tab of this.el.tabs) {
      const selected = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    for (const [key, id] of Object.entries(PANEL_BY_VIEW)) {
      this.doc.getElementById(id).hidden = key !== view;
    }
    this.doc.documentElement.dataset.view = view;
    return view;
  }

  // ------------------------------------------------------------------ status and errors

  setBusy(message) {
    this.el.status.classList.add("is-busy");
    this.el.status.classList.remove("is-quiet");
    this.el.statusText.textContent = message;
    this.el.results.dataset.state = "pending";
    this.el.results.setAttribute("aria-busy", "true");
    this.el.photo.classList.add("is-busy");
  }

  /** @param {boolean} quiet announce to screen readers only (the page already shows it) */
  setStatus(message, { quiet = false } = {}) {
    this.el.status.classList.remove("is-busy");
    this.el.status.classList.toggle("is-quiet", quiet || !message);
    this.el.statusText.textContent = message;
    this.el.results.setAttribute("aria-busy", "false");
    this.el.photo.classList.remove("is-busy");
  }

  showError({ title, text, detail }) {
    this.setStatus("");
    this.el.errorTitle.textContent = title;
    this.el.errorText.textContent = text;
    this.el.errorDetail.textContent = detail ? `Server message: ${detail}` : "";
    this.el.errorDetail.hidden = !detail;
    this.el.error.hidden = false;
  }

  clearError() {
    this.el.error.hidden = true;
    this.el.errorTitle.textContent = "";
    this.el.errorText.textContent = "";
    this.el.errorDetail.textContent = "";
  }

  // ------------------------------------------------------------------ results

  clearResults() {
    this.el.results.hidden = true;
    this.el.summary.hidden = true;
    this.el.noFace.hidden = true;
    this.el.faceList.replaceChildren();
    this.el.caption.textContent = "";
    this.el.results.dataset.state = "empty";
    this.drawn = null;
  }

  /** Show the photo alone while the server works on it. */
  showPhoto(image, caption) {
    this.clearResults();
    this.drawn = { image, faces: [], highlight: null };
    this.el.results.hidden = false;
    this.el.results.dataset.state = "pending";
    this.doc.body.classList.add("has-photo");
    this.el.caption.textContent = caption;
    this.el.canvas.setAttribute("aria-label", "The photo being analysed");
    this.drawCanvas();
    const top = this.el.results.getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6) {
      const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      this.el.results.scrollIntoView({ block: "start", behavior: smooth ? "smooth" : "auto" });
    }
  }

  /**
   * @param {Array<{label: string, confidence: number, probabilities: object, rel: object,
   *   box: object, crop: string, eigenface: string}>} faces
   * @param {{timings: object, roundTripMs: number, limited: boolean}} meta
   */
  showFaces(faces, meta) {
    this.drawn = { ...(this.drawn || {}), faces, highlight: null };
    this.drawCanvas();
    const n = faces.length;
    this.el.results.dataset.state = n ? "faces" : "no-face";
    this.el.noFace.hidden = n > 0;
    this.el.summary.hidden = false;
    // With no face, the no-face card says so; the summary only keeps the timings.
    this.el.summaryCount.hidden = n === 0;
    this.el.summaryCount.textContent =
      n === 0 ? "" : `${n} ${n === 1 ? "face" : "faces"} found${meta.limited ? " (the most we analyse at once)" : ""}`;
    this.el.summaryTime.textContent = this.describeTimings(meta.timings, meta.roundTripMs);
    this.el.canvas.setAttribute(
      "aria-label",
      n === 0
        ? "The photo; no face was found."
        : `The photo with ${n} ${n === 1 ? "face" : "faces"} marked: ${faces
            .map((f, i) => `${i + 1}, ${f.label} ${percent(f.confidence)}%`)
            .join("; ")}.`,
    );
    this.el.faceList.replaceChildren(...faces.map((face, i) => this.faceCard(face, i)));
    this.setStatus(n === 0 ? "No face found." : `Found ${n} ${n === 1 ? "face" : "faces"}.`, { quiet: true });
  }

  describeTimings(timings, roundTripMs) {
    const parts = [];
    if (isPlainObject(timings)) {
      const steps = Object.entries(timings)
        .filter(([key, v]) => key !== "total" && typeof v === "number")
        .map(([key, v]) => `${key} ${formatMs(v)}`);
      if (typeof timings.total === "number") {
        parts.push(`Server ${formatMs(timings.total)}${steps.length ? ` (${steps.join(" · ")})` : ""}`);
      } else if (steps.length) parts.push(`Server: ${steps.join(" · ")}`);
    }
    if (Number.isFinite(roundTripMs)) parts.push(`round trip ${formatMs(roundTripMs)}`);
    return parts.join(", ");
  }

  faceCard(face, index) {
    const number = index + 1;
    const pct = percent(face.confidence);
    const label = String(face.label);
    const colourKey = LABEL_COLOUR_VARS[label] ? label : "other";
    const figure = (src, caption, alt) =>
      h(
        "figure",
        { class: "face-figure" },
        src ? h("img", { src, alt, width: 100, height: 100, decoding: "async" }) : h("div", { class: "face-missing", text: "—" }),
        h("figcaption", { text: caption }),
      );
    const probabilities = isPlainObject(face.probabilities)
      ? Object.entries(face.probabilities)
          .filter(([, p]) => typeof p === "number")
          .map(([name, p]) => `${name} ${percent(p)}%`)
          .join(" · ")
      : "";
    const box = face.box || {};
    return h(
      "li",
      { class: "face card", dataset: { index: String(index), label: colourKey }, tabIndex: 0, "aria-labelledby": `face-${number}-title` },
      h(
        "div",
        { class: "face-figures" },
        figure(base64Png(face.crop), "crop", `Face ${number} as the model sees it: 100 by 100 grayscale pixels`),
        figure(base64Png(face.eigenface), "eigenfaces", `Face ${number} rebuilt from the eigenfaces`),
      ),
      h(
        "div",
        { class: "face-info" },
        h("h3", { class: "face-title", id: `face-${number}-title` },
          h("span", { class: "face-no", text: String(number) }),
          h("span", { class: "visually-hidden", text: "Face " + number + ": " }),
          h("span", { class: "face-label", text: label }),
          " ",
          h("span", { class: "face-pct", text: `${pct}%` }),
        ),
        h("div", { class: "bar", "aria-hidden": "true" }, this.barFill(pct)),
        h("p", { class: "face-meta", text: probabilities }),
        Number.isFinite(box.width)
          ? h("p", { class: "face-meta", text: `${box.width}×${box.height} px at (${box.x}, ${box.y})` })
          : null,
      ),
    );
  }

  barFill(pct) {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${pct}%`; // CSSOM, not a style attribute: fine under a strict CSP
    return fill;
  }

  highlightFace(index) {
    if (!this.drawn || this.drawn.highlight === index) return;
    this.drawn.highlight = index;
    this.drawCanvas();
    for (const item of this.el.faceList.children) {
      item.classList.toggle("is-highlighted", Number(item.dataset.index) === index);
    }
  }

  labelColour(label) {
    const name = LABEL_COLOUR_VARS[label];
    const value = name ? getComputedStyle(this.doc.documentElement).getPropertyValue(name).trim() : "";
    return value || FALLBACK_COLOUR;
  }

  /** Photo plus one box per face, sized in screen pixels whatever the photo's resolution. */
  drawCanvas() {
    const canvas = this.el.canvas;
    if (!this.drawn || !this.drawn.image) return;
    const { image, faces, highlight } = this.drawn;
    if (canvas.width !== image.width || canvas.height !== image.height) {
      canvas.width = image.width;
      canvas.height = image.height;
    }
    const ctx = canvas.getContext("2d");
    ctx.drawImage(image.source, 0, 0, canvas.width, canvas.height);
    canvas.dataset.boxes = String(faces.length);
    if (!faces.length) return;

    // Image pixels per CSS pixel; with object-fit: contain the tighter side sets the scale.
    const k = Math.max(
      canvas.width / Math.max(1, canvas.clientWidth || canvas.width),
      canvas.height / Math.max(1, canvas.clientHeight || canvas.height),
    );
    const fontPx = Math.round((canvas.clientWidth < 480 ? 12 : 13) * k);
    const pad = 4 * k;
    ctx.font = `600 ${fontPx}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    ctx.textBaseline = "middle";
    const placed = []; // label rectangles already drawn, so later labels avoid them
    const overlaps = (r) => placed.some((q) => r.x < q.x + q.w && q.x < r.x + r.w && r.y < q.y + q.h && q.y < r.y + r.h);

    const geometry = faces.map((face, i) => ({
      face,
      i,
      x: face.rel.left * canvas.width,
      y: face.rel.top * canvas.height,
      w: face.rel.width * canvas.width,
      hgt: face.rel.height * canvas.height,
      colour: this.labelColour(face.label),
      line: Math.max(highlight === i ? 3 : 2, (highlight === i ? 3.5 : 2) * k), // >= 2 photo px: a solid edge
      alpha: highlight !== null && highlight !== i ? 0.35 : 1,
    }));
    // The highlighted face last, so it sits on top.
    if (highlight !== null) geometry.push(...geometry.splice(highlight, 1));

    // All frames first, then all labels, so no frame cuts through a label.
    for (const { x, y, w, hgt, colour, line, alpha } of geometry) {
      ctx.globalAlpha = alpha;
      ctx.lineWidth = line + 1.5 * k; // a dark halo keeps the frame visible on any background
      ctx.strokeStyle = "rgba(0, 0, 0, 0.45)";
      ctx.strokeRect(x, y, w, hgt);
      ctx.lineWidth = line;
      ctx.strokeStyle = colour;
      ctx.strokeRect(x, y, w, hgt);
    }

    const th = fontPx + 2 * pad;
    for (const { face, i, x, y, hgt, colour, line, alpha } of geometry) {
      // Full label where it fits without covering another label; otherwise the face number.
      const spots = (text) => {
        const tw = ctx.measureText(text).width + 2 * pad;
        const lx = Math.min(Math.max(0, x - line / 2), canvas.width - tw);
        return [y - th - line / 2, y + hgt + line / 2, y + line / 2]
          .filter((ly) => ly >= 0 && ly + th <= canvas.height)
          .map((ly) => ({ x: lx, y: ly, w: tw, h: th, text }));
      };
      const full = `${i + 1} ${face.label} ${percent(face.confidence)}%`;
      const candidates = [...spots(full), ...spots(String(i + 1))];
      const spot = candidates.find((r) => !overlaps(r)) || candidates[candidates.length - 1];
      if (!spot) continue;
      placed.push(spot);
      ctx.globalAlpha = alpha;
      ctx.fillStyle = colour;
      ctx.fillRect(spot.x, spot.y, spot.w, spot.h);
      ctx.fillStyle = "#fff";
      ctx.fillText(spot.text, spot.x + pad, spot.y + th / 2 + k);
    }
    ctx.globalAlpha = 1;
  }

  // ------------------------------------------------------------------ camera

  showCamera(stream) {
    this.el.video.srcObject = stream;
    this.el.camera.hidden = false;
    this.el.cameraStart.disabled = true;
    this.el.cameraStart.setAttribute("aria-pressed", "true");
    const playing = this.el.video.play();
    if (playing && playing.catch) playing.catch(() => {});
    this.el.cameraCapture.focus();
  }

  hideCamera() {
    const returnFocus = this.el.camera.contains(this.doc.activeElement);
    this.el.video.srcObject = null;
    this.el.camera.hidden = true;
    this.el.cameraStart.disabled = false;
    this.el.cameraStart.setAttribute("aria-pressed", "false");
    if (returnFocus) this.el.cameraStart.focus();
  }

  /** The current camera frame as a JPEG, or null before the first frame arrives. */
  captureFrame() {
    const video = this.el.video;
    if (!video.videoWidth || !video.videoHeight) return Promise.resolve(null);
    const canvas = this.doc.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  }

  // ------------------------------------------------------------------ how it works

  renderGallery(items) {
    const figures = items.map(({ src, caption, alt, wide }) => {
      const img = h("img", { src, alt, width: 100, height: 100, decoding: "async" });
      const fig = h("figure", { class: wide ? "gallery-item mean" : "gallery-item" }, img, h("figcaption", { text: caption }));
      img.addEventListener("error", () => {
        if (wide) fig.replaceChildren(h("p", { class: "muted", text: "The mean face could not be loaded." }));
        else fig.remove();
      });
      return fig;
    });
    this.el.gallery.replaceChildren(...figures);
  }

  showModelCardError(text) {
    this.el.modelCard.setAttribute("aria-busy", "false");
    this.el.modelCard.replaceChildren(h("p", { class: "alert-inline", text }));
  }

  /**
   * Render any JSON as headings, lists and tables, all as text. Sections a reader looks for
   * first (use, limits, data, metrics) are open; the technical ones fold into <details>.
   */
  renderModelCard(card) {
    this.el.modelCard.setAttribute("aria-busy", "false");
    if (!isPlainObject(card)) {
      this.el.modelCard.replaceChildren(this.renderValue(card, 0));
      return;
    }
    const keys = Object.keys(card);
    const ordered = [...CARD_ORDER.filter((k) => keys.includes(k)), ...keys.filter((k) => !CARD_ORDER.includes(k))];
    const isShort = (v) =>
      (isPrimitive(v) && !(typeof v === "string" && v.length > 80)) ||
      (Array.isArray(v) && v.length <= 6 && v.every((x) => isPrimitive(x) && String(x).length < 40));
    const overview = ordered.filter((k) => isShort(card[k]));
    const nodes = [];
    if (overview.length) {
      nodes.push(h("dl", { class: "kv overview" }, overview.map((k) => [h("dt", { text: humanize(k) }), h("dd", {}, this.renderValue(card[k], 1))])));
    }
    for (const key of ordered.filter((k) => !overview.includes(k))) {
      const body = this.renderValue(card[key], 1);
      if (CARD_OPEN.has(key)) {
        nodes.push(h("section", { class: "card-section" }, h("h3", { text: humanize(key) }), body));
      } else {
        nodes.push(h("details", { class: "card-section" }, h("summary", {}, h("h3", { text: humanize(key) })), body));
      }
    }
    this.el.modelCard.replaceChildren(...nodes);
  }

  renderValue(value, depth) {
    if (value === null || value === undefined) return h("span", { class: "muted", text: "—" });
    if (typeof value === "boolean") return h("span", { text: value ? "yes" : "no" });
    if (typeof value === "number") return h("span", { class: "num", text: formatNumber(value) });
    if (typeof value === "string") return h(value.length > 80 ? "p" : "span", { class: "text", text: value });
    if (depth > 8) return h("code", { text: JSON.stringify(value) });
    return Array.isArray(value) ? this.renderArray(value, depth) : this.renderObject(value, depth);
  }

  renderArray(value, depth) {
    if (value.length === 0) return h("span", { class: "muted", text: "none" });
    if (value.every(isPrimitive)) {
      if (value.every((v) => typeof v !== "string" || v.length < 40)) {
        return h("span", { text: value.map((v) => (typeof v === "number" ? formatNumber(v) : v === null ? "—" : String(v))).join(", ") });
      }
      return h("ul", { class: "plain-list" }, value.map((v) => h("li", {}, this.renderValue(v, depth + 1))));
    }
    // A matrix (e.g. a confusion matrix): rows of numbers of one length.
    const width = Array.isArray(value[0]) ? value[0].length : -1;
    if (value.every((row) => Array.isArray(row) && row.length === width && row.every(isPrimitive))) {
      const rows = value.map((row) => h("tr", {}, row.map((v) => h("td", {}, this.renderValue(v, depth + 1)))));
      return h("table", { class: "matrix" }, h("tbody", {}, rows));
    }
    if (value.every(isPlainObject)) return this.renderTable(value.map((row) => [null, row]), depth);
    return h("ul", { class: "plain-list" }, value.map((v) => h("li", {}, this.renderValue(v, depth + 1))));
  }

  renderObject(value, depth) {
    const entries = Object.entries(value);
    if (entries.length === 0) return h("span", { class: "muted", text: "none" });

    // A few plain numbers deep inside reads best on one line: "Female 0.84 · Male 0.77".
    if (depth >= 2 && entries.length <= 6 && entries.every(([, v]) => isPrimitive(v) && String(v).length < 40)) {
      const parts = entries.map(([k, v]) => `${humanize(k)} ${typeof v === "number" ? formatNumber(v) : v === null ? "—" : typeof v === "boolean" ? (v ? "yes" : "no") : v}`);
      return h("span", { class: "inline-kv", text: parts.join(" · ") });
    }

    // Sibling objects with numbers in common ({split: {metric: value}}) become one table of
    // those numbers; whatever else each holds folds out below it.
    const primitives = (obj) => Object.fromEntries(Object.entries(obj).filter(([, v]) => isPrimitive(v)));
    const nested = (obj) => Object.fromEntries(Object.entries(obj).filter(([, v]) => !isPrimitive(v)));
    const rows = entries.filter(([, v]) => isPlainObject(v) && Object.values(v).some(isPrimitive));
    if (rows.length >= 2) {
      const parts = [this.renderTable(rows.map(([k, v]) => [k, primitives(v)]), depth)];
      for (const [key, obj] of rows) {
        const more = nested(obj);
        if (Object.keys(more).length) {
          parts.push(h("details", { class: "more" }, h("summary", { text: `More about ${displayKey(key)}` }), this.renderValue(more, depth + 1)));
        }
      }
      const rest = entries.filter((entry) => !rows.includes(entry));
      if (rest.length) parts.push(this.renderObject(Object.fromEntries(rest), depth));
      return h("div", { class: "stack" }, parts);
    }

    return h(
      "dl",
      { class: "kv" },
      entries.map(([k, v]) => [h("dt", { text: humanize(k) }), h("dd", {}, this.renderValue(v, depth + 1))]),
    );
  }

  renderTable(rows, depth) {
    const columns = [];
    for (const [, row] of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
    const named = rows.some(([name]) => name !== null);
    const head = h("tr", {}, named ? h("th", { scope: "col", text: "" }) : null, columns.map((c) => h("th", { scope: "col", text: humanize(c) })));
    const body = rows.map(([name, row]) =>
      h(
        "tr",
        {},
        named ? h("th", { scope: "row", text: displayKey(name) }) : null,
        columns.map((c) => h("td", {}, c in row ? this.renderValue(row[c], depth + 2) : h("span", { class: "muted", text: "—" }))),
      ),
    );
    return h("div", { class: "table-scroll", tabIndex: 0, role: "region", "aria-label": "Scrollable table" }, h("table", {}, h("thead", {}, head), h("tbody", {}, body)));
  }

  setModelVersion(version) {
    this.el.modelVersion.textContent = version ? `Model ${version}.` : "";
  }
}
