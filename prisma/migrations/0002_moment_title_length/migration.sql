-- A Moment's title is at most 200 characters. The use cases check it with zod, and this makes
-- the database refuse a longer title from any other path (a direct Server Action call, a script).
-- char_length counts characters, not bytes, as the zod check does.
--
-- moments is a small table: validating every row under the ACCESS EXCLUSIVE lock takes
-- milliseconds, so the constraint is added and validated in one statement. On a large table,
-- add it NOT VALID here and VALIDATE CONSTRAINT in a later migration.
-- dbship:allow constraint-missing-not-valid moments is small, the full scan takes milliseconds
-- dbship:allow require-lock-timeout the lock is held for milliseconds on a small table
ALTER TABLE "moments" ADD CONSTRAINT "moments_title_length" CHECK (char_length("title") <= 200);
