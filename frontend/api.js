// The facegender HTTP API, and nothing else: URLs, JSON bodies and the error envelope.
// Every failure becomes an ApiError with a stable `code`; a caller's abort passes through.

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

function codeForStatus(status) {
  if (CODE_BY_STATUS[status]) return CODE_BY_STATUS[status];
  if (status >= 500) return "server_error";
  return "http_error";
}

function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export function createApi({ baseUrl = "", timeoutMs = 30000, fetchImpl } = {}) {
  const base = String(baseUrl || "").trim().replace(/\/+$/, "");
  const doFetch = fetchImpl || ((...args) => globalThis.fetch(...args));
  const url = (path) => `${base}${path}`;

  async function request(path, init = {}, { signal } = {}) {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(signal.reason);
    if (signal) {
      if (signal.aborted) forwardAbort();
      else signal.addEventListener("abort", forwardAbort, { once: true });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);

    let response;
    let text;
    try {
      response = await doFetch(url(path), { ...init, signal: controller.signal });
      text = await response.text();
    } catch (err) {
      if (timedOut) {
        throw new ApiError("timeout", `The server did not answer within ${timeoutMs / 1000} seconds.`);
      }
      if (signal && signal.aborted) throw err;
      throw new ApiError("network_error", "The server could not be reached.", { cause: err });
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", forwardAbort);
    }

    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const envelope = body && typeof body === "object" ? body.error : null;
      const code =
        envelope && typeof envelope.code === "string" ? envelope.code : codeForStatus(response.status);
      let message = `HTTP ${response.status}`;
      if (envelope && typeof envelope.message === "string") message = envelope.message;
      else if (body && typeof body.message === "string") message = body.message;
      throw new ApiError(code, message, { status: response.status });
    }
    if (body === null || typeof body !== "object") {
      throw new ApiError("bad_response", "The server's answer was not JSON.", { status: response.status });
    }
    return body;
  }

  return {
    /** POST /v1/predict with the image as a data URL; resolves to the reply object. */
    async predict(blob, { signal, maxFaces = 20, includeCrops = true } = {}) {
      const image = await blobToDataUrl(blob);
      const reply = await request(
        "/v1/predict",
        {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ image, include_crops: includeCrops, max_faces: maxFaces }),
        },
        { signal },
      );
      if (!Array.isArray(reply.faces)) {
        throw new ApiError("bad_response", "The reply has no list of faces.", { status: 200 });
      }
      return reply;
    },

    /** GET /v1/model: the model card, whatever keys it holds. */
    modelCard({ signal } = {}) {
      return request("/v1/model", { headers: { Accept: "application/json" } }, { signal });
    },

    meanFaceUrl() {
      return url("/v1/model/mean-face.png");
    },

    eigenfaceUrl(index) {
      return url(`/v1/model/eigenfaces/${encodeURIComponent(index)}.png`);
    },
  };
}
