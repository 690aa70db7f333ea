// One card per face under the photo: its number (the badge on the photo), label, confidence,
// the crop the model saw and its eigenface reconstruction. Cards are read, not operated, so
// they take no keyboard focus; hovering one highlights its box.

import { h } from "./dom.js";

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

/** @param {{number, label, percent, probabilities, box, crop, eigenface}} face from results.facesOf */
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
  );
}

export class FaceCards {
  constructor(list) {
    this.list = list;
  }

  show(faces) {
    this.list.replaceChildren(...faces.map(card));
  }

  clear() {
    this.list.replaceChildren();
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
