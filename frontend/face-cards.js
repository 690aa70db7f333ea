// One card per face under the photo: its number (the badge on the photo), label, confidence,
// the crop the model saw and its eigenface reconstruction, and a "Why?" button that opens the
// occlusion map over the crop (asked for on first opening, through bindWhy). The button is the
// card's only control; hovering a card highlights its box.

import { h } from "./dom.js";
import { describeExplanation } from "./explain.js";

const KNOWN_LABELS = new Set(["female", "male"]);

function figure(src, caption, alt) {
  return h(
    "figure",
    { class: "face-figure" },
    src ? h("img", { src, alt, width: 100, height: 100, decoding: "async" }) : h("div", { class: "face-missing", text: "—" }),
    h("figcaption", { text: caption }),
  );
}

function barFill(pct) {
  const fill = h("span", { class: "bar-fill" });
  fill.style.width = `${pct}%`; // CSSOM, not a style attribute: fine under a strict CSP
  return fill;
}

const swatch = (label, text) =>
  h("li", {}, h("span", { class: "swatch", dataset: { label } }), text);

/** What goes in an open "Why?" panel: the map over the crop, a legend, a sentence, a caveat. */
function whyContent(face, explanation) {
  const { sentence, caveat } = describeExplanation(explanation);
  return [
    h(
      "div",
      { class: "why-figure" },
      h("img", { src: face.crop, alt: "", width: 100, height: 100, decoding: "async" }),
      h("img", {
        class: "why-map", src: explanation.map, width: 100, height: 100, decoding: "async",
        alt: `Map over face ${face.number}: coloured squares where hiding the picture changed the model's answer`,
      }),
    ),
    h(
      "div",
      { class: "why-text" },
      h(
        "ul",
        { class: "why-legend", "aria-label": "Legend" },
        swatch("female", "hiding it lowered “female”"),
        swatch("male", "hiding it lowered “male”"),
        h("li", { class: "muted", text: "Stronger colour, bigger change; no colour, no change." }),
      ),
      h("p", { class: "why-sentence", text: sentence }),
      h("p", { class: "why-caveat", text: caveat }),
      explanation.method ? h("p", { class: "why-method muted", text: explanation.method }) : null,
    ),
  ];
}

/** The "Why?" button and its panel, empty until the map comes (asked for on first open: bindWhy). */
function why(face) {
  const { number } = face;
  if (!face.crop || !face.cropPng) return null;
  const panelId = `why-${number}`;
  return h(
    "div",
    { class: "face-why" },
    h("button", {
      class: "button small why-toggle", type: "button", "aria-expanded": "false", "aria-controls": panelId,
      text: "Why?", "aria-label": `Why? What moved the model's answer for face ${number}`,
    }),
    h(
      "div",
      { class: "why-panel", id: panelId, hidden: true, dataset: { state: "empty" } },
    ),
  );
}

/** @param {{number, label, percent, probabilities, box, crop, eigenface, cropPng}} face from results.facesOf */
function card(face, index) {
  const { number, box } = face;
  return h(
    "li",
    {
      class: "face card",
      dataset: { index: String(index), label: KNOWN_LABELS.has(face.label) ? face.label : "other" },
      "aria-labelledby": `face-${number}-title`,
    },
    h(
      "div",
      { class: "face-figures" },
      figure(face.crop, "crop", `Face ${number} as the model sees it: 100 by 100 grayscale pixels`),
      figure(face.eigenface, "eigenfaces", `Face ${number} rebuilt from the eigenfaces`),
    ),
    h(
      "div",
      { class: "face-info" },
      h(
        "h3",
        { class: "face-title", id: `face-${number}-title` },
        h("span", { class: "face-no", text: String(number) }),
        h("span", { class: "visually-hidden", text: `Face ${number}: ` }),
        h("span", { class: "face-label", text: face.label }),
        " ",
        h("span", { class: "face-pct", text: `${face.percent}%` }),
      ),
      h("div", { class: "bar", "aria-hidden": "true" }, barFill(face.percent)),
      h("p", { class: "face-meta", text: face.probabilities }),
      Number.isFinite(box.width)
        ? h("p", { class: "face-meta", text: `${box.width}×${box.height} px at (${box.x}, ${box.y})` })
        : null,
    ),
    why(face),
  );
}

export class FaceCards {
  constructor(list) {
    this.list = list;
    this.faces = [];
    this.onWhy = null;
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest(".why-toggle");
      if (!button) return;
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      const panel = this.list.querySelector(`#${button.getAttribute("aria-controls")}`);
      panel.hidden = !open;
      const state = panel.dataset.state;
      if (open && this.onWhy && (state === "empty" || state === "error")) {
        this.onWhy(Number(button.closest("[data-index]").dataset.index));
      }
    });
  }

  show(faces) {
    this.faces = faces;
    this.list.replaceChildren(...faces.map(card));
  }

  clear() {
    this.faces = [];
    this.list.replaceChildren();
  }

  /** A "Why?" panel without its map opened: `handler(index)` should fetch and show it. */
  bindWhy(handler) {
    this.onWhy = handler;
  }

  /** The face's "Why?" panel while its map is being worked out. */
  showWhyBusy(index) {
    this.whyStatus(index, "busy", "Working out what moved the model's answer…");
  }

  /** The face's "Why?" panel when its map could not be had; opening it again retries. */
  showWhyError(index, text) {
    this.whyStatus(index, "error", text);
  }

  /** The face's map, legend and sentence in its "Why?" panel. */
  showWhy(index, explanation) {
    const panel = this.whyPanel(index);
    if (!panel || !this.faces[index]) return;
    panel.dataset.state = "ready";
    panel.removeAttribute("aria-busy");
    panel.replaceChildren(...whyContent(this.faces[index], explanation));
  }

  whyStatus(index, state, text) {
    const panel = this.whyPanel(index);
    if (!panel) return;
    panel.dataset.state = state;
    if (state === "busy") panel.setAttribute("aria-busy", "true");
    else panel.removeAttribute("aria-busy");
    panel.replaceChildren(
      h(
        "p",
        { class: `why-status status${state === "busy" ? " is-busy" : ""}`, role: "status" },
        h("span", { class: "spinner", "aria-hidden": "true" }),
        text,
      ),
    );
  }

  whyPanel(index) {
    return this.list.querySelector(`[data-index="${Number(index)}"] .why-panel`);
  }

  highlight(index) {
    for (const item of this.list.children) {
      item.classList.toggle("is-highlighted", Number(item.dataset.index) === index);
    }
  }

  /** Hovering a card reports its index; leaving the list reports null. */
  bindHighlight(handler) {
    const indexOf = (event) => {
      const item = event.target.closest && event.target.closest("[data-index]");
      return item ? Number(item.dataset.index) : null;
    };
    this.list.addEventListener("pointerover", (event) => handler(indexOf(event)));
    this.list.addEventListener("pointerleave", () => handler(null));
  }
}
