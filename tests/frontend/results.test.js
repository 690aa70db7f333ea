// The API's reply as the page tells it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeFaces, describeTimings, explanationOf, facesOf, imageSource, percent } from "../../frontend/results.js";

test("percentages never claim certainty the model does not have", () => {
  assert.equal(percent(0.996), "99");
  assert.equal(percent(1), "100");
  assert.equal(percent(0.874), "87");
  assert.equal(percent("nope"), "?");
});

test("faces get numbers, labels, and boxes relative to the photo", () => {
  const reply = {
    image: { width: 200, height: 100 },
    faces: [
      { box: { x: 20, y: 10, width: 40, height: 50 }, gender: "female", confidence: 0.874,
        probabilities: { female: 0.874, male: 0.126 } },
      { box_relative: { left: 0.5, top: 0.2, width: 0.1, height: 0.2 }, gender: "male",
        probabilities: { female: 0.3, male: 0.7 } },
    ],
  };
  const [first, second] = facesOf(reply);
  assert.equal(first.number, 1);
  assert.deepEqual(first.rel, { left: 0.1, top: 0.1, width: 0.2, height: 0.5 });
  assert.equal(first.probabilities, "female 87% · male 13%");
  assert.equal(second.percent, "70", "confidence falls back to the label's probability");
  assert.deepEqual(second.rel, { left: 0.5, top: 0.2, width: 0.1, height: 0.2 });
});

test("only base64 image data becomes an image source", () => {
  assert.equal(imageSource("iVBORw0KGgo="), "data:image/png;base64,iVBORw0KGgo=");
  assert.equal(imageSource("data:image/jpeg;base64,/9j/4A=="), "data:image/jpeg;base64,/9j/4A==");
  assert.equal(imageSource("https://example.org/x.png"), null);
  assert.equal(imageSource("javascript:alert(1)"), null);
  assert.equal(imageSource("data:text/html;base64,PGI+"), null);
  assert.equal(imageSource(undefined), null);
});

test("the sentences about the faces", () => {
  const faces = facesOf({ faces: [{ box_relative: { left: 0, top: 0, width: 1, height: 1 }, gender: "male", confidence: 0.61 }] });
  assert.deepEqual(describeFaces(faces), {
    summary: "1 face found",
    status: "Found 1 face.",
    photo: "The photo with 1 face marked: 1, male 61%.",
  });
  assert.equal(describeFaces([]).photo, "The photo; no face was found.");
  assert.match(describeFaces(faces, { limited: true }).summary, /the most we analyse at once/);
});

test("timings read as one line", () => {
  assert.equal(
    describeTimings({ decode: 2.1, detect: 11.8, total: 14.6 }, 140.2),
    "Server 14.6 ms (decode 2.1 ms · detect 11.8 ms), round trip 140 ms",
  );
  assert.equal(describeTimings(null, NaN), "");
});

test("an explanation from /v1/model/explain is kept only with a map the page may show", () => {
  const regions = [{ region: "eyes", push: "female", weight: 0.31 }];
  assert.deepEqual(explanationOf({ map_png: "iVBORw0KGgo=", method: "Occlusion", top_regions: regions }), {
    map: "data:image/png;base64,iVBORw0KGgo=", method: "Occlusion", top_regions: regions,
  });
  assert.equal(explanationOf({ map_png: "https://evil.example/x.png" }), null);
  assert.equal(explanationOf(null), null);
  assert.deepEqual(explanationOf({ map_png: "iVBORw0KGgo=", method: 3, top_regions: "eyes" }), {
    map: "data:image/png;base64,iVBORw0KGgo=", method: "", top_regions: [],
  });
});
