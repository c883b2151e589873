// A client author's whole flow, typed only by the types openapi-typescript generated from
// docs/openapi.json: no casts, no `any`, no hand-written API types. If the document lacks a
// request body, a header parameter or a problem response, this file stops compiling.
//
// Run by test/Playbooks.Api.Tests/OpenApi/TypeScriptClientTests.cs against a real server
// (PLAYBOOKS_URL, PLAYBOOKS_TOKEN). A pivot needs the strategy to have been in place for
// pivotWindowDays (at least one day), and a real server cannot wait a day: so the flow first
// shows the typed 409 refusal, then prints `advance-clock 2d` and waits for a line on stdin
// while the test moves the server's clock, then pivots.
import { createInterface } from "node:readline";
import createClient from "openapi-fetch";
import type { paths } from "../generated/schema.js";

const baseUrl = requiredEnv("PLAYBOOKS_URL");
const token = requiredEnv("PLAYBOOKS_TOKEN");
const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

// Create: one sample is enough evidence, and the window is the shortest the contract allows.
const created = await api.POST("/v1/playbooks", {
  body: {
    name: "Series B SaaS. New head of growth",
    mode: "outbound",
    buddyId: "prospect",
    strategy: {
      hypothesis: "New growth leaders buy in their first 90 days",
      successMetric: "meeting_booked",
      successTarget: 3,
    },
    adaptation: { minSampleSize: 1, pivotWindowDays: 1 },
  },
});
if (created.error) fail("create", created.error);
expect("create answers 201", created.response.status, 201);
const id = created.data.playbook.id;
expect("a new playbook starts at version 1", created.data.playbook.version, 1);
expect("status defaults to draft", created.data.playbook.status, "draft");

// Get, and keep its ETag for the conditional update.
const got = await api.GET("/v1/playbooks/{id}", { params: { path: { id } } });
if (got.error) fail("get", got.error);
const etag = got.response.headers.get("ETag");
expect("ETag carries the version", etag, `"${got.data.playbook.version}"`);
if (etag === null) throw new Error("unreachable: checked above");

// A typed validation problem: the server names every field it refuses.
const invalid = await api.PUT("/v1/playbooks/{id}", {
  params: { path: { id } },
  body: { leadSource: { sampleSize: 0 } },
});
if (!invalid.error) throw new Error("an out-of-bounds sampleSize was accepted");
expect("validation answers 400", invalid.response.status, 400);
expect("validation problem code", invalid.error.code, "validation_failed");
const fieldErrors = "errors" in invalid.error ? invalid.error.errors : undefined;
if (!fieldErrors?.["leadSource.sampleSize"]?.length) {
  throw new Error(`the problem does not name leadSource.sampleSize: ${JSON.stringify(invalid.error)}`);
}

// Update with If-Match; a stale ETag afterwards is refused with a typed 412.
const updated = await api.PUT("/v1/playbooks/{id}", {
  params: { path: { id }, header: { "If-Match": etag } },
  body: { status: "active" },
});
if (updated.error) fail("update", updated.error);
expect("the update bumps the version", updated.data.playbook.version, 2);
expect("the update sets the status", updated.data.playbook.status, "active");
expect("the new ETag", updated.response.headers.get("ETag"), '"2"');
const stale = await api.PUT("/v1/playbooks/{id}", {
  params: { path: { id }, header: { "If-Match": etag } },
  body: { name: "Renamed" },
});
if (!stale.error) throw new Error("a stale If-Match was accepted");
expect("a stale If-Match answers 412", stale.response.status, 412);
expect("412 problem code", stale.error.code, "precondition_failed");

// Start a run with an Idempotency-Key; the same key again replays the same run.
const key = `flow-${Date.now()}`;
const started = await api.POST("/v1/playbooks/{id}/run", {
  params: { path: { id }, header: { "Idempotency-Key": key } },
});
if (started.error) fail("start run", started.error);
expect("start answers 201", started.response.status, 201);
const runId = started.data.run.id;
expect("the run pins the spec version", started.data.run.specVersion, 2);
expect("the run is running", started.data.run.status, "running");
const replayed = await api.POST("/v1/playbooks/{id}/run", {
  params: { path: { id }, header: { "Idempotency-Key": key } },
});
if (replayed.error) fail("replayed start", replayed.error);
expect("the replay answers the same run", replayed.data.run.id, runId);
expect("the replay says so", replayed.response.headers.get("Idempotent-Replayed"), "true");

