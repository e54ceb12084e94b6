// The Moment example: use cases that validate with zod before storage, and a pg repository.
export { createMoment, CreateMomentInput, type CreateMomentResult } from "./create-moment.js";
export { updateMoment, UpdateMomentInput, type UpdateMomentResult } from "./update-moment.js";
export {
  Body,
  characterCount,
  Title,
  TITLE_MAX_CHARACTERS,
  type FieldIssue,
  type Moment,
  type MomentField,
  type MomentResult,
  type NotFoundError,
  type ValidationError,
} from "./moment.js";
export type { MomentChanges, MomentRepository, NewMoment } from "./moment-repository.js";
export { pgMomentRepository, type Queryable } from "./pg-moment-repository.js";
