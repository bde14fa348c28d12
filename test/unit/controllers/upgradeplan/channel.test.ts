import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpChannelResolver, versionFromReleaseUrl } from "../../../../src/controllers/upgradeplan/channel.ts";

describe("versionFromReleaseUrl", () => {
  it.each<[string, string | undefined]>([
    ["https://github.com/rancher/rke2/releases/tag/v1.31.4%2Brke2r1", "v1.31.4+rke2r1"],
    ["https://github.com/rancher/rke2/releases/tag/v1.31.4+rke2r1", "v1.31.4+rke2r1"],
    ["https://github.com/rancher/rke2/releases/tag/v1.32.0-rc2%2Brke2r1/", "v1.32.0-rc2+rke2r1"],
    ["https://github.com/rancher/rke2/releases", undefined],
    ["not a url at all", undefined],
  ])("%s -> %s", (url, expected) => {
    expect(versionFromReleaseUrl(url)).toBe(expected);
  });
});

describe("createHttpChannelResolver against a local update server", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      switch (req.url) {
        case "/v1-release/channels/stable":
          res
            .writeHead(302, { Location: "https://github.com/rancher/rke2/releases/tag/v1.31.4%2Brke2r1" })
            .end('<a href="...">Found</a>.');
          return;
        case "/v1-release/channels/relative":
          res.writeHead(307, { Location: "/rancher/rke2/releases/tag/v1.30.8%2Brke2r1" }).end();
          return;
        case "/v1-release/channels/odd":
          res.writeHead(302, { Location: "https://example.com/somewhere" }).end();
          return;
        case "/releases/v1.31.1+rke2r1":
          res.writeHead(200).end("ok");
          return;
        default:
          res.writeHead(404, "Not Found").end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const resolver = createHttpChannelResolver({ timeoutMs: 2000 });

  it("reads the version from the redirect without following it", async () => {
    await expect(resolver.resolve(`${base}/v1-release/channels/stable`)).resolves.toBe("v1.31.4+rke2r1");
  });
  it("resolves a relative Location against the channel URL", async () => {
    await expect(resolver.resolve(`${base}/v1-release/channels/relative`)).resolves.toBe("v1.30.8+rke2r1");
  });
  it("accepts a URL that already ends in the version (as system-upgrade-controller does)", async () => {
    await expect(resolver.resolve(`${base}/releases/v1.31.1+rke2r1`)).resolves.toBe("v1.31.1+rke2r1");
  });
  it("explains a redirect that names no version, an error status and an unreachable server", async () => {
    await expect(resolver.resolve(`${base}/v1-release/channels/odd`)).rejects.toThrow(
      "redirects to https://example.com/somewhere, whose last path segment is not an RKE2 version",
    );
    await expect(resolver.resolve(`${base}/v1-release/channels/missing`)).rejects.toThrow(
      `channel ${base}/v1-release/channels/missing answered 404 Not Found`,
    );
    await expect(resolver.resolve("http://127.0.0.1:1/v1-release/channels/stable")).rejects.toThrow(
      "cannot reach channel",
    );
  });
});