// Outcomes add up on the run.
for (const report of [{ samples: 1, successes: 1 }, { samples: 2, successes: 0 }]) {
  const reported = await api.POST("/v1/playbooks/{id}/runs/{runId}/outcomes", {
    params: { path: { id, runId } },
    body: report,
  });
  if (reported.error) fail("report outcome", reported.error);
}
const run = await api.GET("/v1/playbooks/{id}/runs/{runId}", { params: { path: { id, runId } } });
if (run.error) fail("get run", run.error);
expect("samples add up", run.data.run.metrics.samples, 3);
expect("successes add up", run.data.run.metrics.successes, 1);
expect("meeting_booked counts successes", run.data.run.metrics.metricValue, 1);

// End the run; a second end is a typed 409.
const ended = await api.PATCH("/v1/playbooks/{id}/runs/{runId}", {
  params: { path: { id, runId } },
  body: { status: "completed", note: "three leads contacted" },
});
if (ended.error) fail("end run", ended.error);
expect("the run is completed", ended.data.run.status, "completed");
if (ended.data.run.endedAt === null) throw new Error("an ended run has no endedAt");
const endedTwice = await api.PATCH("/v1/playbooks/{id}/runs/{runId}", {
  params: { path: { id, runId } },
  body: { status: "failed" },
});
if (!endedTwice.error) throw new Error("an ended run was ended again");
expect("ending twice", endedTwice.error.code, "run_not_running");

// Evaluate: the samples are enough, the window is not.
const early = await api.GET("/v1/playbooks/{id}/adaptation", { params: { path: { id } } });
if (early.error) fail("evaluate", early.error);
expect("collecting while the window runs", early.data.evaluation.state, "collecting");
expect("samples evaluated", early.data.evaluation.samples, 3);
expect("not allowed yet", early.data.evaluation.pivot.allowed, false);
expect("blocked by the window", early.data.evaluation.pivot.blockedBy, "pivot_window_not_elapsed");

const pivotBody = {
  reason: "One meeting in three leads; try warm introductions",
  strategy: { hypothesis: "Warm introductions convert new growth leaders", channels: ["email", "linkedin"] },
};
const refused = await api.POST("/v1/playbooks/{id}/pivots", { params: { path: { id } }, body: pivotBody });
if (!refused.error) throw new Error("a pivot inside the window was accepted");
expect("refused pivot answers 409", refused.response.status, 409);
expect("refused pivot code", refused.error.code, "pivot_window_not_elapsed");

await advanceServerClock("2d");

// Pivot, now that the window has elapsed.
const later = await api.GET("/v1/playbooks/{id}/adaptation", { params: { path: { id } } });
if (later.error) fail("evaluate again", later.error);
expect("allowed after the window", later.data.evaluation.pivot.allowed, true);
const pivoted = await api.POST("/v1/playbooks/{id}/pivots", { params: { path: { id } }, body: pivotBody });
if (pivoted.error) fail("pivot", pivoted.error);
expect("pivot answers 201", pivoted.response.status, 201);
expect("pivot from version", pivoted.data.pivot.fromVersion, 2);
expect("pivot to version", pivoted.data.pivot.toVersion, 3);
expect("the playbook carries the new strategy", pivoted.data.playbook.strategy.hypothesis, pivotBody.strategy.hypothesis);
expect("channels merged in", pivoted.data.playbook.strategy.channels.join(","), "email,linkedin");

// Stats: the outcomes, bucketed by day, add up to what was reported.
const stats = await api.GET("/v1/playbooks/{id}/stats", { params: { path: { id }, query: { bucket: "day" } } });
if (stats.error) fail("stats", stats.error);
let samples = 0;
let runsStarted = 0;
for (const bucket of stats.data.buckets) {
  samples += bucket.samples;
  runsStarted += bucket.runsStarted;
}
expect("stats samples", samples, 3);
expect("stats runs started", runsStarted, 1);

console.log("flow passed");

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function expect<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function fail(step: string, problem: { code: string; title?: string | null; detail?: string | null }): never {
  throw new Error(`${step} failed: ${problem.code} ${problem.title ?? ""} ${problem.detail ?? ""}`);
}

/** Asks the hosting test to move the server's clock forward, and waits until it has. */
async function advanceServerClock(span: string): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const done = new Promise<void>((resolve, reject) => {
    lines.once("line", () => resolve());
    lines.once("close", () => reject(new Error("stdin closed before the clock was advanced")));
  });
  console.log(`advance-clock ${span}`);
  await done;
  lines.close();
}
