// The model card as the page tells it, from the card the server really serves.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { datasetNames, describeModelCard, eigenfaceCount, joinNames, share, weakestGroupNames } from "../../frontend/model-card.js";

const CARD = JSON.parse(readFileSync(new URL("../../function/model/model.json", import.meta.url), "utf8"));

const section = (described, title) => described.sections.find((s) => s.title === title);

test("the training datasets are named from the card", () => {
  const names = datasetNames(CARD);
  assert.equal(names.length, Object.keys(CARD.training_data.datasets).length);
  for (const [i, description] of Object.values(CARD.training_data.datasets).entries()) {
    assert.ok(description.startsWith(names[i]), `${names[i]} is not the start of ${description}`);
    assert.doesNotMatch(names[i], /[(;,]/);
  }
  assert.equal(joinNames(["CelebA", "UTKFace"]), "CelebA and UTKFace");
  assert.equal(joinNames(["A", "B", "C"]), "A, B and C");
});

test("the card's own words are shown as they are: label meaning, intended use, limitations", () => {
  const described = describeModelCard(CARD);
  assert.deepEqual(section(described, "What the label means").paragraphs, [CARD.label_meaning]);
  assert.deepEqual(section(described, "Intended use").paragraphs, [CARD.intended_use]);
  assert.deepEqual(section(described, "Limitations").list, CARD.limitations);
  assert.ok(described.overview.some(([term, value]) => term === "Version" && value === CARD.version));
});

test("the training section says which datasets, in the same words as the page's note", () => {
  const training = section(describeModelCard(CARD), "Training data");
  assert.match(training.paragraphs[0], new RegExp(joinNames(datasetNames(CARD))));
  const [table] = training.tables;
  assert.deepEqual(table.columns, ["Dataset", ...CARD.classes]);
  assert.equal(table.rows.length, Object.keys(CARD.training_data.datasets).length);
});

test("the training section names the noisy or blurred copies the model trained on, if any", () => {
  const { copies, what } = CARD.training_data.training_copies;
  const training = section(describeModelCard(CARD), "Training data");
  const expected = `Also trained on ${copies.toLocaleString("en")} copies: ${what}.`;
  assert.equal(training.paragraphs[1], expected);
  const without = structuredClone(CARD);
  without.training_data.training_copies = null;
  assert.equal(section(describeModelCard(without), "Training data").paragraphs.length, 1);
});

test("every test set's accuracy appears, as a percentage", () => {
  const metrics = section(describeModelCard(CARD), "How well it does");
  const [overall] = metrics.tables;
  const accuracy = overall.columns.indexOf("Accuracy");
  for (const [key, figures] of Object.entries(CARD.metrics.new)) {
    const name = datasetNames(CARD)[Object.keys(CARD.training_data.datasets).indexOf(key)] || key;
    const row = overall.rows.find((r) => r[0] === name);
    assert.ok(row, `no row for ${key}`);
    assert.equal(row[accuracy], share(figures.accuracy_end_to_end));
  }
  assert.ok(metrics.tables.length > 1, "groups (race, age, source) get tables of their own");
});

test("a card with few fields shows those and nothing made up", () => {
  const described = describeModelCard({ version: "v1", surprise: { secret: "not shown" } });
  assert.deepEqual(described.overview, [["Version", "v1"]]);
  assert.deepEqual(described.sections, []);
  assert.doesNotMatch(JSON.stringify(described), /not shown/);
  assert.deepEqual(describeModelCard(null), { overview: [], sections: [] });
});

test("every value is a string, ready for textContent", () => {
  const strings = (value) =>
    Array.isArray(value) ? value.every(strings) : value && typeof value === "object" ? Object.values(value).every(strings) : typeof value === "string" || typeof value === "boolean";
  assert.ok(strings(describeModelCard(CARD)));
});

test("the eigenface count comes from the pixel channel", () => {
  const pixels = CARD.channels.find((c) => c.name === "pixels");
  assert.equal(eigenfaceCount(CARD), pixels ? pixels.n_components : undefined);
  assert.equal(eigenfaceCount({}), undefined);
});

test("who it fails: the card's sentences, its group recalls and the stress test, as measured", () => {
  const fails = section(describeModelCard(CARD), "Who it fails");
  assert.deepEqual(fails.list, CARD.known_failures);
  assert.ok(fails.list.length >= 2);
  assert.match(fails.paragraphs[0], /equal/);
  const race = fails.tables.find((t) => /race x gender/.test(t.caption));
  const black = race.rows.find((r) => r[0] === "Black female");
  assert.equal(black[2], share(CARD.fairness.cv_groups.groups["race x gender"]["Black female"].recall));
  for (const key of Object.keys(CARD.metrics.new)) {
    const stress = fails.tables.find((t) => t.caption.includes("degraded") && t.caption.startsWith(datasetNames(CARD)[Object.keys(CARD.training_data.datasets).indexOf(key)]));
    assert.ok(stress, `no stress table for ${key}`);
    assert.deepEqual(stress.rows.map((r) => r[0]), Object.keys(CARD.metrics.new[key].degraded));
  }
  const names = weakestGroupNames(CARD);
  for (const group of CARD.fairness.weakest_groups) assert.ok(names.includes(group.words));
  assert.equal(weakestGroupNames({}), "");
});
