// The model card (GET /v1/model) as the page tells it. The card is ours, so this reads its
// known fields and turns them into sentences, facts and small tables; a field the card lacks
// is left out, and fields this file does not know are not shown. Plain functions, no DOM.

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const objectAt = (value, ...keys) => keys.reduce((node, key) => (isObject(node) ? node[key] : undefined), value);
const isText = (value) => typeof value === "string" && value.trim() !== "";

/** 0.9139 -> "91.4%" */
export function share(value) {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "—";
}

const count = (value) => (Number.isFinite(value) ? value.toLocaleString("en-US") : "—");
const decimal = (value) => (Number.isFinite(value) ? String(Number(value.toPrecision(3))) : "—");

/** "CelebA (Liu et al., ICCV 2015), split by identity; ..." -> "CelebA" */
function shortName(key, description) {
  const name = isText(description) ? description.split(/[(;,]/)[0].trim() : "";
  return name || key;
}

/** The training datasets' short names, in the card's order: ["CelebA", "UTKFace"]. */
export function datasetNames(card) {
  const datasets = objectAt(card, "training_data", "datasets");
  return isObject(datasets) ? Object.entries(datasets).map(([key, text]) => shortName(key, text)) : [];
}

/** ["A", "B", "C"] -> "A, B and C" */
export function joinNames(names) {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** How many eigenfaces the model has (its pixel channel's PCA), or undefined. */
export function eigenfaceCount(card) {
  const channels = Array.isArray(card && card.channels) ? card.channels : [];
  const pixels = channels.find((c) => isObject(c) && c.name === "pixels");
  return pixels && Number.isInteger(pixels.n_components) ? pixels.n_components : undefined;
}

function trainingSection(card) {
  const training = objectAt(card, "training_data");
  const datasets = objectAt(training, "datasets");
  if (!isObject(datasets)) return null;
  const classes = Array.isArray(card.classes) ? card.classes.map(String) : [];
  const images = objectAt(training, "images") || {};
  const names = datasetNames(card);
  const used = Number.isFinite(objectAt(training, "faces_used")) ? `${count(training.faces_used)} faces from ` : "";
  const copies = objectAt(training, "training_copies");
  const withCopies = Number.isFinite(objectAt(copies, "copies")) && isText(copies.what)
    ? [`Also trained on ${count(copies.copies)} copies: ${copies.what}.`]
    : [];
  return {
    title: "Training data",
    paragraphs: [
      `Trained on ${used}${joinNames(names)}, with their binary gender labels.`,
      ...withCopies,
    ],
    tables: [
      {
        caption: "Training images by dataset and label",
        columns: ["Dataset", ...classes],
        rows: Object.entries(datasets).map(([key, text]) => [
          isText(text) ? text : key,
          ...classes.map((label) => count(objectAt(images, key, label))),
        ]),
      },
    ],
  };
}

/** "by_race_ages_13_plus" -> "by race, ages 13+" */
function groupTitle(key) {
  return key.replace(/_ages_(\d+)_plus$/, ", ages $1+").replace(/_/g, " ");
}

function testSets(metrics, names) {
  const sets = [];
  for (const [key, figures] of Object.entries(metrics)) {
    if (!isObject(figures)) continue;
    sets.push({ key, name: names[key] || key, figures });
    for (const [subKey, subset] of Object.entries(figures)) {
      const ages = /^ages_(\d+)_plus$/.exec(subKey);
      if (ages && isObject(subset)) sets.push({ key: `${key}/${subKey}`, name: `${names[key] || key}, ages ${ages[1]}+`, figures: subset });
    }
  }
  return sets;
}

function metricsSection(card) {
  const current = objectAt(card, "metrics", "new");
  if (!isObject(current)) return null;
  const seed = objectAt(card, "metrics", "seed");
  const datasets = objectAt(card, "training_data", "datasets") || {};
  const names = Object.fromEntries(Object.entries(datasets).map(([key, text]) => [key, shortName(key, text)]));
  const sets = testSets(current, names);
  const seedAccuracy = (key) => objectAt(seed, ...key.split("/"), "accuracy_end_to_end");
  const overall = {
    caption: "Accuracy on held-out test photos (people the model never saw)",
    columns: ["Test set", "Photos", "Accuracy", "Faces found", "ROC AUC", "Calibration error",
      ...(isObject(seed) ? ["Original recipe's accuracy"] : [])],
    rows: sets.map(({ key, name, figures }) => [
      name, count(figures.images), share(figures.accuracy_end_to_end), share(figures.face_found_rate),
      decimal(figures.roc_auc), decimal(figures.expected_calibration_error),
      ...(isObject(seed) ? [share(seedAccuracy(key))] : []),
    ]),
  };
  // A breakdown with one group only repeats the row above it.
  const groups = sets.flatMap(({ name, figures }) =>
    Object.entries(figures)
      .filter(([key, value]) => key.startsWith("by_") && isObject(value) && Object.keys(value).length > 1)
      .map(([key, value]) => ({
        caption: `${name} ${groupTitle(key)}`,
        columns: ["Group", "Photos", "Accuracy", "Faces found"],
        rows: Object.entries(value).map(([group, g]) => [
          group, count(objectAt(g, "images")), share(objectAt(g, "accuracy_end_to_end")), share(objectAt(g, "face_found_rate")),
        ]),
      })),
  );
  const gaps = sets.flatMap(({ name, figures }) =>
    Object.entries(figures)
      .filter(([key, value]) => key.startsWith("race_gap") && Number.isFinite(value))
      .map(([key, value]) =>
        `${name} ${groupTitle(key.replace("race_gap", "by_race"))}: accuracy differs by ` +
        `${(value * 100).toFixed(1)} percentage points between the best and the worst served group.`),
  );
  return { title: "How well it does", paragraphs: gaps, tables: [overall, ...groups] };
}

/** The groups the model fails most, as the card names them: "Black women, women aged 60+ and ...". */
export function weakestGroupNames(card) {
  const groups = objectAt(card, "fairness", "weakest_groups");
  return Array.isArray(groups) ? joinNames(groups.filter(isObject).map((g) => g.words).filter(isText)) : "";
}

const percentagePoints = (value) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} points` : "—");

function whoItFailsSection(card) {
  const fairness = objectAt(card, "fairness");
  const failures = Array.isArray(card.known_failures) ? card.known_failures.filter(isText) : [];
  if (!isObject(fairness) && !failures.length) return null;
  const paragraphs = [];
  if (Number.isFinite(objectAt(fairness, "threshold")) && isText(objectAt(fairness, "threshold_rule"))) {
    paragraphs.push(`The label changes at a decision value of ${decimal(fairness.threshold)}: ${fairness.threshold_rule}.`);
  }
  const groups = objectAt(fairness, "cv_groups", "groups");
  const tables = isObject(groups)
    ? Object.entries(groups).filter(([, rows]) => isObject(rows) && Object.keys(rows).length > 1).map(([family, rows]) => ({
        caption: `Recall by ${family}, in cross-validation (people the model never saw)`,
        columns: ["Group", "Faces", "Recall"],
        rows: Object.entries(rows).map(([group, row]) => [group, count(objectAt(row, "faces")), share(objectAt(row, "recall"))]),
      }))
    : [];
  const datasets = objectAt(card, "training_data", "datasets") || {};
  for (const [key, figures] of Object.entries(objectAt(card, "metrics", "new") || {})) {
    const degraded = objectAt(figures, "degraded");
    if (!isObject(degraded)) continue;
    tables.push({
      caption: `${shortName(key, datasets[key])} test photos, degraded before detection`,
      columns: ["Photos", "Faces found", "Women's recall", "Men's recall", "Women's drop", "Men's drop"],
      rows: Object.entries(degraded).map(([name, row]) => [
        name, share(objectAt(row, "face_found_rate")), share(objectAt(row, "recall", "female")),
        share(objectAt(row, "recall", "male")), percentagePoints(objectAt(row, "recall_drop", "female")),
        percentagePoints(objectAt(row, "recall_drop", "male")),
      ]),
    });
  }
  return { title: "Who it fails", list: failures, paragraphs, tables };
}

function recipeSection(card) {
  const facts = [];
  const faceSize = objectAt(card, "preprocessing", "face_size");
  if (Number.isFinite(faceSize)) facts.push(["Face crop", `${faceSize} × ${faceSize} px, grayscale`]);
  const crop = objectAt(card, "preprocessing", "crop");
  if (isObject(crop) && typeof crop.align_eyes === "boolean") facts.push(["Eye alignment", crop.align_eyes ? "yes" : "no"]);
  if (isObject(crop) && isText(crop.normalization)) facts.push(["Brightness normalisation", crop.normalization.toUpperCase()]);
  for (const channel of Array.isArray(card.channels) ? card.channels.filter(isObject) : []) {
    const variance = Number.isFinite(channel.explained_variance) ? ` (${share(channel.explained_variance)} of the variance)` : "";
    facts.push([`Features: ${channel.name}`, `${count(channel.n_components)} PCA components${variance}`]);
  }
  const svm = objectAt(card, "svm");
  if (isObject(svm)) {
    facts.push(["Classifier", `SVM, ${String(svm.kernel || "").toUpperCase()} kernel, C ${decimal(svm.C)}, gamma ${decimal(svm.gamma)}, ${count(svm.n_support_vectors)} support vectors`]);
  }
  const calibration = objectAt(card, "calibration", "method");
  if (isText(calibration)) facts.push(["Calibration", calibration]);
  const search = objectAt(card, "grid_search");
  if (isObject(search) && isText(search.cv)) facts.push(["Model selection", [search.cv, search.selection].filter(isText).join("; ")]);
  return facts.length ? { title: "The recipe", folded: true, facts } : null;
}

/**
 * The card as the page shows it: an overview and sections, every value a string.
 * @returns {{overview: Array<[string, string]>, sections: Array<{title: string, folded?: boolean,
 *   paragraphs?: string[], list?: string[], facts?: Array<[string, string]>,
 *   tables?: Array<{caption: string, columns: string[], rows: string[][]}>}>}}
 */
export function describeModelCard(card) {
  if (!isObject(card)) return { overview: [], sections: [] };
  const overview = [
    ["Model", card.name],
    ["Version", card.version],
    ["Labels", Array.isArray(card.classes) ? card.classes.join(", ") : undefined],
    ["Trained", objectAt(card, "training", "date")],
  ].filter(([, value]) => isText(value));
  const text = (title, value) => (isText(value) ? { title, paragraphs: [value] } : null);
  const limits = Array.isArray(card.limitations) ? card.limitations.filter(isText) : [];
  const sections = [
    text("What the label means", card.label_meaning),
    text("Intended use", card.intended_use),
    limits.length ? { title: "Limitations", list: limits } : null,
    trainingSection(card),
    metricsSection(card),
    whoItFailsSection(card),
    recipeSection(card),
  ].filter(Boolean);
  return { overview, sections };
}
