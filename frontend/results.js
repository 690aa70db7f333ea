// The API's reply as the page tells it: faces with boxes relative to the photo, percentages,
// timings and sentences. Plain functions, no DOM (node --test checks them).

/** A probability as a whole percent; never 100 unless the model said exactly 1. */
export function percent(p) {
  const value = Math.round(Number(p) * 100);
  if (!Number.isFinite(value)) return "?";
  return String(Number(p) < 1 ? Math.min(value, 99) : value);
}

export function formatMs(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return "?";
  return n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`;
}

/** {female: 0.87, male: 0.13} -> "female 87% · male 13%" */
export function probabilitiesText(probabilities) {
  return Object.entries(probabilities || {})
    .filter(([, p]) => Number.isFinite(p))
    .map(([name, p]) => `${name} ${percent(p)}%`)
    .join(" · ");
}

/** "Server 14.6 ms (decode 2.1 ms · detect 11.8 ms), round trip 40.2 ms" */
export function describeTimings(timings, roundTripMs) {
  const parts = [];
  if (timings && typeof timings === "object") {
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

/** Box in [0, 1] of the image; replies without box_relative are scaled by the image size. */
function relativeBox(face, image) {
  const rel = face.box_relative;
  if (rel && [rel.left, rel.top, rel.width, rel.height].every(Number.isFinite)) return rel;
  const box = face.box || {};
  const w = (image && image.width) || 1;
  const h = (image && image.height) || 1;
  return { left: box.x / w, top: box.y / h, width: box.width / w, height: box.height / h };
}

/** Only base64 image data becomes an image source, so a reply cannot smuggle in another URL. */
export function imageSource(data) {
  if (typeof data !== "string") return null;
  if (/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/.test(data)) return data;
  return /^[A-Za-z0-9+/=\s]+$/.test(data) ? `data:image/png;base64,${data}` : null;
}

/**
 * The explanation of a /v1/model/explain reply when its map is an image
 * the page may show, else null.
 * @returns {{map: string, method: string, top_regions: object[]}|null}
 */
export function explanationOf(explanation) {
  if (!explanation || typeof explanation !== "object") return null;
  const map = imageSource(explanation.map_png);
  if (!map) return null;
  return {
    map,
    method: typeof explanation.method === "string" ? explanation.method : "",
    top_regions: Array.isArray(explanation.top_regions) ? explanation.top_regions : [],
  };
}

/**
 * The faces of a /v1/predict reply, as the views draw them.
 * @returns {Array<{number: number, label: string, confidence: number, percent: string,
 *   probabilities: string, rel: object, box: object, crop: string|null, eigenface: string|null,
 *   cropPng: string|null, weights: number[]|null}>}
 */
export function facesOf(reply) {
  return reply.faces.map((face, index) => {
    const probabilities = face.probabilities && typeof face.probabilities === "object" ? face.probabilities : {};
    const label = typeof face.gender === "string" ? face.gender : "unknown";
    const confidence = Number.isFinite(face.confidence) ? face.confidence : Number(probabilities[label]);
    return {
      number: index + 1,
      label,
      confidence,
      percent: percent(confidence),
      probabilities: probabilitiesText(probabilities),
      rel: relativeBox(face, reply.image),
      box: face.box || {},
      crop: imageSource(face.crop_png),
      eigenface: imageSource(face.eigenface_png),
      cropPng: typeof face.crop_png === "string" && imageSource(face.crop_png) ? face.crop_png : null,
      weights: Array.isArray(face.eigenface_weights) && face.eigenface_weights.every(Number.isFinite) ? face.eigenface_weights : null,
    };
  });
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Sentences about a set of faces: the summary line, the status, the photo's text alternative. */
export function describeFaces(faces, { limited = false } = {}) {
  const n = faces.length;
  return {
    summary: n === 0 ? "" : `${plural(n, "face")} found${limited ? " (the most we analyse at once)" : ""}`,
    status: n === 0 ? "No face found." : `Found ${plural(n, "face")}.`,
    photo:
      n === 0
        ? "The photo; no face was found."
        : `The photo with ${plural(n, "face")} marked: ${faces
            .map((f) => `${f.number}, ${f.label} ${f.percent}%`)
            .join("; ")}.`,
  };
}
