// What the page says about a face's occlusion map.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeExplanation, regionsOf } from "../../frontend/explain.js";

test("the sentence names each top region, the label it pushed toward and its share", () => {
  const { sentence, caveat } = describeExplanation({
    top_regions: [
      { region: "eyes", push: "female", weight: 0.31 },
      { region: "hair/edges", push: "male", weight: 0.2 },
      { region: "jaw", push: "female", weight: 0.104 },
    ],
  });
  assert.equal(
    sentence,
    "Hiding parts of the picture moved the model's answer most at the eyes and brows " +
      "(toward female, 31%), the hair and the edges of the picture (toward male, 20%) and " +
      "the jaw and chin (toward female, 10%).",
  );
  assert.match(caveat, /what the model looks at/);
  assert.match(caveat, /not evidence about the person/);
});

test("regions the page cannot name are left out, and no region is said plainly", () => {
  const odd = { top_regions: [{ region: "<b>soul</b>", push: "female", weight: 0.5 }, { region: "eyes", push: "?", weight: 0.2 },
    { region: "nose", push: "male", weight: Number.NaN }, null] };
  assert.deepEqual(regionsOf(odd), []);
  assert.equal(describeExplanation(odd).sentence, "Hiding any one part of the picture barely moved the model's answer.");
  assert.equal(describeExplanation(undefined).sentence, "Hiding any one part of the picture barely moved the model's answer.");
  assert.match(describeExplanation(null).caveat, /not evidence about the person/);
});
