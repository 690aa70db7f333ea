// The "How it works" view's live parts: the model's pictures and its card. model-card.js
// decides what the card says; this module only builds the elements, all text as text.

import { h } from "./dom.js";

function table({ caption, columns, rows }) {
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, rows.map(([head, ...cells]) => h("tr", {}, h("th", { scope: "row", text: head }), cells.map((c) => h("td", { text: c }))))),
    ),
  );
}

const facts = (pairs, extraClass = "") =>
  h("dl", { class: `kv ${extraClass}`.trim() }, pairs.map(([term, value]) => [h("dt", { text: term }), h("dd", { text: value })]));

function section({ title, folded, paragraphs = [], list = [], facts: pairs = [], tables = [] }) {
  const body = [
    ...paragraphs.map((text) => h("p", { class: "text", text })),
    list.length ? h("ul", { class: "plain-list" }, list.map((text) => h("li", { text }))) : null,
    pairs.length ? facts(pairs) : null,
    ...tables.map(table),
  ];
  return folded
    ? h("details", { class: "card-section" }, h("summary", {}, h("h3", { text: title })), body)
    : h("section", { class: "card-section" }, h("h3", { text: title }), body);
}

export class ModelView {
  constructor(doc) {
    this.card = doc.getElementById("model-card");
    this.gallery = doc.getElementById("gallery");
  }

  /** @param {{overview, sections}} described from model-card.describeModelCard */
  showCard({ overview, sections }) {
    this.card.setAttribute("aria-busy", "false");
    this.card.replaceChildren(overview.length ? facts(overview, "overview") : "", ...sections.map(section));
  }

  showCardError(text) {
    this.card.setAttribute("aria-busy", "false");
    this.card.replaceChildren(h("p", { class: "alert-inline", text }));
  }

  /** @param {Array<{src: string, caption: string, alt: string, wide?: boolean}>} items */
  showPictures(items) {
    const figures = items.map(({ src, caption, alt, wide }) => {
      const img = h("img", { src, alt, width: 100, height: 100, decoding: "async" });
      const fig = h("figure", { class: wide ? "gallery-item mean" : "gallery-item" }, img, h("figcaption", { text: caption }));
      img.addEventListener("error", () => {
        if (wide) fig.replaceChildren(h("p", { class: "muted", text: "The mean face could not be loaded." }));
        else fig.remove();
      });
      return fig;
    });
    this.gallery.replaceChildren(...figures);
  }
}
