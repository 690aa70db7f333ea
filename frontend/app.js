// Wires the parts together: what the person does (views) -> prepare the photo (photo) ->
// ask the server (api) -> tell the answer (results, model-card) -> show it (views).
// No DOM and no fetch in here.

import { createApi } from "./api.js";
import { createCamera } from "./camera.js";
import { CameraView } from "./camera-view.js";
import { FaceCards } from "./face-cards.js";
import { InputView } from "./input-view.js";
import { createExplorer } from "./explorer.js";
import { ExplorerView } from "./explorer-view.js";
import { describeError } from "./messages.js";
import { datasetNames, describeModelCard, eigenfaceCount, joinNames, weakestGroupNames } from "./model-card.js";
import { ModelView } from "./model-view.js";
import { PageView } from "./page-view.js";
import { preparePhoto, useServerFormats } from "./photo.js";
import { PhotoView } from "./photo-view.js";
import { describeFaces, describeTimings, explanationOf, facesOf } from "./results.js";

const EXPLANATIONS_KEPT = 40;
const VIEW_BY_HASH = { "#how-it-works": "how-it-works" };
const SOURCE_NAMES = { file: "photo", drop: "dropped photo", paste: "pasted image", camera: "camera picture" };

const api = createApi();
const camera = createCamera();
const page = new PageView(document);
const inputs = new InputView(document);
const photo = new PhotoView(document.getElementById("photo-canvas"));
const cards = new FaceCards(document.getElementById("face-list"));
const cameraView = new CameraView(document);
const modelView = new ModelView(document);
const explorer = createExplorer({ api, view: new ExplorerView(document) });
api.formats().then((reply) => inputs.setAccept(useServerFormats(reply))).catch(() => {});

let run = 0; // the newest photo wins; replies to older ones are dropped
let inFlight = null;
// "Why?" asks for a face's map when first opened; a new photo aborts what is still coming.
// Maps are kept by the face's crop, so the same face is never asked for twice.
let shownFaces = [];
let explaining = new AbortController();
const explanations = new Map();
let modelCard = null; // one request for the card, shared by the notes and "How it works"
let limits = null; // GET /v1/limits: sizes, defaults and label colours, all the API's
let howItWorksShown = false;

const isAbort = (error) => error && error.name === "AbortError";

function showResultsError(error) {
  page.clearResults();
  photo.clear();
  cards.clear();
  page.showError(describeError(error));
}

async function analyse(blob, source) {
  const mine = ++run;
  if (inFlight) inFlight.abort();
  inFlight = null;
  explaining.abort();
  explaining = new AbortController();
  shownFaces = [];
  page.clearError();
  page.setBusy(`Reading the ${SOURCE_NAMES[source] || "photo"}…`);

  let prepared;
  let known;
  try {
    known = await loadLimits();
    if (mine !== run) return;
    prepared = await preparePhoto(blob, known);
  } catch (error) {
    if (mine === run) showResultsError(error);
    return;
  }
  if (mine !== run) return;

  const { width, height } = prepared.display;
  page.openResults(
    prepared.resized
      ? `${prepared.original.width}×${prepared.original.height} px, shrunk to ${width}×${height} px in your browser before upload`
      : `${width}×${height} px, ${prepared.format.toUpperCase()}`,
  );
  cards.clear();
  photo.show(prepared.display, "The photo being analysed");
  page.setBusy(prepared.resized ? `Shrunk to at most ${known.upload_max_side} px. Looking for faces…` : "Looking for faces…");

  const controller = new AbortController();
  inFlight = controller;
  const started = performance.now();
  let reply;
  try {
    reply = await api.predict(prepared.upload, {
      type: prepared.type, signal: controller.signal, maxFaces: known.max_faces.default, includeCrops: true,
    });
  } catch (error) {
    if (mine === run && !isAbort(error)) showResultsError(error);
    return;
  } finally {
    if (inFlight === controller) inFlight = null;
  }
  if (mine !== run) return;

  const faces = facesOf(reply);
  const sentences = describeFaces(faces, { limited: faces.length >= known.max_faces.default });
  photo.showFaces(faces, sentences.photo);
  shownFaces = faces;
  cards.show(faces);
  explorer.setFaces(faces);
  page.showSummary(faces.length, sentences, describeTimings(reply.timings_ms, performance.now() - started));
  if (reply.model && reply.model.version) page.setModelVersion(String(reply.model.version));
}

