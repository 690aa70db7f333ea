// The explorer's arithmetic: reading eigenfaces.bin and rebuilding a face from edited weights.
import assert from "node:assert/strict";
import { test } from "node:test";

import { greyToRgba, parseEigenfaces, rebuild, rgbaToGrey, sliderValue } from "../../frontend/eigenfaces.js";

/** An eigenfaces.bin as the server writes it (little-endian), for a w x h picture. */
function eigenfacesBin({ scale, mean, eigenfaces, width, height, magic = "FGEF", version = 1 }) {
  const count = scale.length;
  const buffer = new ArrayBuffer(12 + 4 * (count + (1 + count) * width * height));
  const view = new DataView(buffer);
  [...magic].forEach((c, i) => view.setUint8(i, c.charCodeAt(0)));
  view.setUint16(4, version, true);
  view.setUint16(6, count, true);
  view.setUint16(8, width, true);
  view.setUint16(10, height, true);
  [...scale, ...mean, ...eigenfaces.flat()].forEach((v, i) => view.setFloat32(12 + 4 * i, v, true));
  return buffer;
}

const TINY = { scale: [2, 0.5], mean: [0.5, 0.5, 0.25, 0.75], eigenfaces: [[0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0]], width: 2, height: 2 };

test("eigenfaces.bin is read back: sizes, scale, mean face and eigenfaces", () => {
  const model = parseEigenfaces(eigenfacesBin(TINY));
  assert.equal(model.count, 2);
  assert.equal(model.width, 2);
  assert.equal(model.height, 2);
  assert.deepEqual([...model.scale], [2, 0.5]);
  assert.deepEqual([...model.mean], [0.5, 0.5, 0.25, 0.75]);
  assert.deepEqual([...model.eigenfaces[1]], [1, 0, 0, 0]);
});

test("a file that is not eigenfaces.bin, or is cut short, is refused", () => {
  assert.throws(() => parseEigenfaces(eigenfacesBin({ ...TINY, magic: "PNG!" })), /format 1/);
  assert.throws(() => parseEigenfaces(eigenfacesBin({ ...TINY, version: 2 })), /format 1/);
  assert.throws(() => parseEigenfaces(eigenfacesBin(TINY).slice(0, 40)), /length/);
  assert.throws(() => parseEigenfaces(new ArrayBuffer(4)), /short/);
});

test("moving a weight adds the scaled eigenface; unmoved weights add nothing", () => {
  const model = parseEigenfaces(eigenfacesBin(TINY));
  const base = Float32Array.from(TINY.mean);
  assert.deepEqual([...rebuild(base, model, [0, 0], [0, 0])], TINY.mean);
  // (0.25 - 0) * 2 * 0.5 = 0.25 on every pixel; (1 - 3) * 0.5 * [1, 0, 0, 0]
  const moved = rebuild(base, model, [0, 3], [0.25, 1]);
  assert.deepEqual([...moved], [-0.25, 0.75, 0.5, 1.0]);
  assert.deepEqual([...base], TINY.mean, "the base picture is left as it was");
});

test("grey levels become clipped RGBA bytes and come back from them", () => {
  const rgba = greyToRgba(Float32Array.from([-0.2, 0.5, 1.4]));
  assert.deepEqual([...rgba], [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  assert.deepEqual([...rgbaToGrey(rgba)].map((v) => Math.round(v * 255)), [0, 128, 255]);
});

test("slider values are finite, within the limit, to one decimal", () => {
  assert.equal(sliderValue(1.26, 4), 1.3);
  assert.equal(sliderValue(-9, 4), -4);
  assert.equal(sliderValue(Number.NaN, 4), 0);
  assert.equal(sliderValue("2", 4), 2);
});
