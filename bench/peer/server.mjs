// The peer: PostGraphile serving the benchmark database's people and companies, so
// `make bench` can measure the product against a real GraphQL server over the same data.
//
// Configured as a user who cares about speed would run it: production mode, no GraphiQL,
// no transaction per request. Each request's API key is checked with one SQL lookup of
// its hash, as the product does, and every read and write is confined to the key's
// workspace by a condition added to the query PostGraphile compiles (not by row-level
// security, which would wrap each request in a transaction).
//
//   DATABASE_URL=postgres://... PEER_PORT=8704 PEER_WORKERS=1 node server.mjs
//
// PEER_WORKERS=1 serves from this one process; more forks that many workers sharing the
// port (node's cluster module), the primary only watching over them.

import cluster from "node:cluster";
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";

import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { TYPES } from "postgraphile/@dataplan/pg";
import { constant, context, lambda } from "postgraphile/grafast";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { sql } from "postgraphile/pg-sql2";
import { pgSmartTags, wrapPlans } from "postgraphile/utils";

const DATABASE_URL = process.env.DATABASE_URL;
const PORT = Number(process.env.PEER_PORT || 8704);
const WORKERS = Number(process.env.PEER_WORKERS || 1);
const POOL_SIZE = Number(process.env.PEER_POOL_SIZE || 4);
const HOST = "127.0.0.1";

// Django's tables, as the peer names them, and what of each the schema offers: people to
// list, get and create, each with its company. Every other table stays out of the schema.
const EXPOSED = {
  crm_person: { name: "person", behavior: "-update -delete" },
  crm_company: {
    name: "company",
    behavior: "-query:resource:connection -query:resource:list -query:resource:single -insert -update -delete",
  },
};

// The same lookup as the product's: the key and its workspace by the token's hash.
const KEY_SQL =
  "SELECT k.workspace_id, k.expires_at, k.revoked_at FROM crm_apikey k" +
  " JOIN crm_workspace w ON w.id = k.workspace_id WHERE k.token_hash = $1";

function unauthorized(res, message) {
  const body = JSON.stringify({ statusCode: 401, error: "Unauthorized", messages: [message] });
  res.writeHead(401, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

async function workspaceOf(pool, header) {
  const [scheme, token] = (header || "").trim().split(/\s+/, 2);
  if (!scheme || scheme.toLowerCase() !== "bearer" || !token || !token.startsWith("crm_")) return null;
  const hash = createHash("sha256").update(token).digest("hex");
  const { rows } = await pool.query({ name: "api-key", text: KEY_SQL, values: [hash] });
  const key = rows[0];
  if (!key || key.revoked_at || (key.expires_at && key.expires_at <= new Date())) return null;
  return key.workspace_id;
}

// Confines a step reading people (or a person) to the key's live records.
function confine($select) {
  const $workspace = context().get("crmWorkspaceId");
  $select.where(sql`${$select.alias}.workspace_id = ${$select.placeholder($workspace, TYPES.uuid)}`);
  $select.where(sql`${$select.alias}.deleted_at is null`);
  return $select;
}

const WorkspacePlugin = wrapPlans((build) => {
  const people = build.input.pgRegistry.pgResources.person;
  return {
    Query: {
      allPeople: (plan) => {
        const $connection = plan();
        confine($connection.getSubplan());
        return $connection;
      },
      personByRowId: (_plan, _$source, fieldArgs) => confine(people.find({ id: fieldArgs.getRaw("rowId") })).single(),
    },
    Mutation: {
      // What the record service fills in for a new record, filled in here by the server.
      createPerson: (plan) => {
        // Made before the insert step, which may only depend on steps older than itself.
        const values = {
          id: lambda(null, () => randomUUID()),
          workspace_id: context().get("crmWorkspaceId"),
          created_at: lambda(null, () => new Date().toISOString()),
          position: constant(0),
          created_by_source: constant("API"),
          created_by_name: constant("Benchmark"),
          custom: constant({}),
        };
        values.updated_at = values.created_at;
        const $result = plan();
        const $insert = $result.getStepForKey("result");
        for (const [column, $value] of Object.entries(values)) $insert.set(column, $value);
        return $result;
      },
    },
  };
});

// Columns the server fills in on create (createPerson below), so clients don't send them.
const SERVER_SET = [
  "id",
  "workspace_id",
  "created_at",
  "updated_at",
  "deleted_at",
  "position",
  "created_by_source",
  "created_by_workspace_member_id",
  "created_by_name",
  "custom",
];

const TagsPlugin = pgSmartTags([
  {
    kind: "attribute",
    match: (column) => column.getClass()?.relname === "crm_person" && SERVER_SET.includes(column.attname),
    tags: { behavior: "-insert" },
  },
  {
    kind: "class",
    match: (table) => !(table.relname in EXPOSED),
    tags: { behavior: "-*" },
  },
  ...Object.entries(EXPOSED).map(([table, tags]) => ({ kind: "class", match: table, tags })),
]);

async function serve() {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL_SIZE });
  const preset = {
    extends: [PostGraphileAmberPreset],
    plugins: [TagsPlugin, WorkspacePlugin],
    // Without index-based limits on ordering, so lists can use the product's order (position, then id).
    disablePlugins: ["NodePlugin", "PgIndexBehaviorsPlugin"],
    pgServices: [makePgService({ pool, schemas: ["public"] })],
    grafserv: { graphiql: false, watch: false, graphqlPath: "/graphql" },
    grafast: {
      explain: false,
      context(requestContext) {
        return { crmWorkspaceId: requestContext.node?.req?.crmWorkspaceId };
      },
    },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  await pgl.getSchema();
  const handler = serv.createHandler();
  const server = createServer((req, res) => {
    workspaceOf(pool, req.headers.authorization).then(
      (workspaceId) => {
        if (!workspaceId) return unauthorized(res, "Invalid or missing API key.");
        req.crmWorkspaceId = workspaceId;
        handler(req, res);
      },
      (error) => {
        console.error(error);
        res.writeHead(500).end();
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  server.listen(PORT, HOST, () => console.log(`peer ${process.pid} on http://${HOST}:${PORT}/graphql`));
}

if (WORKERS > 1 && cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`peer worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
} else {
  await serve();
}
