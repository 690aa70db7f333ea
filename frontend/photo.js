// Turns whatever the person gave us (file, drop, paste, camera frame) into an upload the API
// accepts: recognise the format from its first bytes, decode it upright, and shrink it on a
// canvas when it is too big (the sizes are the API's, from GET /v1/limits). Nothing here touches
// the page.

const JPEG_QUALITY = 0.9;

/** A file we will not send, with a stable `code` for messages.js. */
export class PhotoError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PhotoError";
    this.code = code;
  }
}

// What the browser can decode (and so convert to JPEG, which the API always takes).
const BROWSER_FORMATS = new Set(["jpeg", "png", "webp", "bmp", "gif", "avif"]);
// What the API decodes as it is (GET /v1/formats, given to useServerFormats); until then,
// and if it never answers, everything is converted to JPEG.
let serverFormats = new Set(["jpeg"]);

/**
 * Take the API's list of formats: files in those are uploaded as they are, others are
 * converted to JPEG first.
 * @param {{formats: {name: string, media_types: string[]}[]}} reply GET /v1/formats
 * @returns {string} the file picker's `accept` value, offering those formats first
 */
export function useServerFormats(reply) {
  const formats = Array.isArray(reply && reply.formats) ? reply.formats : [];
  serverFormats = new Set(["jpeg", ...formats.map((f) => f.name)]);
  return [...formats.flatMap((f) => f.media_types), "image/gif", "image/avif", "image/*"].join(",");
}

const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]);

function ascii(bytes, from, to) {
  let out = "";
  for (let i = from; i < Math.min(to, bytes.length); i += 1) out += String.fromCharCode(bytes[i]);
  return out;
}

function looksLikeText(bytes) {
  if (bytes.length === 0) return false;
  for (const b of bytes) {
    // NUL and the control characters that never occur in text files.
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  }
  // Cut a multi-byte character that the sample may have split, then insist on valid UTF-8.
  let end = bytes.length;
  while (end > 0 && end > bytes.length - 4 && (bytes[end - 1] & 0xc0) === 0x80) end -= 1;
  if (end > 0 && bytes[end - 1] >= 0xc0) end -= 1;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * The format of a file from its magic bytes (never from its name or MIME type).
 * @param {Uint8Array} bytes the first few hundred bytes
 * @returns {string} jpeg, png, webp, bmp, gif, avif, heic, pdf, tiff, svg, video, zip, text or unknown
 */
export function sniffFormat(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (ascii(bytes, 0, 8) === "\x89PNG\r\n\x1a\n") return "png";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  if (ascii(bytes, 0, 2) === "BM" && bytes.length > 14 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0 && bytes[9] === 0) {
    return "bmp";
  }
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return "gif";
  if (ascii(bytes, 4, 8) === "ftyp") {
    const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    const brands = [ascii(bytes, 8, 12)];
    for (let i = 16; i + 4 <= Math.min(boxSize, bytes.length); i += 4) brands.push(ascii(bytes, i, i + 4));
    if (brands.includes("avif") || brands.includes("avis")) return "avif";
    if (brands.some((b) => HEIF_BRANDS.has(b))) return "heic";
    return "video";
  }
  if (ascii(bytes, 0, 4) === "%PDF") return "pdf";
  if (ascii(bytes, 0, 4) === "II*\x00" || ascii(bytes, 0, 4) === "MM\x00*") return "tiff";
  if (ascii(bytes, 0, 4) === "PK\x03\x04") return "zip";
  if (looksLikeText(bytes)) {
    const text = new TextDecoder().decode(bytes);
    return /<svg[\s>]/i.test(text) ? "svg" : "text";
  }
  return "unknown";
}

async function readHead(blob, length = 512) {
  return new Uint8Array(await blob.slice(0, length).arrayBuffer());
}

/** Decode upright (EXIF orientation applied), as the server will see it. */
async function decode(blob) {
  if (typeof createImageBitmap === "function") {
    try {
      const bitmap = await createImageBitmap(blob, { imageOrientation: "from-image" });
      return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
    } catch {
      // Fall through: some browsers reject the options object; <img> decodes upright too.
    }
  }
  const objectUrl = URL.createObjectURL(blob);
  try {
    const img = new Image();
    img.src = objectUrl;
    await img.decode();
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => {} };
  } catch {
    throw new PhotoError("file_undecodable", "The browser could not decode the image.");
  } finally {
    URL.revokeObjectURL(objectUrl);
  }
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function canvasToJpeg(canvas, quality) {
  if (typeof canvas.convertToBlob === "function") {
    return canvas.convertToBlob({ type: "image/jpeg", quality });
  }
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob failed"))), "image/jpeg", quality);
  });
}

