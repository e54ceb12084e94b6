// CreateMoment: the server-side check of a Moment's input. The HTML maxLength is only a hint to
// the browser; a direct Server Action call reaches this with anything, hence `input: unknown`.
import { z } from "zod";
import { Body, Title, toValidationError, type MomentResult, type ValidationError } from "./moment.js";
import type { MomentRepository } from "./moment-repository.js";

export const CreateMomentInput = z.object({
  title: Title,
  body: Body.nullable().optional(),
});
export type CreateMomentInput = z.input<typeof CreateMomentInput>;

export type CreateMomentResult = MomentResult<ValidationError>;

export async function createMoment(repository: MomentRepository, input: unknown): Promise<CreateMomentResult> {
  const parsed = CreateMomentInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: toValidationError(parsed.error, input) };
  const moment = await repository.create({ title: parsed.data.title, body: parsed.data.body ?? null });
  return { ok: true, moment };
}
