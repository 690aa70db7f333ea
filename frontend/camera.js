// The webcam stream: ask for it, stop it, and name what went wrong. Showing it is camera-view.js's job.

export class CameraError extends Error {
  constructor(code, message, { cause } = {}) {
    super(message, { cause });
    this.name = "CameraError";
    this.code = code;
  }
}

// getUserMedia's DOMException names (current and legacy Chrome ones) -> our codes.
const CODE_BY_NAME = {
  NotAllowedError: "camera_denied",
  PermissionDeniedError: "camera_denied",
  SecurityError: "camera_denied",
  NotFoundError: "camera_missing",
  DevicesNotFoundError: "camera_missing",
  OverconstrainedError: "camera_missing",
  NotReadableError: "camera_busy",
  TrackStartError: "camera_busy",
  AbortError: "camera_busy",
};

export function createCamera({ mediaDevices = globalThis.navigator?.mediaDevices, secure = globalThis.isSecureContext } = {}) {
  let stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
  }

  return {
    get active() {
      return stream !== null;
    },

    /** Start the camera (front-facing where there is a choice); resolves to the MediaStream. */
    async start({ onEnded } = {}) {
      if (stream) return stream;
      if (!secure) throw new CameraError("camera_insecure", "Camera access needs HTTPS.");
      if (!mediaDevices || typeof mediaDevices.getUserMedia !== "function") {
        throw new CameraError("camera_unsupported", "This browser has no camera API.");
      }
      try {
        stream = await mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
        });
      } catch (err) {
        const code = CODE_BY_NAME[err && err.name] || "camera_failed";
        throw new CameraError(code, (err && err.message) || String(err), { cause: err });
      }
      const started = stream;
      started.getVideoTracks().forEach((track) =>
        track.addEventListener("ended", () => {
          if (stream === started) {
            stop();
            if (onEnded) onEnded();
          }
        }),
      );
      return stream;
    },

    stop,
  };
}
