// Every error code the page can meet, as a sentence a person can act on.
// API codes come from the server's {"error": {"code"}} envelope; file_* from photo.js;
// camera_* from camera.js; the rest from api.js when no envelope arrived.

const FORMATS = "Please use a JPEG, PNG, WebP or BMP photo.";

export const MESSAGES = {
  // API error codes
  invalid_input: "The server could not understand the request. Please choose the photo again.",
  invalid_base64: "The photo was garbled on its way to the server. Please try again.",
  empty_image: "That photo is empty (0 bytes). Please choose another one.",
  payload_too_large: "That photo is too large to send. Please try a smaller photo.", // the limit: the server's detail line
  image_too_large: "That photo has too many pixels for the server. Please try a smaller photo.",
  unsupported_media_type: `That image format is not supported. ${FORMATS}`,
  not_an_image: `That file is not a photo the server can read. ${FORMATS}`,
  corrupt_image: "That photo seems damaged or incomplete, so it could not be read. Try saving it again, or pick another.",
  validation_error: "The server rejected the request's format. Reload the page and try again.",
  not_found: "The face service was not found at its configured address. The site may be misconfigured.",
  service_missing: "This page's address does not answer as the face service, so nothing could be analysed. The page must be served by the same server as its API (make run does that).",
  method_not_allowed: "The server refused this kind of request. Reload the page; it may be out of date.",
  rate_limited: "The service is busy right now. Please wait a few seconds and try again.",
  server_error: "Something went wrong on the server. Please try again in a moment.",
  http_error: "The server answered with an unexpected error. Please try again.",
  bad_response: "The server's answer could not be read. Please try again in a moment.",
  network_error: "Could not reach the server. Check your internet connection and try again.",
  timeout: "The server took too long to answer. Please try again, perhaps with a smaller photo.",

  // Files refused in the browser, before any upload
  file_empty: "That file is empty (0 bytes). Please choose another photo.",
  file_text: `That file contains text, not a picture, whatever its name says. ${FORMATS}`,
  file_heic: "HEIC photos (the iPhone default) cannot be opened here. Export the photo as JPEG, or on the iPhone choose Settings > Camera > Formats > Most Compatible.",
  file_pdf: `That is a PDF document, not a photo. ${FORMATS}`,
  file_tiff: `TIFF images are not supported. ${FORMATS}`,
  file_svg: `That is an SVG drawing, not a photo. ${FORMATS}`,
  file_video: `That looks like a video, not a photo. Take a still picture instead. ${FORMATS}`,
  file_zip: `That is an archive or office document, not a photo. ${FORMATS}`,
  file_unknown: `That file is not an image format we know. ${FORMATS}`,
  file_undecodable: "Your browser could not open that image; it may be damaged. Please try another photo.",
  file_too_big: "That photo is too large even after shrinking it. Please try a smaller photo.",
  no_file: "That did not contain an image file. Drop or paste the photo file itself.",

  // Camera
  camera_denied: "Camera access was denied. Allow the camera for this site in your browser's settings (often the icon in the address bar), then press Use camera again.",
  camera_missing: "No camera was found. Connect a camera, or choose a photo file instead.",
  camera_busy: "The camera could not be started; another app may be using it. Close that app and try again.",
  camera_insecure: "The camera only works on a secure (https) page. Open the site over https, or choose a photo file instead.",
  camera_unsupported: "This browser cannot use a camera here. Choose a photo file instead.",
  camera_failed: "The camera could not be started. Try again, or choose a photo file instead.",
  camera_not_ready: "The camera is still starting. Wait a moment, then press Capture again.",
};

const TITLES = {
  file: "This file cannot be used",
  camera: "Camera problem",
  api: "Could not analyse the photo",
};

/**
 * A person-facing description of any error the page can catch.
 * @returns {{code: string, title: string, text: string, detail: string}}
 */
export function describeError(error) {
  const code = (error && typeof error.code === "string" && error.code) || "unexpected";
  const group = code.startsWith("file_") || code === "no_file" ? "file" : code.startsWith("camera_") ? "camera" : "api";
  const text =
    MESSAGES[code] ||
    (error && error.name === "ApiError" && error.status > 0 && error.message
      ? `The server said: ${error.message}`
      : "Something unexpected went wrong. Please try again.");
  // The server's own sentence is kept as a detail line; it often says exactly what to fix.
  const fromServer = error && error.name === "ApiError" && error.status > 0;
  const detail = fromServer && MESSAGES[code] && error.message ? error.message : "";
  return { code, title: TITLES[group], text, detail };
}
