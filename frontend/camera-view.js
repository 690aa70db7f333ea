// The camera's part of the page: the live preview, its buttons, and the captured frame.
// camera.js asks for the stream; photo.js encodes the frame, as it encodes every photo.

import { encodeJpeg } from "./photo.js";

export class CameraView {
  constructor(doc) {
    this.doc = doc;
    this.panel = doc.getElementById("camera");
    this.video = doc.getElementById("camera-video");
    this.startButton = doc.getElementById("camera-start");
    this.captureButton = doc.getElementById("camera-capture");
    this.stopButton = doc.getElementById("camera-stop");
  }

  bind({ start, capture, stop }) {
    this.startButton.addEventListener("click", start);
    this.captureButton.addEventListener("click", capture);
    this.stopButton.addEventListener("click", stop);
  }

  show(stream) {
    this.video.srcObject = stream;
    this.panel.hidden = false;
    this.startButton.disabled = true;
    this.startButton.setAttribute("aria-pressed", "true");
    const playing = this.video.play();
    if (playing && playing.catch) playing.catch(() => {});
    this.captureButton.focus();
  }

  hide() {
    const returnFocus = this.panel.contains(this.doc.activeElement);
    this.video.srcObject = null;
    this.panel.hidden = true;
    this.startButton.disabled = false;
    this.startButton.setAttribute("aria-pressed", "false");
    if (returnFocus) this.startButton.focus();
  }

  /** The current frame as a JPEG Blob, or null before the first frame arrives. */
  async captureFrame() {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!width || !height) return null;
    return (await encodeJpeg(this.video, width, height)).blob;
  }
}
