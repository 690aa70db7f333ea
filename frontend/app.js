// Wires the parts together: what the person does (view) -> prepare the photo (photo) ->
// ask the server (api) -> show the answer (view). No DOM and no fetch in here.

import { createApi } from "./api.js";
import { createCamera } from "./camera.js";
import { describeError } from "./messages.js";
import { MAX_SIDE, loadServerFormats, preparePhoto } from "./photo.js";
import { View } from "./view.js";

const MAX_FACES = 20;
const EIGENFACES_SHOWN = 8;
const VIEW_BY_HASH = { "#how-it-works": "how-it-works" };

const config = window.FACEGENDER_CONFIG || {};
const api = createApi({ baseUrl: config.apiBaseUrl || "" });
loadServerFormats(config.apiBaseUrl || "");
const camera = createCamera();
const view = new View(document);

let run = 0; // the newest photo wins; replies to older ones are dropped
let inFlight = null;
let howItWorksLoaded = false;

function isAbort(error) {
  return error && error.name === "AbortError";
}

/** Box in [0, 1] of the image; older replies without box_relative are scaled by image size. */
function relativeBox(face, image) {
  const rel = face.box_relative;
  if (rel && [rel.left, rel.top, rel.width, rel.height].every(Number.isFinite)) return rel;
  const box = face.box || {};
  const w = (image && image.width) || 1;
  const hgt = (image && image.height) || 1;
  return { left: box.x / w, top: box.y / hgt, width: box.width / w, height: box.height / hgt };
}

function faceModel(face, image) {
  const probabilities = face.probabilities || {};
  const label = typeof face.gender === "string" ? face.gender : "unknown";
  const confidence = Number.isFinite(face.confidence) ? face.confidence : Number(probabilities[label]);
  return {
    label,
    confidence,
    probabilities,
    rel: relativeBox(face, image),
    box: face.box,
    crop: face.crop_png,
    eigenface: face.eigenface_png,
  };
}

function sourceName(source) {
  return { file: "photo", drop: "dropped photo", paste: "pasted image", camera: "camera picture" }[source] || "photo";
}

async function analyse(blob, source) {
  const mine = ++run;
  if (inFlight) inFlight.abort();
  inFlight = null;
  view.clearError();
  view.setBusy(`Reading the ${sourceName(source)}…`);

  let photo;
  try {
    photo = await preparePhoto(blob);
  } catch (error) {
    if (mine !== run) return;
    view.clearResults();
    view.showError(describeError(error));
    return;
  }
  if (mine !== run) return;

  const { width, height } = photo.display;
  const caption = photo.resized
    ? `${photo.original.width}×${photo.original.height} px, shrunk to ${width}×${height} px in your browser before upload`
    : `${width}×${height} px, ${photo.format.toUpperCase()}`;
  view.showPhoto(photo.display, caption);
  view.setBusy(photo.resized ? `Shrunk to at most ${MAX_SIDE} px. Looking for faces…` : "Looking for faces…");

  const controller = new AbortController();
  inFlight = controller;
  const started = performance.now();
  let reply;
  try {
    reply = await api.predict(photo.upload, { signal: controller.signal, maxFaces: MAX_FACES, includeCrops: true });
  } catch (error) {
    if (mine !== run || isAbort(error)) return;
    view.clearResults();
    view.showError(describeError(error));
    return;
  } finally {
    if (inFlight === controller) inFlight = null;
  }
  if (mine !== run) return;

  const faces = reply.faces.map((face) => faceModel(face, reply.image));
  view.showFaces(faces, {
    timings: reply.timings_ms,
    roundTripMs: performance.now() - started,
    limited: faces.length >= MAX_FACES,
  });
  if (reply.model && reply.model.version) view.setModelVersion(String(reply.model.version));
}

function onInput(file, source) {
  if (location.hash === "#how-it-works") location.hash = "#classify"; // show where the answer goes
  if (!file) {
    view.showError(describeError({ code: "no_file" }));
    return;
  }
  analyse(file, source);
}

// ---------------------------------------------------------------- camera

async function startCamera() {
  view.clearError();
  try {
    const stream = await camera.start({ onEnded: () => view.hideCamera() });
    view.showCamera(stream);
    view.setStatus("Camera on. Press Capture when you are ready.");
  } catch (error) {
    view.hideCamera();
    view.showError(describeError(error));
  }
}

async function captureCamera() {
  const blob = await view.captureFrame();
  if (!blob) {
    view.showError(describeError({ code: "camera_not_ready" }));
    return;
  }
  analyse(blob, "camera");
}

function stopCamera() {
  camera.stop();
  view.hideCamera();
  view.setStatus("Camera off.");
}

// ---------------------------------------------------------------- how it works

function findNumber(obj, key, depth = 0) {
  if (!obj || typeof obj !== "object" || depth > 5) return undefined;
  if (Number.isInteger(obj[key])) return obj[key];
  for (const value of Object.values(obj)) {
    const found = findNumber(value, key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

async function loadHowItWorks() {
  if (howItWorksLoaded) return;
  howItWorksLoaded = true;
  let card = null;
  try {
    card = await api.modelCard();
    view.renderModelCard(card);
    if (card && card.version) view.setModelVersion(String(card.version));
  } catch (error) {
    howItWorksLoaded = false; // try again next time the view opens
    view.showModelCardError(describeError(error).text);
  }
  const components = findNumber(card, "n_components");
  const count = Math.max(1, Math.min(EIGENFACES_SHOWN, components || EIGENFACES_SHOWN));
  view.renderGallery([
    { src: api.meanFaceUrl(), caption: "Mean face", alt: "The mean face: the average of all training faces", wide: true },
    ...Array.from({ length: count }, (_, i) => ({
      src: api.eigenfaceUrl(i),
      caption: `Eigenface ${i + 1}`,
      alt: `Eigenface ${i + 1}: a pattern of light and dark regions along which training faces varied`,
    })),
  ]);
}

function showViewFromHash() {
  const name = view.showView(VIEW_BY_HASH[location.hash] || "classify");
  if (name === "how-it-works") loadHowItWorks();
  if (name !== "classify" && camera.active) stopCamera();
}

// ---------------------------------------------------------------- wiring

view.bindViewSelect((name) => {
  const hash = name === "how-it-works" ? "#how-it-works" : "#classify";
  if (location.hash !== hash) location.hash = hash;
  else showViewFromHash();
});
view.bindFileChosen(onInput);
view.bindDrop(onInput);
view.bindPaste(onInput);
view.bindCamera({ start: startCamera, capture: captureCamera, stop: stopCamera });
view.bindFaceHighlight((index) => view.highlightFace(index));
window.addEventListener("hashchange", showViewFromHash);
window.addEventListener("pagehide", () => camera.stop());
showViewFromHash();
document.documentElement.dataset.ready = "true";
