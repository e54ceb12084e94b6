// Every form of password a connection string can hold is masked, and every line of each one
// is registered with GitHub Actions when it is shown.
import { describe, expect, it } from "vitest";
import { maskUrl, urlSecrets, withDatabase } from "../../src/infra/urls.js";
import { environmentSecrets, githubMaskCommands, scrubError } from "../../src/ui/secrets.js";

describe("maskUrl", () => {
  it.each([
    ["postgresql://u:secret@h:5432/db?sslmode=require", "postgresql://u:****@h:5432/db?sslmode=require"],
    ["postgresql://u@h/db?password=secret&sslpassword=k3y&passfile=/x/.pgpass", "postgresql://u@h/db?password=****&sslpassword=****&passfile=/x/.pgpass"],
    ["postgresql://u@h/db?PASSWORD=secret", "postgresql://u@h/db?PASSWORD=****"],
    ["postgresql://u:p%40ss@h/db?application_name=x", "postgresql://u:****@h/db?application_name=x"],
    // A password with a raw @ or / is not a URL any client accepts, but must not show either.
    ["postgresql://u:p@ss@h/db", "postgresql://u:****@h/db"],
    ["postgresql://u:pa/ss@h/db", "postgresql://u:****@h/db"],
    ["postgresql://h/db", "postgresql://h/db"],
    ["postgresql://u@h/db", "postgresql://u@h/db"],
  ])("%s", (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it("masks password settings inside options and keeps the others", () => {
    const url = `postgresql://u@h/db?options=${encodeURIComponent("-c search_path=app -c app.password=topsecret --vault_token=t0k")}`;
    const masked = maskUrl(url);
    expect(masked).not.toContain("topsecret");
    expect(masked).not.toContain("t0k");
    expect(decodeURIComponent(masked)).toContain("search_path=app");
  });

  it("finds every secret, decoded and as written", () => {
    expect(urlSecrets("postgresql://u:p%40ss@h/db?password=q%26q&sslpassword=k")).toEqual(expect.arrayContaining(["p@ss", "p%40ss", "q&q", "k"]));
    expect(urlSecrets("postgresql://u@h/db?options=-c%20app.password%3Ds3")).toEqual(["s3"]);
    expect(urlSecrets("postgresql://u@h/db?passfile=/x")).toEqual([]);
  });
});

describe("githubMaskCommands", () => {
  const env = { GITHUB_ACTIONS: "true" };
  it("registers each line of a multi-line password, and the query-parameter password", () => {
    const lines = githubMaskCommands(["postgresql://u:line1%0Aline2@h/db", "postgresql://u@h/db?password=qp"], { reveal: true }, env);
    expect(lines).toEqual(expect.arrayContaining(["::add-mask::line1", "::add-mask::line2", "::add-mask::qp"]));
    for (const line of lines) expect(line).not.toMatch(/\n|\r/);
  });

  it("escapes the runner's command characters so the registered value is the secret itself", () => {
    const lines = githubMaskCommands(["postgresql://u:50%25off@h/db"], { reveal: true }, env);
    // The runner reads %25 as % in a command's value.
    expect(lines).toContain("::add-mask::50%25off");
  });
});

describe("withDatabase", () => {
  it("drops libpq's dbname parameter, which would win over the path", () => {
    expect(withDatabase("postgresql://u@h/prod?dbname=prod&sslmode=require", "snap")).toBe("postgresql://u@h/snap?sslmode=require");
    // and keeps the others as written (libpq does not read + as a space)
    expect(withDatabase("postgresql://u@h/?options=-c%20search_path%3Dapp&dbname=prod", "snap")).toBe("postgresql://u@h/snap?options=-c%20search_path%3Dapp");
  });
});

describe("error messages", () => {
  it("lose every secret of the connection strings in the environment", () => {
    const env = { DATABASE_URL: "postgresql://u:userPart1@h/db?password=queryPart2", DIRECT_URL: "postgres://u@h/db?sslpassword=keyPart3", HOME: "/root" };
    const secrets = environmentSecrets(env);
    const error = scrubError(
      { message: "could not connect to postgresql://u:userPart1@h/db?password=queryPart2 (key keyPart3)", hint: "retry with userPart1" },
      secrets,
    );
    expect(error.message).toBe("could not connect to postgresql://u:****@h/db?password=**** (key ****)");
    expect(error.hint).toBe("retry with ****");
  });

  it("mask URLs they quote whatever the password's length, and leave short words alone elsewhere", () => {
    const error = scrubError({ message: "dbship could not use postgresql://u:dbship@h/db", hint: "run dbship status" }, ["dbship"]);
    expect(error.message).toBe("dbship could not use postgresql://u:****@h/db");
    expect(error.hint).toBe("run dbship status");
  });
});
