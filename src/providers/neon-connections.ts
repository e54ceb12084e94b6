// Connection strings of Neon branches: which database and role production is (configured, or
// found once), and a branch's URI for them, taking the one Neon already gave at creation when
// there is one.
import { EndpointType } from "@neondatabase/api-client";
import { DbshipError } from "../errors.js";
import type { NeonBranches, NeonContext } from "./neon-branches.js";

export type NeonConnections = ReturnType<typeof neonConnections>;

export function neonConnections(
  { client, projectId }: NeonContext,
  branches: Pick<NeonBranches, "production">,
  configured: { database?: string | undefined; role?: string | undefined },
) {
  const { api } = client;
  let target: { database: string; role: string } | undefined;
  /** Connection strings Neon already gave (in a create response), by branch id: not asked twice. */
  const knownUris = new Map<string, string>();

  /** The database and role to connect as: configured, or production's only database and its owner. */
  async function databaseAndRole(): Promise<{ database: string; role: string }> {
    if (target) return target;
    const prod = await branches.production();
    let database = configured.database;
    let role = configured.role;
    if (!database || !role) {
      const { databases } = await client.call({ method: "GET", what: `list databases of ${prod.name}` }, () =>
        api.listProjectBranchDatabases(projectId, prod.id),
      );
      const chosen = database
        ? databases.find((db) => db.name === database)
        : databases.length === 1
          ? databases[0]
          : databases.find((db) => db.name === "neondb");
      if (!chosen) {
        throw new DbshipError("CONFIG_INVALID", `cannot tell which database of Neon branch ${prod.name} is production's`, {
          hint: `Set neon.database (and neon.role) in dbship.config.json; the branch has: ${databases.map((db) => db.name).join(", ") || "no database"}.`,
        });
      }
      database = chosen.name;
      role ??= chosen.owner_name;
    }
    target = { database, role };
    return target;
  }

  /** The branch's connection string; `pooled` asks for the pooler's (its endpoint was checked). */
  async function uriOf(branchId: string, branchName: string, pooled = false): Promise<string> {
    const known = pooled ? undefined : knownUris.get(branchId);
    if (known) return known;
    const { database, role } = await databaseAndRole();
    const { endpoints } = pooled
      ? { endpoints: [{ type: EndpointType.ReadWrite }] }
      : await client.call({ method: "GET", what: `list endpoints of ${branchName}` }, () => api.listProjectBranchEndpoints(projectId, branchId));
    if (!endpoints.some((endpoint) => endpoint.type === EndpointType.ReadWrite)) {
      throw new DbshipError("NEON_API", `Neon branch ${branchName} has no read_write compute, so it has no connection string`, {
        hint: `Add a compute to ${branchName} in the Neon console (Branches → ${branchName} → Add compute), then run again.`,
      });
    }
    const { uri } = await client.call({ method: "GET", what: `connection string of ${branchName}` }, () =>
      api.getConnectionUri({ projectId, branch_id: branchId, database_name: database, role_name: role, pooled }),
    );
    return uri;
  }

  /** Keeps the connection string Neon returned with a new branch, so uriOf need not ask for it. */
  function remember(branchId: string, uri: string | undefined): void {
    if (uri) knownUris.set(branchId, uri);
  }

  return { databaseAndRole, uriOf, remember };
}
