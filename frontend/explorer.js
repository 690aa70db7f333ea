// The eigenface explorer's logic: the eigenfaces (loaded once), the faces of the last photo,
// and the face being edited (its base picture, its weights as received and as edited). The
// picture is rebuilt here; the probability comes from the API's decide. No DOM in here: the
// view draws.

import { SLIDER_LIMIT, greyToRgba, parseEigenfaces, rebuild, sliderValue } from "./eigenfaces.js";
import { latestOnly } from "./latest.js";
import { describeError } from "./messages.js";
import { probabilitiesText } from "./results.js";

/**
 * @param {{api: object, view: import("./explorer-view.js").ExplorerView}} parts
 * @returns {{setFaces: (faces: object[]) => void, show: (card: object) => Promise<void>}}
 */
export function createExplorer({ api, view }) {
  let eigen = null;
  let faces = [];
  let edited = null;
  const showError = (error) => view.showError(describeError(error).text);

  const decide = latestOnly((face, signal) => api.decide(face, { signal }), {
    wait: 150,
    onResult: (reply) => {
      view.showProbability(`The model's answer for this picture: ${probabilitiesText(reply.probabilities)}`);
    },
    onError: showError,
  });

  function redraw() {
    const picture = rebuild(edited.base, eigen, edited.from, edited.to);
    view.draw(greyToRgba(picture), eigen.width, eigen.height);
    view.showProbability("Asking the model…", { busy: true });
    decide({ cropPng: edited.cropPng, weights: edited.to });
  }

  async function choose(choice) {
    const face = choice === "mean" ? null : faces[Number(choice)];
    const count = eigen.count;
    const base = face ? await view.greyOf(face.eigenface, eigen.width, eigen.height) : eigen.mean;
    const from = face ? face.weights.slice(0, count) : new Array(count).fill(0);
    edited = { base, from, to: from.slice(), cropPng: face ? face.cropPng : null };
    view.showSliders(from.map((w) => sliderValue(w, SLIDER_LIMIT)));
    redraw();
  }

  function setFaces(shown) {
    faces = shown.filter((f) => f.weights && f.cropPng && f.eigenface);
    view.setChoices([
      { value: "mean", text: "The mean face" },
      ...faces.map((f, i) => ({ value: String(i), text: `Face ${f.number} of your photo (${f.label} ${f.percent}%)` })),
    ], faces.length ? "0" : "mean");
    if (eigen) choose(view.choice).catch(showError);
  }

  async function show(card) {
    const others = (Array.isArray(card && card.channels) ? card.channels : [])
      .map((c) => c && c.name).filter((name) => typeof name === "string" && name !== "pixels");
    view.showNote(
      others.length
        ? `Only the eigenfaces part of the model sees your edits; its other features (${others.join(", ")}) still see the face as it was.`
        : "The model sees the face only through its eigenface weights, so it sees every edit.",
    );
    try {
      if (!eigen) eigen = parseEigenfaces(await api.eigenfaces());
      await choose(view.choice);
    } catch (error) {
      showError(error);
    }
  }

  view.bind({
    face: (choice) => eigen && choose(choice).catch(showError),
    slide: (index, value) => {
      if (!edited) return;
      edited.to[index] = value;
      redraw();
    },
    reset: () => eigen && choose(view.choice),
  });

  return { setFaces, show };
}
