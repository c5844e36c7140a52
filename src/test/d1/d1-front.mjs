// workerd's own D1 (miniflare runs the workerd binary and its D1 Durable Object) behind the
// REST paths of Cloudflare's D1 API that camel-d1-backup calls. Started by the Java tests
// (testing/WorkerdD1); prints "listening PORT" once ready and exits when its stdin closes.
//
// What comes from workerd and is not re-implemented here: SQL parsing and execution, D1's SQL
// authorizer, the multi-statement loop over one `sql` text (a remainder holding only a comment
// fails: "SQL code did not contain a statement."), the 100,000-byte statement limit, one
// transaction per request, rows_read/rows_written, and the export writer
// (`PRAGMA miniflare_d1_export`, what `wrangler d1 export --local` uses).
//
// What this front adds, in D1's REST shapes: the Cloudflare envelope, routing by account and
// database id, the bearer token, `{batch: [...]}`, Time Travel bookmarks, the /export polling protocol and its signed
// URL, and "Currently processing a long-running export" while an export is pending.
//
// Known difference from remote D1: one `sql` text holding several statements answers with the
// results of its last statement only (workerd's binding returns no others); remote D1 answers one
// result per statement. camel-d1-backup sends reads as `batch` and reads only the last result of
// a write script, so nothing it does depends on the difference.
import { Miniflare } from "miniflare";

const BINDINGS = Number(process.env.D1_BINDINGS || 64);
const TOKEN = process.env.D1_TOKEN || "workerd-token";
const ACCOUNT = process.env.D1_ACCOUNT || "0123456789abcdef0123456789abcdef";