async function explainFace(index) {
  const face = shownFaces[index];
  if (!face || !face.cropPng) return;
  const known = explanations.get(face.cropPng);
  if (known) {
    cards.showWhy(index, known);
    return;
  }
  const mine = run;
  cards.showWhyBusy(index);
  try {
    const reply = await api.explain(face.cropPng, { signal: explaining.signal });
    const explanation = explanationOf(reply.explanation);
    if (!explanation) throw { code: "bad_response" };
    if (explanations.size >= EXPLANATIONS_KEPT) explanations.delete(explanations.keys().next().value);
    explanations.set(face.cropPng, explanation);
    if (mine === run) cards.showWhy(index, explanation);
  } catch (error) {
    if (mine === run && !isAbort(error)) cards.showWhyError(index, describeError(error).text);
  }
}

function onInput(file, source) {
  if (location.hash === "#how-it-works") location.hash = "#classify"; // show where the answer goes
  if (!file) {
    page.showError(describeError({ code: "no_file" }));
    return;
  }
  analyse(file, source);
}

// ---------------------------------------------------------------- camera

async function startCamera() {
  page.clearError();
  try {
    const stream = await camera.start({ onEnded: () => cameraView.hide() });
    cameraView.show(stream);
    page.setStatus("Camera on. Press Capture when you are ready.");
  } catch (error) {
    cameraView.hide();
    page.showError(describeError(error));
  }
}

async function captureCamera() {
  const blob = await cameraView.captureFrame();
  if (!blob) {
    page.showError(describeError({ code: "camera_not_ready" }));
    return;
  }
  analyse(blob, "camera");
}

function stopCamera() {
  camera.stop();
  cameraView.hide();
  page.setStatus("Camera off.");
}

// ---------------------------------------------------------------- the model

function loadLimits() {
  if (!limits) {
    limits = api.limits().then(
      (reply) => {
        page.setLabelColours(reply.label_colours);
        return reply;
      },
      (error) => {
        limits = null; // asked again next time
        throw error;
      },
    );
  }
  return limits;
}

function loadModelCard() {
  if (!modelCard) {
    modelCard = api.modelCard().catch((error) => {
      modelCard = null; // asked again next time
      throw error;
    });
  }
  return modelCard;
}

async function showHowItWorks() {
  if (howItWorksShown) return;
  howItWorksShown = true;
  let card = null;
  try {
    card = await loadModelCard();
    modelView.showCard(describeModelCard(card));
  } catch (error) {
    howItWorksShown = false; // tried again next time the view opens
    modelView.showCardError(describeError(error).text);
  }
  explorer.show(card);
  let shown = 1;
  try {
    shown = (await loadLimits()).eigenfaces_shown;
  } catch {
    // the pictures below show what they can; the card's error already says the API is away
  }
  const count = Math.max(1, Math.min(shown, eigenfaceCount(card) || shown));
  modelView.showPictures([
    { src: api.meanFaceUrl(), caption: "Mean face", alt: "The mean face: the average of all training faces", wide: true },
    ...Array.from({ length: count }, (_, i) => ({
      src: api.eigenfaceUrl(i),
      caption: `Eigenface ${i + 1}`,
      alt: `Eigenface ${i + 1}: a pattern of light and dark regions along which training faces varied`,
    })),
  ]);
}

function showViewFromHash() {
  const name = page.showView(VIEW_BY_HASH[location.hash] || "classify");
  if (name === "how-it-works") showHowItWorks();
  if (name !== "classify" && camera.active) stopCamera();
}

// ---------------------------------------------------------------- wiring

inputs.bindFileChosen(onInput);
inputs.bindDrop(onInput);
inputs.bindPaste(onInput);
cameraView.bind({ start: startCamera, capture: captureCamera, stop: stopCamera });
cards.bindWhy(explainFace);
cards.bindHighlight((index) => {
  photo.highlight(index);
  cards.highlight(index);
});
window.addEventListener("hashchange", showViewFromHash);
window.addEventListener("pagehide", () => camera.stop());
loadLimits().catch(() => {}); // asked again with the first photo if it fails now
showViewFromHash();
// The notes name the training data, and the groups the model fails most, as the model card
// does; until it answers, they keep the names written into the page.
loadModelCard()
  .then((card) => {
    page.setTrainingData(joinNames(datasetNames(card)));
    page.setWeakestGroups(weakestGroupNames(card));
    if (card.version) page.setModelVersion(String(card.version));
  })
  .catch(() => {});
document.documentElement.dataset.ready = "true";
