// Where the face boxes and their labels go on the photo: plain geometry, no DOM, so node's own
// test runner checks it. Every length is in the canvas's pixels; `scale` is canvas pixels per
// CSS pixel, so labels and lines keep one on-screen size whatever the photo's resolution.
//
// The rule the layout keeps: a label never covers its own box. Each face gets its number on a
// badge beside its box (the face card below the photo carries the full label); where there is
// room and the screen is wide, the badge grows into the full label. Labels avoid each other and
// other faces' boxes where any spot allows it.

const GAP_CSS = 1;

/** Line widths in canvas pixels: frames stay at least 2 photo pixels wide, so edges stay solid. */
export function lineWidths(scale) {
  return { normal: Math.max(2, 2 * scale), highlighted: Math.max(3, 3.5 * scale), halo: 1.5 * scale };
}

/** Font size and padding of the labels, in canvas pixels. */
export function labelMetrics(scale, compact) {
  const fontPx = Math.round((compact ? 12 : 13) * scale);
  const pad = 4 * scale;
  return { fontPx, pad, height: fontPx + 2 * pad };
}

function overlapArea(a, b) {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

/** The box grown by the part of its frame (line and halo) that is drawn outside it. */
function framed(box, reach) {
  return { x: box.x - reach, y: box.y - reach, w: box.w + 2 * reach, h: box.h + 2 * reach };
}

/**
 * Spots of a w x h label just outside a framed box (so never on it): above and below first,
 * where text reads best, then left and right. Spots may leave the canvas; the caller drops those.
 */
function spotsAround(frame, w, h, width, height) {
  const xs = [frame.x, frame.x + frame.w - w, frame.x + (frame.w - w) / 2].map((x) => clamp(x, 0, width - w));
  const ys = [frame.y, frame.y + frame.h - h, frame.y + (frame.h - h) / 2].map((y) => clamp(y, 0, height - h));
  return [
    ...xs.flatMap((x) => [{ x, y: frame.y - h }, { x, y: frame.y + frame.h }]),
    ...ys.flatMap((y) => [{ x: frame.x - w, y }, { x: frame.x + frame.w, y }]),
  ].map((spot) => ({ ...spot, w, h }));
}

/**
 * Boxes and labels for the faces on a width x height canvas.
 * @param {Array<{rel: {left: number, top: number, width: number, height: number}, label: string}>} faces
 *   boxes relative to the image, and the text after the face's number ("female 87%")
 * @param {{width: number, height: number, scale?: number, compact?: boolean,
 *   measure: (text: string) => number}} options compact: numbers only (small screens);
 *   measure: the text's width in canvas pixels at labelMetrics' font size
 * @returns {{boxes: Array<{index: number, x: number, y: number, w: number, h: number}>,
 *   labels: Array<{index: number, x: number, y: number, w: number, h: number, text: string}>}}
 *   a face whose box leaves no room around it (it fills the photo) gets no label
 */
export function layoutOverlay(faces, { width, height, scale = 1, compact = false, measure }) {
  const { pad, height: labelHeight } = labelMetrics(scale, compact);
  const lines = lineWidths(scale);
  // The widest a frame ever gets (highlighted), so hovering never pushes a frame under a label.
  const reach = (lines.highlighted + lines.halo) / 2 + GAP_CSS * scale;
  const boxes = faces.map((face, index) => ({
    index,
    x: face.rel.left * width,
    y: face.rel.top * height,
    w: face.rel.width * width,
    h: face.rel.height * height,
  }));
  const frames = boxes.map((box) => framed(box, reach));

  const labels = [];
  faces.forEach((face, index) => {
    const number = String(index + 1);
    const texts = compact ? [number] : [`${number} ${face.label}`, number];
    const candidates = texts.flatMap((text) =>
      spotsAround(frames[index], Math.max(labelHeight, measure(text) + 2 * pad), labelHeight, width, height)
        .filter((spot) => spot.x >= 0 && spot.y >= 0 && spot.x + spot.w <= width && spot.y + spot.h <= height)
        .map((spot) => ({ ...spot, text })),
    );
    const cost = (spot) =>
      labels.reduce((sum, other) => sum + 10 * overlapArea(spot, other), 0) +
      frames.reduce((sum, frame, j) => sum + (j === index ? 0 : overlapArea(spot, frame)), 0);
    // The first spot that touches nothing; else, as a badge, the one that covers least.
    const free = candidates.find((spot) => cost(spot) === 0);
    const badges = candidates.filter((spot) => spot.text === number);
    const chosen = free || badges.reduce((best, spot) => (best && cost(best) <= cost(spot) ? best : spot), null);
    if (chosen) labels.push({ index, ...chosen });
  });
  return { boxes, labels };
}
