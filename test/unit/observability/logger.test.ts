import { expect, it } from "@jest/globals";
import { createLogger } from "../../../src/observability/logger.ts";

it("blanks out secrets wherever the redaction paths reach (docs/testing.md, safety invariant 8)", () => {
  const lines: string[] = [];
  const log = createLogger({ destination: { write: (line: string) => lines.push(line) } });
  log.info(
    {
      secretKey: "s3-secret",
      credentials: { accessKey: "AKIA-KEY", sessionToken: "tok-3141" },
      request: { headers: { authorization: "Bearer sa-token" } },
      secret: { data: { secretKey: "c2VjcmV0" } },
    },
    "reading storage",
  );
  expect(lines).toHaveLength(1);
  for (const secret of ["s3-secret", "AKIA-KEY", "tok-3141", "sa-token", "c2VjcmV0"])
    expect(lines[0]).not.toContain(secret);
  expect(lines[0]).toContain("[REDACTED]");
  expect(lines[0]).toContain("reading storage");
});
