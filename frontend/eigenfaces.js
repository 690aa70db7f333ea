// The eigenface explorer's arithmetic: reading /v1/model/eigenfaces.bin and rebuilding a face
// from edited weights. Plain functions, no DOM (node --test checks them).
//
// eigenfaces.bin, little-endian: "FGEF"; uint16 version (1), k, width, height; float32
// scale[k]; float32 mean[width*height]; float32 eigenfaces[k][width*height]. Moving weight i
// from a to b adds (b - a) * scale[i] * eigenface[i] to the picture.

const MAGIC = "FGEF";
const HEADER_BYTES = 12;

/**
 * @param {ArrayBuffer} buffer the body of GET /v1/model/eigenfaces.bin
 * @returns {{count: number, width: number, height: number, scale: Float32Array,
 *   mean: Float32Array, eigenfaces: Float32Array[]}}
 */
export function parseEigenfaces(buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < HEADER_BYTES) {
    throw new Error("eigenfaces.bin is too short");
  }
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  const version = view.getUint16(4, true);
  if (magic !== MAGIC || version !== 1) throw new Error("not an eigenfaces.bin of format 1");
  const count = view.getUint16(6, true);
  const width = view.getUint16(8, true);
  const height = view.getUint16(10, true);
  const pixels = width * height;
  if (buffer.byteLength !== HEADER_BYTES + 4 * (count + (1 + count) * pixels)) {
    throw new Error("eigenfaces.bin has the wrong length for its header");
  }
  // Copied out with DataView: little-endian whatever the machine, and no alignment needs.
  const floats = (offset, length) => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i += 1) out[i] = view.getFloat32(offset + 4 * i, true);
    return out;
  };
  const scale = floats(HEADER_BYTES, count);
  const mean = floats(HEADER_BYTES + 4 * count, pixels);
  const eigenfaces = Array.from({ length: count }, (_, i) =>
    floats(HEADER_BYTES + 4 * (count + (1 + i) * pixels), pixels));
  return { count, width, height, scale, mean, eigenfaces };
}

/**
 * The picture with weights moved from `from` to `to`: base + sum((to - from) * scale * eigenface).
 * @param {Float32Array} base grey levels in [0, 1] (the face's reconstruction, or the mean face)
 * @param {{scale: Float32Array, eigenfaces: Float32Array[]}} model from parseEigenfaces
 * @param {number[]} from the weights the base has
 * @param {number[]} to the weights wanted
 * @returns {Float32Array} grey levels, not clipped
 */
export function rebuild(base, model, from, to) {
  const out = Float32Array.from(base);
  const n = Math.min(from.length, to.length, model.eigenfaces.length);
  for (let i = 0; i < n; i += 1) {
    const step = (to[i] - from[i]) * model.scale[i];
    if (step === 0) continue;
    const face = model.eigenfaces[i];
    for (let p = 0; p < out.length; p += 1) out[p] += step * face[p];
  }
  return out;
}

/** Grey levels in [0, 1] to RGBA bytes for ImageData (clipped, rounded). */
export function greyToRgba(grey) {
  const out = new Uint8ClampedArray(grey.length * 4);
  for (let p = 0; p < grey.length; p += 1) {
    const v = Math.round(Math.min(1, Math.max(0, grey[p])) * 255);
    out.set([v, v, v, 255], 4 * p);
  }
  return out;
}

/** RGBA bytes (from a drawn grey PNG) back to grey levels in [0, 1]: the red channel. */
export function rgbaToGrey(rgba) {
  const out = new Float32Array(rgba.length / 4);
  for (let p = 0; p < out.length; p += 1) out[p] = rgba[4 * p] / 255;
  return out;
}

/** The sliders' range, in standard deviations of the training faces: -SLIDER_LIMIT to SLIDER_LIMIT. */
export const SLIDER_LIMIT = 4;

/** A weight for a slider: a finite number within [-limit, limit], to one decimal. */
export function sliderValue(weight, limit) {
  const n = Number(weight);
  if (!Number.isFinite(n)) return 0;
  return Math.round(Math.min(limit, Math.max(-limit, n)) * 10) / 10;
}
