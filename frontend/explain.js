// What the page says about an explanation (the occlusion map of a face): one plain sentence
// from its top regions, and what the map is and is not. Plain functions, no DOM.

import { joinNames } from "./model-card.js";

const REGION_WORDS = {
  forehead: "the forehead",
  eyes: "the eyes and brows",
  nose: "the nose and cheeks",
  mouth: "the mouth",
  jaw: "the jaw and chin",
  "hair/edges": "the hair and the edges of the picture",
};

const KNOWN_PUSHES = new Set(["female", "male"]);

/** The regions of a reply's explanation that the page knows how to name, largest first. */
export function regionsOf(explanation) {
  const list = explanation && Array.isArray(explanation.top_regions) ? explanation.top_regions : [];
  return list.filter(
    (r) => r && REGION_WORDS[r.region] && KNOWN_PUSHES.has(r.push) && Number.isFinite(r.weight) && r.weight > 0,
  );
}

/** "the eyes and brows (toward female, 31%)" */
function regionPhrase({ region, push, weight }) {
  return `${REGION_WORDS[region]} (toward ${push}, ${Math.round(weight * 100)}%)`;
}

/**
 * One plain sentence about what moved the model's answer, and the caveat that goes with it.
 * @returns {{sentence: string, caveat: string}}
 */
export function describeExplanation(explanation) {
  const regions = regionsOf(explanation);
  const sentence = regions.length
    ? `Hiding parts of the picture moved the model's answer most at ${joinNames(regions.map(regionPhrase))}.`
    : "Hiding any one part of the picture barely moved the model's answer.";
  return {
    sentence,
    caveat:
      "The map shows what the model looks at in this picture when it guesses apparent, binary " +
      "gender presentation. It is not evidence about the person.",
  };
}
