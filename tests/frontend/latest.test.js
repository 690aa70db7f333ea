// Only the newest explorer request runs to the end: quick moves collapse, older ones abort.
import assert from "node:assert/strict";
import { test } from "node:test";

import { latestOnly } from "../../frontend/latest.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("calls within the wait collapse into one request with the last value", async () => {
  const started = [];
  const results = [];
  const run = latestOnly(async (value) => { started.push(value); return value * 2; }, { wait: 20, onResult: (r) => results.push(r) });
  run(1);
  run(2);
  run(3);
  await sleep(60);
  assert.deepEqual(started, [3]);
  assert.deepEqual(results, [6]);
});

test("a request still in flight is aborted when a newer one starts, and never reported", async () => {
  const signals = [];
  const results = [];
  const errors = [];
  const task = (value, signal) => {
    signals.push(signal);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(value), value === "slow" ? 80 : 5);
      signal.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason); });
    });
  };
  const run = latestOnly(task, { wait: 5, onResult: (r) => results.push(r), onError: (e) => errors.push(e) });
  run("slow");
  await sleep(20); // the slow request is on its way
  run("fast");
  await sleep(120);
  assert.equal(signals.length, 2);
  assert.equal(signals[0].aborted, true);
  assert.deepEqual(results, ["fast"]);
  assert.deepEqual(errors, [], "an abort is not an error to show");
});

test("a failure of the newest request is reported", async () => {
  const errors = [];
  const run = latestOnly(async () => { throw new Error("boom"); }, { wait: 1, onError: (e) => errors.push(e.message) });
  run(1);
  await sleep(20);
  assert.deepEqual(errors, ["boom"]);
});
