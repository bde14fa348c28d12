/**
 * The line-length rule of eslint.config.mjs: the project's own options, read from the config that
 * `npm run lint` uses, refuse a 121-character line and accept a 120-character one.
 */
import { describe, expect, it } from "@jest/globals";
import stylistic from "@stylistic/eslint-plugin";
import { ESLint, type Linter } from "eslint";
import tseslint from "typescript-eslint";

const ROOT = new URL("../../../", import.meta.url).pathname;
const RULE = "@stylistic/max-len";

async function projectRule(file: string): Promise<Linter.RuleEntry | undefined> {
  const config = (await new ESLint({ cwd: ROOT }).calculateConfigForFile(`${ROOT}${file}`)) as Linter.Config;
  return config.rules?.[RULE];
}

async function violations(file: string, line: string): Promise<string[]> {
  const rule = await projectRule(file);
  if (rule === undefined) throw new Error(`${RULE} is not configured for ${file}`);
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ["**/*.ts"],
        languageOptions: { parser: tseslint.parser },
        plugins: { "@stylistic": stylistic },
        rules: { [RULE]: rule },
      },
    ],
  });
  const [result] = await eslint.lintText(`${line}\n`, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? []).map((message) => message.message);
}

/** A statement exactly `length` characters long. */
function lineOf(length: number): string {
  const head = `const text = "`;
  const tail = `";`;
  return head + "x".repeat(length - head.length - tail.length) + tail;
}

describe("line length", () => {
  it.each(["src/runtime/probe.ts", "test/unit/probe.test.ts"])("%s: a 121-character line fails", async (file) => {
    const line = lineOf(121);
    expect(line).toHaveLength(121);
    expect(await violations(file, line)).toEqual(["This line has a length of 121. Maximum allowed is 120."]);
  });

  it.each(["src/runtime/probe.ts", "test/unit/probe.test.ts"])("%s: a 120-character line passes", async (file) => {
    expect(await violations(file, lineOf(120))).toEqual([]);
  });
});
