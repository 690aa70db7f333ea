// The eigenface explorer in "How it works": a face picker, one slider per eigenface weight,
// the rebuilt picture on a canvas and the model's answer. Only this module touches its DOM;
// the arithmetic is in eigenfaces.js and the requests are app.js's.

import { h } from "./dom.js";
import { SLIDER_LIMIT, rgbaToGrey } from "./eigenfaces.js";

export class ExplorerView {
  constructor(doc) {
    const $ = (id) => doc.getElementById(id);
    this.root = $("explorer");
    this.picker = $("explorer-face");
    this.sliders = $("explorer-sliders");
    this.canvas = $("explorer-canvas");
    this.probability = $("explorer-probability");
    this.note = $("explorer-note");
    this.reset = $("explorer-reset");
  }

  /** @param {Array<{value: string, text: string}>} choices the mean face first */
  setChoices(choices, selected) {
    this.picker.replaceChildren(...choices.map(({ value, text }) => h("option", { value, text })));
    this.picker.value = selected;
  }

  get choice() {
    return this.picker.value;
  }

  /** One labelled slider per weight, each showing its value. */
  showSliders(values) {
    this.sliders.replaceChildren(
      ...values.map((value, i) =>
        h(
          "div",
          { class: "slider" },
          h("label", { for: `explorer-weight-${i}`, text: `Eigenface ${i + 1}` }),
          h("input", {
            id: `explorer-weight-${i}`, type: "range", min: -SLIDER_LIMIT, max: SLIDER_LIMIT, step: 0.1,
            value, dataset: { index: String(i) },
          }),
          h("output", { for: `explorer-weight-${i}`, text: Number(value).toFixed(1) }),
        ),
      ),
    );
    this.root.dataset.state = "ready";
  }

  /** @param {Uint8ClampedArray} rgba width*height*4 bytes */
  draw(rgba, width, height) {
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  }

  showProbability(text, { busy = false } = {}) {
    this.probability.textContent = text;
    this.probability.classList.toggle("is-busy", busy);
  }

  showNote(text) {
    this.note.textContent = text;
  }

  showError(text) {
    this.root.dataset.state = "error";
    this.probability.textContent = text;
  }

  /** Grey levels in [0, 1] of a 100x100 image (a data URL from the reply). */
  async greyOf(src, width, height) {
    const img = new Image();
    img.src = src;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(img, 0, 0, width, height);
    return rgbaToGrey(context.getImageData(0, 0, width, height).data);
  }

  /** @param {{face: Function, slide: Function, reset: Function}} handlers */
  bind({ face, slide, reset }) {
    this.picker.addEventListener("change", () => face(this.picker.value));
    this.sliders.addEventListener("input", (event) => {
      const input = event.target;
      if (!input.dataset || input.dataset.index === undefined) return;
      input.nextElementSibling.textContent = Number(input.value).toFixed(1);
      slide(Number(input.dataset.index), Number(input.value));
    });
    this.reset.addEventListener("click", () => reset());
  }
}