const worker = `
const BINDINGS = ${BINDINGS};
const TOKEN = ${JSON.stringify(TOKEN)};
const ACCOUNT = ${JSON.stringify(ACCOUNT)};
const PATH = /^\\/client\\/v4\\/accounts\\/([^/]+)\\/d1\\/database\\/([^/]+)(?:\\/(raw|query|export|time_travel\\/bookmark))?\\/?$/;
const FILE = /^\\/export-files\\/([0-9a-f]{32})\\/[^/]+$/;
const databases = new Map(); // id -> {id, name, binding, created}
const exports = new Map();   // id -> {atBookmark, text, error}
const files = new Map();     // token -> text
let next = 0;

function envelope(result, status = 200, headers = {}) {
  return Response.json({ result, success: true, errors: [], messages: [] }, { status, headers });
}
function failure(status, code, message) {
  return Response.json({ result: null, success: false, errors: [{ code, message }], messages: [] }, { status });
}
function hex(n) { return [...crypto.getRandomValues(new Uint8Array(n))].map(b => b.toString(16).padStart(2, "0")).join(""); }

// One request to the database's Durable Object, as the binding sends it: an array of
// {sql, params} run in one transaction; answers {results: {columns, rows}, meta} per query.
async function run(db, queries) {
  const response = await db.fetcher.fetch("http://d1/query?resultsFormat=ROWS_AND_COLUMNS", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(queries),
  });
  const answer = await response.json();
  const results = Array.isArray(answer) ? answer : [answer];
  const failed = results.find(r => !r.success);
  if (failed) {
    const error = new Error(String(failed.error).replace(/^D1_ERROR: /, ""));
    throw error;
  }
  return { results };
}

// Time Travel bookmarks change with every write and only then. workerd's own session bookmark
// also moves on reads, so the front counts the requests that wrote: from each statement's meta,
// or, for a multi-statement text (whose earlier statements' meta workerd does not return), from
// its words (a false "changed" only costs a backup; a missed write would skip one).
const WRITES = /\b(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|REINDEX|ANALYZE)\b/i;
function wrote(queries, results) {
  return results.some(r => r.meta && (r.meta.changed_db || r.meta.rows_written > 0 || r.meta.changes > 0))
    || queries.some(q => WRITES.test(q.sql) && /;\s*\S/.test(q.sql));
}
async function bookmarkOf(entry) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(entry.id + "/" + entry.writes));
  const tail = [...new Uint8Array(digest)].slice(0, 16).map(b => b.toString(16).padStart(2, "0")).join("");
  return "00000000-" + entry.writes.toString(16).padStart(8, "0") + "-00000000-" + tail;
}

function queriesOf(body) {
  if (Array.isArray(body.batch)) {
    return body.batch.map(q => ({ sql: String(q.sql), params: q.params ?? [] }));
  }
  if (typeof body.sql === "string") {
    return [{ sql: body.sql, params: body.params ?? [] }];
  }
  throw new Error("neither sql nor batch");
}

async function query(env, entry, request, raw) {
  let queries;
  try {
    queries = queriesOf(await request.json());
  } catch (e) {
    return failure(400, 7400, "The request is malformed: " + e.message);
  }
  let answer;
  try {
    answer = await run(env["DB" + entry.binding], queries);
    if (wrote(queries, answer.results)) entry.writes++;
  } catch (e) {
    return failure(400, 7500, e.message + " [code: 7500]");
  }
  const result = answer.results.map(r => {
    const columns = r.results?.columns ?? [];
    const rows = r.results?.rows ?? [];
    return {
      results: raw ? { columns, rows } : rows.map(row => Object.fromEntries(row.map((v, i) => [columns[i], v]))),
      success: true,
      meta: r.meta,
    };
  });
  return envelope(result);
}

async function startExport(env, entry, body, origin) {
  const pending = exports.get(entry.id);
  const current = body.current_bookmark || "";
  if (pending && current === pending.atBookmark) {
    exports.delete(entry.id);
    if (pending.error) {
      return exportAnswer(pending.atBookmark, "error", pending.error);
    }
    const token = hex(16);
    files.set(token, pending.text);
    const filename = entry.name + "-" + pending.atBookmark + ".sql";
    return exportAnswer(pending.atBookmark, "complete", null,
      { filename, signed_url: origin + "/export-files/" + token + "/" + encodeURIComponent(filename) });
  }
  if (pending) {
    return failure(400, 7500, "Currently processing a long-running export.");
  }
  const options = body.dump_options || {};
  const db = env["DB" + entry.binding];
  const atBookmark = await bookmarkOf(entry);
  let text = null, error = null;
  try {
    const tables = Array.isArray(options.tables) ? options.tables : [];
    const rows = await db.prepare("PRAGMA miniflare_d1_export(?,?,?);")
      .bind(options.no_schema ? 1 : 0, options.no_data ? 1 : 0, ...tables).raw();
    text = rows[0].join("\\n") + "\\n";
  } catch (e) {
    error = "Export failed: " + String(e.message || e).replace(/^D1_ERROR: /, "");
  }
  exports.set(entry.id, { atBookmark, text, error });
  return exportAnswer(atBookmark, "active", null);
}

function exportAnswer(atBookmark, status, error, result) {
  const body = { success: status !== "error", type: "export", at_bookmark: atBookmark, status,
    messages: [status === "active" ? "Generating " + atBookmark + ".sql" : status === "complete" ? "Uploaded part 1" : "Export failed"] };
  if (error) body.error = error;
  if (result) body.result = result;
  return envelope(body);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/__admin/databases" && request.method === "POST") {
      if (next >= BINDINGS) return failure(507, 0, "all " + BINDINGS + " D1 databases of this front are taken");
      const { name } = await request.json();
      const entry = { id: crypto.randomUUID(), name, binding: next++, created: new Date().toISOString(), writes: 0 };
      databases.set(entry.id, entry);
      return envelope({ uuid: entry.id });
    }
    const file = FILE.exec(url.pathname);
    if (file) { // the signed URL: handed out once
      const text = files.get(file[1]);
      files.delete(file[1]);
      return text == null ? new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 })
        : new Response(text, { headers: { "content-type": "application/sql" } });
    }
    const m = PATH.exec(url.pathname);
    if (!m) return failure(404, 7000, "No route for that URI");
    if (request.headers.get("authorization") !== "Bearer " + TOKEN) return failure(401, 10000, "Authentication error");
    if (m[1] !== ACCOUNT) return failure(403, 7403, "The given account is not valid or is not authorized to access this service");
    const entry = databases.get(m[2]);
    if (!entry) return failure(404, 7404, "The database " + m[2] + " could not be found");
    const db = env["DB" + entry.binding];
    const endpoint = m[3];
    if (endpoint === "time_travel/bookmark" && request.method === "GET") {
      return envelope({ bookmark: await bookmarkOf(entry) });
    }
    if (endpoint === "export" && request.method === "POST") {
      let body;
      try { body = await request.json(); } catch (e) { return failure(400, 7400, "The request is malformed: " + e.message); }
      if (body.output_format !== "polling") return failure(400, 7400, "The request is malformed: output_format must be polling");
      return startExport(env, entry, body, url.origin);
    }
    if (exports.has(entry.id)) return failure(400, 7500, "Currently processing a long-running export.");
    if (endpoint === undefined && request.method === "GET") {
      const size = (await run(db, [{ sql: "SELECT 1", params: [] }])).results[0].meta.size_after;
      return envelope({ uuid: entry.id, name: entry.name, created_at: entry.created, version: "production", file_size: size });
    }
    if ((endpoint === "query" || endpoint === "raw") && request.method === "POST") {
      return query(env, entry, request, endpoint === "raw");
    }
    return failure(405, 7000, "Method not allowed");
  },
};
`;

const d1Databases = {};
for (let i = 0; i < BINDINGS; i++) d1Databases["DB" + i] = "db" + i;

const mf = new Miniflare({
  modules: true,
  script: worker,
  compatibilityDate: "2025-01-01",
  d1Databases,
  host: "127.0.0.1",
  port: Number(process.env.D1_PORT || 0),
});
const url = new URL(String(await mf.ready));
console.log("listening " + url.port);

const stop = async () => { try { await mf.dispose(); } finally { process.exit(0); } };
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
