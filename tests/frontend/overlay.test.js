// The overlay's layout rules, on plain numbers (node --test, no browser).
import assert from "node:assert/strict";
import { test } from "node:test";

import { labelMetrics, layoutOverlay, lineWidths } from "../../frontend/overlay.js";

const measure = (fontPx) => (text) => text.length * fontPx * 0.6;

function layout(faces, { width = 640, height = 480, scale = 1, compact = false } = {}) {
  const { fontPx } = labelMetrics(scale, compact);
  return layoutOverlay(faces, { width, height, scale, compact, measure: measure(fontPx) });
}

const face = (left, top, size, label = "female 87%") => ({
  rel: { left, top, width: size, height: size * (4 / 3) },
  label,
});

const intersects = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The box as drawn: its frame reaches half the widest line and halo beyond it. */
function drawnBox(box, scale) {
  const lines = lineWidths(scale);
  const reach = (lines.highlighted + lines.halo) / 2;
  return { x: box.x - reach, y: box.y - reach, w: box.w + 2 * reach, h: box.h + 2 * reach };
}

function assertRules({ boxes, labels }, { width, height, scale }) {
  for (const label of labels) {
    const own = drawnBox(boxes[label.index], scale);
    assert.ok(!intersects(label, own), `label ${label.text} covers its own box`);
    assert.ok(label.x >= 0 && label.y >= 0, `label ${label.text} leaves the photo`);
    assert.ok(label.x + label.w <= width + 1e-9 && label.y + label.h <= height + 1e-9);
  }
}

/** A small seeded generator, so a failing layout can be replayed. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test("one face in the middle gets its full label above its box", () => {
  const result = layout([face(0.4, 0.4, 0.2)]);
  assert.equal(result.labels.length, 1);
  const [label] = result.labels;
  assert.equal(label.text, "1 female 87%");
  assert.ok(label.y + label.h <= result.boxes[0].y, "above the box");
  assertRules(result, { width: 640, height: 480, scale: 1 });
});

test("a face at the top edge gets its label below its box", () => {
  const result = layout([face(0.3, 0, 0.2)]);
  const [label] = result.labels;
  assert.ok(label.y >= result.boxes[0].y + result.boxes[0].h, "below the box");
  assertRules(result, { width: 640, height: 480, scale: 1 });
});

test("on a small screen every face gets only its number", () => {
  const result = layout([face(0.1, 0.3, 0.1), face(0.5, 0.3, 0.1)], { compact: true });
  assert.deepEqual(result.labels.map((l) => l.text), ["1", "2"]);
});

test("a full label that would cover a neighbour's box shrinks to the number", () => {
  // Two faces side by side with a narrow gap: the first one's full label would run into the second box.
  const result = layout([face(0.1, 0.4, 0.08), face(0.2, 0.4, 0.08)]);
  const first = result.labels.find((l) => l.index === 0);
  const secondBox = drawnBox(result.boxes[1], 1);
  assert.ok(!intersects(first, secondBox));
  assertRules(result, { width: 640, height: 480, scale: 1 });
});

test("a face that fills the photo gets no label rather than one over its own box", () => {
  const result = layout([{ rel: { left: 0, top: 0, width: 1, height: 1 }, label: "male 60%" }]);
  assert.deepEqual(result.labels, []);
  assert.equal(result.boxes.length, 1);
});

test("labels keep the face's number, so each matches its card", () => {
  const result = layout([face(0.05, 0.3, 0.1), face(0.4, 0.3, 0.1), face(0.75, 0.3, 0.1)]);
  for (const label of result.labels) assert.ok(label.text.startsWith(`${label.index + 1}`));
});

/** Up to `count` non-overlapping faces (the detector merges overlapping ones), seeded. */
function groupPhoto(seed, count) {
  const next = random(seed);
  const faces = [];
  const box = (f) => ({ x: f.rel.left, y: f.rel.top, w: f.rel.width, h: f.rel.height });
  for (let tries = 0; faces.length < count && tries < 200; tries += 1) {
    const size = 0.03 + next() * 0.08;
    const candidate = face(next() * (1 - size), next() * (1 - size * 2), size);
    if (!faces.some((f) => intersects(box(f), box(candidate)))) faces.push(candidate);
  }
  return faces;
}

// A 2048 x 1365 photo shown 328 CSS px wide (a 360 px phone): 6.2 photo pixels per CSS pixel.
const PHONE = { width: 2048, height: 1365, scale: 2048 / 328, compact: true };

test("a group photo on a 360 px screen: every face keeps its number, no label stacks on another", () => {
  for (let seed = 1; seed <= 200; seed += 1) {
    const faces = groupPhoto(seed, 6);
    const result = layout(faces, PHONE);
    assertRules(result, PHONE);
    assert.equal(result.labels.length, faces.length, `seed ${seed}: a face lost its number`);
    const { labels } = result;
    for (let i = 0; i < labels.length; i += 1) {
      for (let j = i + 1; j < labels.length; j += 1) {
        assert.ok(!intersects(labels[i], labels[j]), `seed ${seed}: labels ${i + 1} and ${j + 1} stack`);
      }
    }
  }
});

test("a crowd of a dozen tiny faces on a 360 px screen: still no label on its own box", () => {
  // So packed that a badge may have to touch another; it still never covers its own face.
  for (let seed = 1; seed <= 200; seed += 1) {
    const faces = groupPhoto(seed, 12);
    const result = layout(faces, PHONE);
    assertRules(result, PHONE);
    assert.equal(result.labels.length, faces.length, `seed ${seed}: a face lost its number`);
  }
});

test("the layout does not depend on which face is highlighted (labels never jump on hover)", () => {
  const faces = [face(0.1, 0.3, 0.1), face(0.5, 0.3, 0.1)];
  assert.deepEqual(layout(faces), layout(faces));
  assert.equal(layoutOverlay.length, 2, "faces and options only: no highlight argument");
});