/**
 * Draw `source` (an image, bitmap, canvas or video) at width x height and encode it as JPEG.
 * The one JPEG encoder of the page: shrinking photos and capturing camera frames both use it.
 * @returns {Promise<{blob: Blob, canvas}>} the canvas keeps the drawn pixels, for display
 */
export async function encodeJpeg(source, width, height, quality = JPEG_QUALITY) {
  const canvas = makeCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; // JPEG has no alpha: transparent pixels become white, not black
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, width, height);
  return { blob: await canvasToJpeg(canvas, quality), canvas };
}

/** Re-encode as JPEG, at most maxSide px a side and maxBytes. */
async function shrink(image, { maxSide, maxBytes }) {
  let side = maxSide;
  let quality = JPEG_QUALITY;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const scale = Math.min(1, side / Math.max(image.width, image.height));
    const width = Math.max(1, Math.round(image.width * scale));
    const height = Math.max(1, Math.round(image.height * scale));
    const { blob, canvas } = await encodeJpeg(image.source, width, height, quality);
    if (blob.size <= maxBytes) {
      return { blob, display: { source: canvas, width, height, close: () => {} } };
    }
    if (quality > 0.75) quality -= 0.1;
    else side = Math.round(side * 0.8);
  }
  throw new PhotoError("file_too_big", "The image stays too large even after resizing.");
}

/**
 * Everything needed to send and show one photo.
 * @param {Blob} blob a File from the picker, drop or paste, or a camera frame
 * @param {{upload_max_side: number, max_image_bytes: number}} limits GET /v1/limits: photos
 *   larger than either are shrunk and re-encoded as JPEG
 * @returns {Promise<{upload: Blob, type: string, display: {source, width, height, close},
 *   format: string, resized: boolean, original: {width: number, height: number, bytes: number}}>}
 *   type: the upload's media type, from its bytes (a file's own type may not match its content)
 */
export async function preparePhoto(blob, limits) {
  const maxSide = limits.upload_max_side;
  const maxBytes = limits.max_image_bytes;
  if (!blob || blob.size === 0) throw new PhotoError("file_empty", "The file is empty.");
  const format = sniffFormat(await readHead(blob));
  const uploadAsIs = serverFormats.has(format);
  if (!uploadAsIs && !BROWSER_FORMATS.has(format)) {
    // messages.js words each file_* code for the person.
    throw new PhotoError(`file_${format}`, `Refused: ${format}.`);
  }
  const image = await decode(blob);
  if (!image.width || !image.height) {
    image.close();
    throw new PhotoError("file_undecodable", "The image has no pixels.");
  }
  const original = { width: image.width, height: image.height, bytes: blob.size };
  const tooBig = Math.max(image.width, image.height) > maxSide || blob.size > maxBytes;
  if (!tooBig && uploadAsIs) {
    return { upload: blob, type: `image/${format}`, display: image, format, resized: false, original };
  }
  try {
    const { blob: upload, display } = await shrink(image, { maxSide, maxBytes });
    return { upload, type: "image/jpeg", display, format, resized: tooBig, original };
  } finally {
    image.close();
  }
}
