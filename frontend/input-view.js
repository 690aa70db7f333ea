// The ways a photo comes in: the file picker, a drop anywhere on the page, a paste.
// Each reports (file or null, source); the camera has its own view.

export class InputView {
  constructor(doc) {
    this.doc = doc;
    this.fileInput = doc.getElementById("file-input");
    this.chooseFile = doc.getElementById("choose-file");
  }

  /** The file picker's accepted types (a comma-separated list of media types). */
  setAccept(accept) {
    this.fileInput.accept = accept;
  }

  bindFileChosen(handler) {
    this.chooseFile.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files && this.fileInput.files[0];
      this.fileInput.value = ""; // the same file can be chosen again
      if (file) handler(file, "file");
    });
  }

  /** Drops anywhere on the page count, so a near miss never navigates away to the file. */
  bindDrop(handler) {
    const body = this.doc.body;
    let depth = 0;
    const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
    this.doc.addEventListener("dragenter", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth += 1;
      body.classList.add("is-dragging");
    });
    this.doc.addEventListener("dragover", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    this.doc.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) body.classList.remove("is-dragging");
    });
    this.doc.addEventListener("drop", (event) => {
      event.preventDefault();
      depth = 0;
      body.classList.remove("is-dragging");
      const files = event.dataTransfer ? [...event.dataTransfer.files] : [];
      handler(files[0] || null, "drop");
    });
  }

  bindPaste(handler) {
    this.doc.addEventListener("paste", (event) => {
      const data = event.clipboardData;
      if (!data) return;
      let file = data.files && data.files[0];
      if (!file) {
        const item = [...(data.items || [])].find((it) => it.kind === "file");
        file = item ? item.getAsFile() : null;
      }
      if (file) {
        event.preventDefault();
        handler(file, "paste");
      } else if (!event.target.closest || !event.target.closest("input, textarea, [contenteditable]")) {
        handler(null, "paste");
      }
    });
  }
}
