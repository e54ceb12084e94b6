-- A Moment's title is at most 200 characters. The use cases check it with zod, and this makes
-- the database refuse a longer title from any other path (a direct Server Action call, a script).
-- char_length counts characters, not bytes, as the zod check does.
ALTER TABLE "moments" ADD CONSTRAINT "moments_title_length" CHECK (char_length("title") <= 200);
