/**
 * node:http and node:https, required rather than imported. An ES import of a builtin builds its
 * namespace by reading every export, and node:http's WebSocket, CloseEvent and MessageEvent are
 * getters that load Node's bundled undici and http2 (about 5 MB of RSS and 2 MB of heap in Node 24,
 * docs/upgrades.md); require() leaves them unread.
 */
import type * as HttpModule from "node:http";
import type * as HttpsModule from "node:https";
import { createRequire } from "node:module";

const requireBuiltin = createRequire(import.meta.url);

export const http = requireBuiltin("node:http") as typeof HttpModule;
export const https = requireBuiltin("node:https") as typeof HttpsModule;
