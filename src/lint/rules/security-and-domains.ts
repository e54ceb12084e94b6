// Row-level security switched on with no policy (then every role without BYPASSRLS, the app's
// included, sees no rows and can write none), and domain constraints (checked against every
// column of the domain in every table, with no way to add them NOT VALID in CREATE DOMAIN).
import { as, qualify, strings } from "../ast.js";
import { label, labelParts, type RuleGroup, type RuleInfo } from "../rule.js";
import { alterTable } from "./alter-table.js";

export const securityAndDomainRules: RuleInfo[] = [
  {
    id: "rls-without-policy",
    severity: "error",
    summary: "ENABLE/FORCE ROW LEVEL SECURITY on a table with no policy in production or the deploy",
  },
  {
    id: "domain-constraint",
    severity: "error",
    summary: "ALTER DOMAIN … ADD CONSTRAINT without NOT VALID (error); CREATE DOMAIN with a CHECK (warning)",
  },
];

export const securityAndDomains: RuleGroup = (scope) => {
  const { catalog } = scope;
  const schema = catalog.defaultSchema;
  return {
    statement(statement) {
      const { node } = statement;
      const alter = alterTable(node, schema);
      if (alter) {
        for (const cmd of alter.cmds) {
          if (cmd.subtype !== "AT_EnableRowSecurity" && cmd.subtype !== "AT_ForceRowSecurity") continue;
          // Whether a policy comes later in the batch is only known at its end: the engine drops
          // this finding then (lint-migrations.ts) if one does, or if production has one.
          scope.report(statement, {
            rule: "rls-without-policy",
            severity: "error",
            table: alter.table,
            message: `${cmd.subtype === "AT_ForceRowSecurity" ? "FORCE" : "ENABLE"} ROW LEVEL SECURITY on ${label(alter.relation)} with no policy on it in production or in this deploy: every role without BYPASSRLS${cmd.subtype === "AT_ForceRowSecurity" ? ", the table's owner included," : " (the app's, unless it owns the table)"} then reads no rows and cannot write any.`,
            safeAlternative: "CREATE POLICY for the app's role in the same migration (before or right after enabling), and test the app's queries as that role.",
          });
        }
        return;
      }

      const alterDomain = as(node, "AlterDomainStmt");
      if (alterDomain?.subtype === "C") {
        const constraint = as(alterDomain.def, "Constraint");
        const domain = strings(alterDomain.typeName);
        if (!constraint || constraint.skip_validation || catalog.isNewType(qualify(domain, schema))) return;
        scope.report(statement, {
          rule: "domain-constraint",
          severity: "error",
          message: `ALTER DOMAIN ${labelParts(domain)} ADD CONSTRAINT checks every value of every column of that domain, in every table, while holding a SHARE lock on each (writes wait), and fails if one violates it.`,
          safeAlternative: "ADD CONSTRAINT … NOT VALID (new values are checked at once), then ALTER DOMAIN … VALIDATE CONSTRAINT in a later migration.",
        });
        return;
      }

      const createDomain = as(node, "CreateDomainStmt");
      const checks = (createDomain?.constraints ?? []).filter((item) => as(item, "Constraint")?.contype === "CONSTR_CHECK");
      if (createDomain && checks.length > 0) {
        scope.report(statement, {
          rule: "domain-constraint",
          severity: "warning",
          message: `CREATE DOMAIN ${labelParts(strings(createDomain.domainname))} with a CHECK: changing that rule later means ALTER DOMAIN, which checks every column of the domain in every table at once, and a column cannot opt out.`,
          safeAlternative: "Put the CHECK on each table column instead (ADD CONSTRAINT … NOT VALID, then VALIDATE), where it can be changed table by table.",
        });
      }
    },
  };
};
