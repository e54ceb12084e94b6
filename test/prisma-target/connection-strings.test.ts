import { describe, expect, it } from "vitest";
import { connectionForm, connectionParts, inFormOf, parseDotenv, sameDatabase } from "../../src/prisma-target/connection-strings.js";
import { readSchemaDatasource } from "../../src/prisma-target/schema-datasource.js";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

describe("connection strings", () => {
  it("recognises URLs and libpq key=value strings, nothing else", () => {
    expect(connectionForm("postgresql://u:p@h/db")).toBe("url");
    expect(connectionForm("postgres://h/db")).toBe("url");
    expect(connectionForm("prisma+postgres://accelerate.prisma-data.net/?api_key=x")).toBe("url");
    expect(connectionForm("host=db.internal port=5432 dbname=app user=app")).toBe("keywords");
    expect(connectionForm("https://example.com")).toBeUndefined();
    expect(connectionForm("redis://cache:6379")).toBeUndefined();
    expect(connectionForm("hostname")).toBeUndefined();
  });

  it("treats a Neon pooled host and its direct host as one database", () => {
    const direct = "postgresql://neondb_owner:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require";
    const pooled = "postgresql://neondb_owner:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&pgbouncer=true";
    expect(sameDatabase(direct, pooled)).toBe(true);
    expect(sameDatabase(direct, pooled.replace("/neondb?", "/other?"))).toBe(false);
    expect(sameDatabase(direct, direct.replace("ep-cool-darkness-123456", "ep-other-654321"))).toBe(false);
  });

  it("defaults the port to 5432 and the database to the user's name, as libpq does", () => {
    expect(sameDatabase("postgresql://app@db.internal/app", "postgresql://app@db.internal:5432")).toBe(true);
    expect(sameDatabase("postgresql://app@db.internal/postgres", "postgresql://app@db.internal")).toBe(false);
    expect(connectionParts("postgresql://app@db.internal")).toMatchObject({ database: "app", port: "5432" });
  });

  it("counts every loopback name as one host", () => {
    expect(sameDatabase("postgresql://u@localhost:5433/d", "postgresql://u@127.0.0.1:5433/d")).toBe(true);
    expect(sameDatabase("postgresql://u@[::1]:5433/d", "postgresql://u@localhost:5433/d")).toBe(true);
  });

  it("compares a key=value string with a URL", () => {
    expect(sameDatabase("host=db.internal dbname=app user=app password='a b'", "postgresql://app@db.internal/app")).toBe(true);
  });

  it("writes the target in the form the variable used", () => {
    expect(inFormOf("postgresql://x@y/z", "postgresql://u:p@h:1/d")).toBe("postgresql://u:p@h:1/d");
    expect(inFormOf("host=a dbname=b", "postgresql://u:p%27q@h:1/d")).toBe("host='h' port='1' dbname='d' user='u' password='p\\'q'");
  });

  it("reads .env files as dotenv does", () => {
    expect(parseDotenv(`# c\nexport A="postgresql://x@y/z" \nB='q' # trailing\nC=plain # comment\nD=\n`)).toEqual({ A: "postgresql://x@y/z", B: "q", C: "plain", D: "" });
  });
});

describe("schema.prisma's datasource", () => {
  it("reads url and directUrl, ignoring comments, in a file or a folder", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dbship-ds-"));
    await writeFile(
      path.join(dir, "schema.prisma"),
      `// datasource db { url = env("WRONG") }\ndatasource db {\n  provider  = "postgresql"\n  url       = env("DATABASE_URL") // pooled, for the app\n  directUrl = env("DIRECT_URL")\n}\n`,
    );
    expect(readSchemaDatasource(path.join(dir, "schema.prisma"))).toMatchObject({ provider: "postgresql", url: { env: "DATABASE_URL" }, directUrl: { env: "DIRECT_URL" } });
    const folder = path.join(dir, "schema");
    await mkdir(path.join(folder, "models"), { recursive: true });
    await writeFile(path.join(folder, "models", "user.prisma"), "model User {\n  id Int @id\n}\n");
    await writeFile(path.join(folder, "main.prisma"), `datasource db {\n  provider = "postgresql"\n  url = "postgresql://u@fixed.example/db"\n}\n`);
    expect(readSchemaDatasource(folder)).toMatchObject({ url: { literal: "postgresql://u@fixed.example/db" } });
  });
});
