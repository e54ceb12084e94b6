// Intended differences between schema.prisma and the migrations, acknowledged in
// dbship.config.json (`schemaCheck.acknowledge`), each with a reason. A difference is matched on
// what it is — its kind, its object (`table`, `table.column`, `table.index`, `Enum`; `*` matches
// any run of characters) and, optionally, which side has it — never on its message text, which
// is worded for people and may change. Acknowledged differences stay in every report, marked as
// such; acknowledgements that match nothing are reported too (stale entries hide nothing).
import type { Config } from "../config.js";
import type { SchemaDifference } from "../verify/schema-diff.js";

export type Acknowledgement = Config["schemaCheck"]["acknowledge"][number];

export type AcknowledgedDifference = SchemaDifference & { reason: string };

export type AcknowledgementResult = {
  /** Differences no acknowledgement matches: these make the check fail. */
  differences: SchemaDifference[];
  acknowledged: AcknowledgedDifference[];
  /** Acknowledgements that matched no difference. */
  unmatched: Acknowledgement[];
};

/** Which side of the check has the object: the migrations (left) or schema.prisma (right). */
function sideOf(difference: SchemaDifference): "migrations" | "schema" | "both" {
  if (difference.left !== undefined && difference.right === undefined) return "migrations";
  if (difference.right !== undefined && difference.left === undefined) return "schema";
  return "both";
}

function objectPattern(object: string): RegExp {
  return new RegExp(`^${object.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

export function matches(acknowledgement: Acknowledgement, difference: SchemaDifference): boolean {
  if (acknowledgement.kind !== difference.kind) return false;
  if (!objectPattern(acknowledgement.object).test(difference.object)) return false;
  return acknowledgement.side === undefined || acknowledgement.side === sideOf(difference);
}

export function applyAcknowledgements(differences: SchemaDifference[], acknowledgements: Acknowledgement[]): AcknowledgementResult {
  const used = new Set<Acknowledgement>();
  const remaining: SchemaDifference[] = [];
  const acknowledged: AcknowledgedDifference[] = [];
  for (const difference of differences) {
    const match = acknowledgements.find((acknowledgement) => matches(acknowledgement, difference));
    if (!match) {
      remaining.push(difference);
      continue;
    }
    used.add(match);
    acknowledged.push({ ...difference, reason: match.reason });
  }
  return { differences: remaining, acknowledged, unmatched: acknowledgements.filter((acknowledgement) => !used.has(acknowledgement)) };
}

export function describeAcknowledgement(acknowledgement: Acknowledgement): string {
  return `${acknowledgement.kind} ${acknowledgement.object}${acknowledgement.side ? ` (in the ${acknowledgement.side === "schema" ? "schema.prisma" : "migrations"} side)` : ""}`;
}
