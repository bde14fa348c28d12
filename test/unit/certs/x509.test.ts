import { describe, expect, it } from "@jest/globals";
import { parseCertificates, pemCertificateBlocks, primaryCertificate } from "../../../src/certs/x509.ts";
import { certificatePem, leafBundlePem } from "./fixtures.ts";

const LEAF_END = new Date("2027-03-01T12:00:00Z");
const CA_END = new Date("2035-02-27T12:00:00Z");

describe("reading certificates with Node's X509Certificate", () => {
  it("reads expiry, subject and the CA flag of a real certificate", () => {
    const [ca] = parseCertificates(
      certificatePem({
        commonName: "rke2-server-ca@1700000000",
        notBefore: new Date("2025-03-03T12:00:00Z"),
        notAfter: CA_END,
        isCA: true,
      }),
    );
    expect(ca).toEqual({
      subject: "CN=rke2-server-ca@1700000000",
      issuer: "CN=rke2-server-ca@1700000000",
      notBeforeMs: Date.parse("2025-03-03T12:00:00Z"),
      notAfterMs: CA_END.getTime(),
      isCA: true,
    });
  });

  it("treats a bundle (leaf, then the CA that signed it) as the leaf it is named after", () => {
    const bundle = leafBundlePem("system:admin", LEAF_END, CA_END);
    expect(pemCertificateBlocks(bundle)).toHaveLength(2);
    expect(parseCertificates(bundle).map((c) => [c.subject, c.isCA])).toEqual([
      ["CN=system:admin", false],
      ["CN=rke2-client-ca@1700000000", true],
    ]);
    expect(primaryCertificate(bundle)).toMatchObject({
      subject: "CN=system:admin",
      notAfterMs: LEAF_END.getTime(),
      isCA: false,
    });
  });

  it("ignores private keys and text around the blocks", () => {
    const text = [
      "# generated",
      "-----BEGIN EC PRIVATE KEY-----",
      "MHcCAQEE",
      "-----END EC PRIVATE KEY-----",
      certificatePem({ commonName: "x", notAfter: LEAF_END }),
      "trailing",
    ].join("\n");
    expect(primaryCertificate(text)?.subject).toBe("CN=x");
  });

  it("returns nothing for a file without certificates and names the broken block otherwise", () => {
    expect(primaryCertificate("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n")).toBeUndefined();
    const good = certificatePem({ commonName: "x", notAfter: LEAF_END });
    const broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    expect(() => parseCertificates(good + broken)).toThrow(/certificate 2 is not valid X.509/);
  });
});
