// Every rule group, in the order their findings are produced for one statement.
import type { RuleGroup, RuleInfo } from "../rule.js";
import { columnRules, columns } from "./columns.js";
import { constraintRules, constraints } from "./constraints.js";
import { dataChangeRules, dataChanges } from "./data-changes.js";
import { dataLoss, dataLossRules } from "./data-loss.js";
import { securityAndDomainRules, securityAndDomains } from "./security-and-domains.js";
import { storage, storageRules } from "./storage.js";
import { indexes, indexRules } from "./indexes.js";
import { locking, lockingRules } from "./locking.js";
import { renameRules, renames } from "./renames.js";
import { semicolonRules, semicolonSplit } from "./semicolon-split.js";
import { transactionRules, transactions } from "./transactions.js";
import { typeRules, types } from "./types.js";

export const RULE_GROUPS: readonly RuleGroup[] = [
  semicolonSplit,
  transactions,
  dataLoss,
  renames,
  types,
  columns,
  constraints,
  indexes,
  dataChanges,
  storage,
  securityAndDomains,
  locking,
];

export const GROUP_RULES: readonly RuleInfo[] = [
  ...semicolonRules,
  ...transactionRules,
  ...dataLossRules,
  ...renameRules,
  ...typeRules,
  ...columnRules,
  ...constraintRules,
  ...indexRules,
  ...dataChangeRules,
  ...storageRules,
  ...securityAndDomainRules,
  ...lockingRules,
];
