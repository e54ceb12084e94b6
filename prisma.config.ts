// Prisma CLI configuration for the example project.
//
// NOTE: Prisma 6.19 with `engine: "js"` runs Migrate on the WebAssembly schema engine through
// the pg driver adapter, so no native engine has to be downloaded. The 7.x adapter is needed:
// the 6.x one cannot read PostgreSQL's `name` type (prisma/prisma#27403). A small idle timeout
// lets each CLI run exit as soon as its work is done instead of idling 10 s on open sockets.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 50 });
  },
});
