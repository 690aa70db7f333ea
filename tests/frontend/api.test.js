// The HTTP client against a fake fetch: what it sends, and what each kind of failure becomes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, createApi } from "../../frontend/api.js";

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** A fetch that records its calls and answers with `answer(url, init)`. */
function fakeFetch(answer) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return answer(url, init);
  };
  return { calls, fetchImpl };
}

/** A fetch that never answers, only rejects when its signal aborts (as fetch does). */
const hangingFetch = (url, init) =>
  new Promise((_, reject) => {
    // Node does not wait for AbortSignal.timeout's timer; this one keeps the test alive.
    const alive = setTimeout(() => {}, 10_000);
    init.signal.addEventListener("abort", () => {
      clearTimeout(alive);
      reject(init.signal.reason);
    });
  });

test("predict sends the photo itself as the body, options in the query string", async () => {
  const { calls, fetchImpl } = fakeFetch(() => json(200, { faces: [] }));
  const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], { type: "image/jpeg" });
  await createApi({ fetchImpl }).predict(photo, { type: "image/jpeg", maxFaces: 20, includeCrops: true });

  const [{ url, init }] = calls;
  const sent = new URL(url, "https://site.example");
  assert.equal(sent.origin + sent.pathname, "https://site.example/v1/predict", "a path on the page's own origin");
  assert.equal(sent.searchParams.get("include_crops"), "true");
  assert.equal(sent.searchParams.get("max_faces"), "20");
  assert.equal(init.method, "POST");
  assert.equal(init.headers["Content-Type"], "image/jpeg");
  assert.equal(init.body, photo, "the Blob itself: its bytes, nothing around them");
});

test("the server's error envelope keeps its code and message", async () => {
  const { fetchImpl } = fakeFetch(() => json(422, { error: { code: "corrupt_image", message: "Broken." } }));
  await assert.rejects(createApi({ fetchImpl }).predict(new Blob(["x"])), (error) => {
    assert.ok(error instanceof ApiError);
    return error.code === "corrupt_image" && error.message === "Broken." && error.status === 422;
  });
});

test("a reply from something that is not the API says the service is missing", async () => {
  // What a static file server answers a POST with: no JSON at all.
  const { fetchImpl } = fakeFetch(() => new Response("<h1>Unsupported method</h1>", { status: 501 }));
  await assert.rejects(createApi({ fetchImpl }).predict(new Blob(["x"])), { code: "service_missing" });
  const notFound = fakeFetch(() => new Response("<h1>Not Found</h1>", { status: 404 }));
  await assert.rejects(createApi({ fetchImpl: notFound.fetchImpl }).modelCard(), { code: "service_missing" });
});

test("API Gateway's own replies are mapped by status", async () => {
  const { fetchImpl } = fakeFetch(() => json(413, { message: "Request Entity Too Large" }));
  await assert.rejects(createApi({ fetchImpl }).predict(new Blob(["x"])), { code: "payload_too_large" });
  const busy = fakeFetch(() => json(429, { message: "Too Many Requests" }));
  await assert.rejects(createApi({ fetchImpl: busy.fetchImpl }).predict(new Blob(["x"])), { code: "rate_limited" });
});

test("a server that does not answer in time is a timeout", async () => {
  const api = createApi({ fetchImpl: hangingFetch, timeoutMs: 30 });
  await assert.rejects(api.predict(new Blob(["x"])), { name: "ApiError", code: "timeout" });
});

