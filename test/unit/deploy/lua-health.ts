/**
 * Runs an Argo CD health script the way Argo CD does: the object as the global `obj` (JSON turned
 * into Lua tables, arrays 1-based, null as nil), the script's returned table as the verdict.
 * Argo CD embeds gopher-lua (Lua 5.1); wasmoon is Lua 5.4, so the scripts keep to the common subset
 * (luaOnly51Syntax checks the constructs 5.1 lacks).
 */
import { LuaFactory } from "wasmoon";

export interface HealthStatus {
  status: string;
  message: string;
}

function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += byte >= 0x20 && byte < 0x7f && char !== '"' && char !== "\\" ? char : `\\${String(byte).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** A Lua expression that builds the same value as the JSON `value`. */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return luaString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(", ")}}`;
  if (typeof value === "object") {
    const fields = Object.entries(value).map(([key, field]) => `[${luaString(key)}] = ${luaLiteral(field)}`);
    return `{${fields.join(", ")}}`;
  }
  throw new Error(`cannot turn ${typeof value} into Lua`);
}

const factory = new LuaFactory();

export async function runHealthCheck(script: string, object: unknown): Promise<HealthStatus> {
  const engine = await factory.createEngine();
  try {
    const result: unknown = await engine.doString(
      `obj = ${luaLiteral(object)}\nlocal function health()\n${script}\nend\nreturn health()`,
    );
    if (result === null || typeof result !== "object") throw new Error(`the script returned ${String(result)}`);
    const { status, message } = result as Record<string, unknown>;
    if (typeof status !== "string" || typeof message !== "string")
      throw new Error(`the script returned ${JSON.stringify(result)}`);
    return { status, message };
  } finally {
    engine.global.close();
  }
}

/** Constructs of Lua 5.2+ that gopher-lua (5.1) rejects. */
export function luaOnly51Syntax(script: string): string[] {
  const code = script.replace(/--.*$/gm, "").replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const newer: [RegExp, string][] = [
    [/\bgoto\b/, "goto"],
    [/::\w+::/, "labels"],
    [/\/\//, "integer division"],
    [/[&|]|~[^=]|<<|>>/, "bitwise operators"],
    [/<const>|<close>/, "attributes"],
  ];
  return newer.filter(([pattern]) => pattern.test(code)).map(([, name]) => name);
}
