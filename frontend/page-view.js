// The page around the photo: which view shows, the status line, errors, the results area and
// the notes. Strings from the server go in through textContent.

const VIEWS = { classify: "view-classify", "how-it-works": "view-how-it-works" };

export class PageView {
  constructor(doc) {
    this.doc = doc;
    const $ = (id) => doc.getElementById(id);
    this.el = {
      navLinks: [...doc.querySelectorAll(".views-nav a[data-view]")],
      status: $("status"),
      statusText: $("status-text"),
      error: $("error"),
      errorTitle: $("error-title"),
      errorText: $("error-text"),
      errorDetail: $("error-detail"),
      results: $("results"),
      photo: doc.querySelector(".photo"),
      caption: $("photo-caption"),
      summary: $("summary"),
      summaryCount: $("summary-count"),
      summaryTime: $("summary-time"),
      noFace: $("no-face"),
      modelVersion: $("model-version"),
    };
  }

  // ------------------------------------------------------------------ views

  /** Show one view; the navigation link to it is marked current. Returns the view's name. */
  showView(name) {
    const view = VIEWS[name] ? name : "classify";
    const fromNav = this.el.navLinks.includes(this.doc.activeElement);
    for (const link of this.el.navLinks) {
      if (link.dataset.view === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    for (const [key, id] of Object.entries(VIEWS)) this.doc.getElementById(id).hidden = key !== view;
    this.doc.documentElement.dataset.view = view;
    // Following a link moves the reading position to what it opened, as a new page would.
    if (fromNav) this.doc.querySelector(`#${VIEWS[view]} h1`).focus();
    return view;
  }

  // ------------------------------------------------------------------ status and errors

  setBusy(message) {
    this.el.status.classList.add("is-busy");
    this.el.status.classList.remove("is-quiet");
    this.el.statusText.textContent = message;
    this.el.results.dataset.state = "pending";
    this.el.results.setAttribute("aria-busy", "true");
    this.el.photo.classList.add("is-busy");
  }

  /** @param {boolean} quiet announce to screen readers only (the page already shows it) */
  setStatus(message, { quiet = false } = {}) {
    this.el.status.classList.remove("is-busy");
    this.el.status.classList.toggle("is-quiet", quiet || !message);
    this.el.statusText.textContent = message;
    this.el.results.setAttribute("aria-busy", "false");
    this.el.photo.classList.remove("is-busy");
  }

  showError({ title, text, detail }) {
    this.setStatus("");
    this.el.errorTitle.textContent = title;
    this.el.errorText.textContent = text;
    this.el.errorDetail.textContent = detail ? `Server message: ${detail}` : "";
    this.el.errorDetail.hidden = !detail;
    this.el.error.hidden = false;
  }

  clearError() {
    this.el.error.hidden = true;
    this.el.errorTitle.textContent = "";
    this.el.errorText.textContent = "";
    this.el.errorDetail.textContent = "";
  }

  // ------------------------------------------------------------------ results area

  clearResults() {
    this.el.results.hidden = true;
    this.el.summary.hidden = true;
    this.el.noFace.hidden = true;
    this.el.caption.textContent = "";
    this.el.results.dataset.state = "empty";
  }

  /** Open the results area for a new photo, scrolled into view when it starts low. */
  openResults(caption) {
    this.clearResults();
    this.el.results.hidden = false;
    this.el.results.dataset.state = "pending";
    this.doc.body.classList.add("has-photo");
    this.el.caption.textContent = caption;
    const top = this.el.results.getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6) {
      const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      this.el.results.scrollIntoView({ block: "start", behavior: smooth ? "smooth" : "auto" });
    }
  }

  /** @param {{summary: string, status: string}} sentences from results.describeFaces */
  showSummary(count, sentences, timings) {
    this.el.results.dataset.state = count ? "faces" : "no-face";
    this.el.noFace.hidden = count > 0;
    this.el.summary.hidden = false;
    // With no face, the no-face card says so; the summary only keeps the timings.
    this.el.summaryCount.hidden = count === 0;
    this.el.summaryCount.textContent = sentences.summary;
    this.el.summaryTime.textContent = timings;
    this.setStatus(sentences.status, { quiet: true });
  }

  // ------------------------------------------------------------------ notes

  setModelVersion(version) {
    this.el.modelVersion.textContent = version ? `Model ${version}.` : "";
  }

  /** Name the groups the model fails most, in the model card's words. */
  setWeakestGroups(names) {
    if (!names) return;
    for (const slot of this.doc.querySelectorAll("[data-slot=weakest-groups]")) slot.textContent = names;
  }

  /**
   * The label colours, from GET /v1/limits (the server draws its explanation maps in them):
   * set as --label-female and --label-male, which the stylesheet's --female and --male read.
   * @param {{female?: string, male?: string}} colours "#rrggbb" each
   */
  setLabelColours(colours) {
    for (const [label, colour] of Object.entries(colours || {})) {
      if (/^[a-z]+$/.test(label) && /^#[0-9a-f]{6}$/i.test(colour)) {
        this.doc.documentElement.style.setProperty(`--label-${label}`, colour);
      }
    }
  }

  /** Name the training datasets in every note, in the model card's words. */
  setTrainingData(names) {
    if (!names) return;
    for (const slot of this.doc.querySelectorAll("[data-slot=training-datasets]")) slot.textContent = names;
  }
}