test("the caller's abort passes through as an AbortError, not an ApiError", async () => {
  const controller = new AbortController();
  const pending = createApi({ fetchImpl: hangingFetch, timeoutMs: 5000 }).predict(new Blob(["x"]), { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, (error) => error.name === "AbortError" && !(error instanceof ApiError));
});

test("an unreachable server is a network error", async () => {
  const fetchImpl = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(createApi({ fetchImpl }).predict(new Blob(["x"])), { code: "network_error" });
});

test("a 200 that is not JSON, or has no list of faces, is a bad response", async () => {
  const html = fakeFetch(() => new Response("<!doctype html>", { status: 200 }));
  await assert.rejects(createApi({ fetchImpl: html.fetchImpl }).modelCard(), { code: "bad_response" });
  const odd = fakeFetch(() => json(200, { faces: "none" }));
  await assert.rejects(createApi({ fetchImpl: odd.fetchImpl }).predict(new Blob(["x"])), { code: "bad_response" });
});

test("decide posts the crop and the edited weights as JSON to a path on the page's origin", async () => {
  const { calls, fetchImpl } = fakeFetch(() => json(200, { probabilities: { female: 0.6, male: 0.4 } }));
  const api = createApi({ fetchImpl });
  const reply = await api.decide({ cropPng: "iVBORw0", weights: [0.5, -1] });
  assert.deepEqual(reply.probabilities, { female: 0.6, male: 0.4 });
  assert.equal(calls[0].url, "/v1/model/decide");
  assert.equal(calls[0].init.method, "POST");
  assert.deepEqual(JSON.parse(calls[0].init.body), { eigenface_weights: [0.5, -1], crop_png: "iVBORw0" });
  await api.decide({ weights: [0] });
  assert.deepEqual(JSON.parse(calls[1].init.body), { eigenface_weights: [0] }, "no crop: the mean face");
});

test("eigenfaces resolves to the bytes; an error reply still becomes an ApiError", async () => {
  const bytes = new Uint8Array([70, 71, 69, 70]);
  const { calls, fetchImpl } = fakeFetch(() => new Response(bytes, { status: 200, headers: { "Content-Type": "application/octet-stream" } }));
  const buffer = await createApi({ fetchImpl }).eigenfaces();
  assert.ok(buffer instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(buffer)], [70, 71, 69, 70]);
  assert.equal(calls[0].url, "/v1/model/eigenfaces.bin");
  const missing = fakeFetch(() => json(404, { error: { code: "not_found", message: "No." } }));
  await assert.rejects(createApi({ fetchImpl: missing.fetchImpl }).eigenfaces(), { code: "not_found" });
});

test("predict does not ask for explanations unless told to", async () => {
  const { calls, fetchImpl } = fakeFetch(() => json(200, { faces: [] }));
  await createApi({ fetchImpl }).predict(new Blob(["x"]), { includeCrops: true });
  assert.equal(new URL(calls[0].url, "https://site.example").searchParams.has("include_explanation"), false);
});

test("explain posts one face's crop as JSON to a path on the page's origin", async () => {
  const explanation = { map_png: "iVBORw0", method: "Occlusion", top_regions: [] };
  const { calls, fetchImpl } = fakeFetch(() => json(200, { explanation, gender: "female", confidence: 0.7 }));
  const controller = new AbortController();
  const reply = await createApi({ fetchImpl }).explain("iVBORw0", { signal: controller.signal });
  assert.deepEqual(reply.explanation, explanation);
  assert.equal(calls[0].url, "/v1/model/explain");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(calls[0].init.body), { crop_png: "iVBORw0" });
  controller.abort();
  assert.ok(calls[0].init.signal.aborted, "the caller's signal reaches fetch");
});

test("an explain reply without an explanation is a bad response", async () => {
  const { fetchImpl } = fakeFetch(() => json(200, { gender: "male" }));
  await assert.rejects(createApi({ fetchImpl }).explain("iVBORw0"), { code: "bad_response" });
  const refused = fakeFetch(() => json(422, { error: { code: "invalid_crop", message: "Not a crop." } }));
  await assert.rejects(createApi({ fetchImpl: refused.fetchImpl }).explain("x"), { code: "invalid_crop", status: 422 });
});

test("predict leaves max_faces to the server when not told", async () => {
  const { calls, fetchImpl } = fakeFetch(() => json(200, { faces: [] }));
  await createApi({ fetchImpl }).predict(new Blob(["x"]), { includeCrops: true });
  assert.equal(new URL(calls[0].url, "https://site.example").searchParams.has("max_faces"), false);
});

test("limits asks GET /v1/limits on the page's origin", async () => {
  const limits = { max_faces: { default: 20, minimum: 1, maximum: 100 }, eigenfaces_shown: 8 };
  const { calls, fetchImpl } = fakeFetch(() => json(200, limits));
  assert.deepEqual(await createApi({ fetchImpl }).limits(), limits);
  assert.equal(calls[0].url, "/v1/limits");
});
