// The photo on its canvas with a frame and a numbered label per face. overlay.js decides where
// things go; this module only draws, and redraws when the canvas changes size on screen.

import { labelMetrics, layoutOverlay, lineWidths } from "./overlay.js";

const LABEL_COLOUR_VARS = { female: "--female", male: "--male" };
const FALLBACK_COLOUR = "#52525b";
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
// Below this on-screen width only the faces' numbers fit beside small faces.
const COMPACT_BELOW_CSS_PX = 480;

export class PhotoView {
  constructor(canvas) {
    this.canvas = canvas;
    this.state = null; // {image, faces, highlight}: what the canvas shows, for redraws
    if (typeof ResizeObserver === "function") {
      let lastSize = "";
      new ResizeObserver(() => {
        const size = `${canvas.clientWidth}x${canvas.clientHeight}`;
        if (size !== lastSize) {
          lastSize = size;
          this.draw();
        }
      }).observe(canvas);
    }
  }

  /** @param {{source, width: number, height: number}} image what photo.js decoded */
  show(image, description) {
    this.state = { image, faces: [], highlight: null };
    this.canvas.setAttribute("aria-label", description);
    this.draw();
  }

  /** @param {Array<{number, label, percent, rel}>} faces from results.facesOf */
  showFaces(faces, description) {
    if (!this.state) return;
    this.state = { ...this.state, faces, highlight: null };
    this.canvas.setAttribute("aria-label", description);
    this.draw();
  }

  highlight(index) {
    if (!this.state || this.state.highlight === index) return;
    this.state.highlight = index;
    this.draw();
  }

  clear() {
    this.state = null;
  }

  colourOf(label) {
    const name = LABEL_COLOUR_VARS[label];
    const value = name ? getComputedStyle(this.canvas).getPropertyValue(name).trim() : "";
    return value || FALLBACK_COLOUR;
  }

  draw() {
    const canvas = this.canvas;
    if (!this.state) return;
    const { image, faces, highlight } = this.state;
    if (canvas.width !== image.width || canvas.height !== image.height) {
      canvas.width = image.width;
      canvas.height = image.height;
    }
    const ctx = canvas.getContext("2d");
    ctx.globalAlpha = 1;
    ctx.drawImage(image.source, 0, 0, canvas.width, canvas.height);
    canvas.dataset.boxes = String(faces.length);

    // Photo pixels per CSS pixel; with object-fit: contain the tighter side sets the scale.
    const scale = Math.max(
      canvas.width / Math.max(1, canvas.clientWidth || canvas.width),
      canvas.height / Math.max(1, canvas.clientHeight || canvas.height),
    );
    const compact = (canvas.clientWidth || canvas.width) < COMPACT_BELOW_CSS_PX;
    const { fontPx, pad, height: labelHeight } = labelMetrics(scale, compact);
    ctx.font = `600 ${fontPx}px ${FONT}`;
    ctx.textBaseline = "middle";
    const { boxes, labels } = layoutOverlay(
      faces.map((face) => ({ rel: face.rel, label: `${face.label} ${face.percent}%` })),
      { width: canvas.width, height: canvas.height, scale, compact, measure: (text) => ctx.measureText(text).width },
    );
    // For tests and tools: where each label went, in canvas pixels.
    canvas.dataset.labels = JSON.stringify(labels.map(({ index, x, y, w, h, text }) => ({ index, x, y, w, h, text })));

    const lines = lineWidths(scale);
    const alpha = (index) => (highlight !== null && highlight !== index ? 0.35 : 1);
    // The highlighted face last, so it sits on top; all frames before all labels.
    const order = [...boxes.keys()].sort((a, b) => (a === highlight) - (b === highlight));
    for (const index of order) {
      const { x, y, w, h } = boxes[index];
      const line = index === highlight ? lines.highlighted : lines.normal;
      ctx.globalAlpha = alpha(index);
      ctx.lineWidth = line + lines.halo; // a dark halo keeps the frame visible on any background
      ctx.strokeStyle = "rgba(0, 0, 0, 0.45)";
      ctx.strokeRect(x, y, w, h);
      ctx.lineWidth = line;
      ctx.strokeStyle = this.colourOf(faces[index].label);
      ctx.strokeRect(x, y, w, h);
    }
    for (const label of labels) {
      ctx.globalAlpha = alpha(label.index);
      ctx.fillStyle = this.colourOf(faces[label.index].label);
      ctx.fillRect(label.x, label.y, label.w, label.h);
      ctx.fillStyle = "#fff";
      const textWidth = ctx.measureText(label.text).width;
      ctx.fillText(label.text, label.x + Math.max(pad, (label.w - textWidth) / 2), label.y + labelHeight / 2 + scale);
    }
    ctx.globalAlpha = 1;
  }
}
