// The facegender HTTP API, and nothing else: paths on the page's own origin, request bodies and
// the error envelope. Every failure becomes an ApiError with a stable `code`; a caller's abort
// passes through as it is.

export class ApiError extends Error {
  constructor(code, message, { status = 0, cause } = {}) {
    super(message, { cause });
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

// Codes for replies that carry no error envelope (API Gateway, proxies, plain FastAPI).
const CODE_BY_STATUS = {
  400: "invalid_input",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "validation_error",
  429: "rate_limited",
};

// Statuses with which a server that is not this API at all answers an API path: a static file
// server (404, 405, 501) or a CDN that routes /v1/ nowhere (403). The API itself always answers
// these with JSON, so a reply without JSON means the page is being served without its API.
const NOT_THIS_API = new Set([403, 404, 405, 501]);

function codeFor(status, body) {
  const envelope = body && typeof body === "object" ? body.error : null;
  if (envelope && typeof envelope.code === "string") return envelope.code;
  if (body === null && NOT_THIS_API.has(status)) return "service_missing";
  if (CODE_BY_STATUS[status]) return CODE_BY_STATUS[status];
  return status >= 500 ? "server_error" : "http_error";
}

function messageOf(status, body) {
  if (body && body.error && typeof body.error.message === "string") return body.error.message;
  if (body && typeof body.message === "string") return body.message;
  return `HTTP ${status}`;
}

function parseJson(text) {
  try {
    const body = text ? JSON.parse(text) : null;
    return body && typeof body === "object" ? body : null;
  } catch {
    return null;
  }
}

export function createApi({ timeoutMs = 30000, fetchImpl } = {}) {
  const doFetch = fetchImpl || ((...args) => globalThis.fetch(...args));

  async function request(path, init, { signal, binary = false } = {}) {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response;
    let text;
    let bytes;
    try {
      response = await doFetch(path, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      if (binary && response.ok) bytes = await response.arrayBuffer();
      else text = await response.text();
    } catch (err) {
      if (signal && signal.aborted) throw err;
      if (timeout.aborted) {
        throw new ApiError("timeout", `The server did not answer within ${timeoutMs / 1000} seconds.`);
      }
      throw new ApiError("network_error", "The server could not be reached.", { cause: err });
    }

    if (bytes) return bytes;
    const body = parseJson(text);
    if (!response.ok) {
      throw new ApiError(codeFor(response.status, body), messageOf(response.status, body), { status: response.status });
    }
    if (body === null) {
      throw new ApiError("bad_response", "The server's answer was not JSON.", { status: response.status });
    }
    return body;
  }

  return {
    /**
     * POST /v1/predict with the photo itself as the body (no base64, no JSON around it) and
     * the options in the query string; resolves to the reply object.
     * Explanations are asked for face by face (explain), never here.
     * @param {Blob} blob the photo as photo.js prepared it
     * @param {{type?: string, signal?: AbortSignal, maxFaces?: number, includeCrops?: boolean}} options
     *   type: the photo's media type (image/jpeg, image/png, image/webp or image/bmp);
     *   maxFaces: without it, the API's default (limits().max_faces.default)
     */
    async predict(blob, { type, signal, maxFaces, includeCrops = true } = {}) {
      const query = new URLSearchParams({ include_crops: String(includeCrops) });
      if (maxFaces !== undefined) query.set("max_faces", String(maxFaces));
      const reply = await request(
        `/v1/predict?${query}`,
        {
          method: "POST",
          headers: { "Content-Type": type || blob.type || "application/octet-stream", Accept: "application/json" },
          body: blob,
        },
        { signal },
      );
      if (!Array.isArray(reply.faces)) {
        throw new ApiError("bad_response", "The reply has no list of faces.", { status: 200 });
      }
      return reply;
    },

    /**
     * POST /v1/model/explain: the occlusion map of one face, asked for when someone opens
     * "Why?" (a map costs the server about 0.2 s a face, so predict does not ask for it).
     * Resolves to the reply: {explanation, gender, confidence, probabilities, model}.
     * @param {string} cropPng the face's crop_png from predict
     */
    async explain(cropPng, { signal } = {}) {
      const reply = await request(
        "/v1/model/explain",
        { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify({ crop_png: cropPng }) },
        { signal },
      );
      if (!reply.explanation || typeof reply.explanation !== "object") {
        throw new ApiError("bad_response", "The reply has no explanation.", { status: 200 });
      }
      return reply;
    },

    /** GET /v1/model: the model card. */
    modelCard({ signal } = {}) {
      return request("/v1/model", { headers: { Accept: "application/json" } }, { signal });
    },

    /**
     * GET /v1/limits: the API's limits and the values the page shows, each defined once on the
     * server: max_faces {default, minimum, maximum}, max_image_bytes, max_pixels,
     * upload_max_side, eigenfaces_shown, max_explained_faces, label_colours {female, male}.
     */
    limits({ signal } = {}) {
      return request("/v1/limits", { headers: { Accept: "application/json" } }, { signal });
    },

    /** GET /v1/formats: the image formats the API decodes as they are. */
    formats({ signal } = {}) {
      return request("/v1/formats", { headers: { Accept: "application/json" } }, { signal });
    },

    /** GET /v1/model/eigenfaces.bin: resolves to its bytes (an ArrayBuffer). */
    eigenfaces({ signal } = {}) {
      return request("/v1/model/eigenfaces.bin", { headers: { Accept: "application/octet-stream" } }, { signal, binary: true });
    },

    /**
     * POST /v1/model/decide: the calibrated probabilities of a face with edited eigenface
     * weights. The face is its crop_png from predict (the server keeps nothing between
     * requests); without one, the mean face.
     * @param {{cropPng?: string|null, weights: number[]}} face
     */
    decide({ cropPng = null, weights }, { signal } = {}) {
      const body = { eigenface_weights: weights };
      if (cropPng) body.crop_png = cropPng;
      return request(
        "/v1/model/decide",
        { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) },
        { signal },
      );
    },

    meanFaceUrl() {
      return "/v1/model/mean-face.png";
    },

    eigenfaceUrl(index) {
      return `/v1/model/eigenfaces/${encodeURIComponent(index)}.png`;
    },
  };
}
