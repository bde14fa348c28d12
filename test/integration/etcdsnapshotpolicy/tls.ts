/**
 * A throwaway certificate authority for the HTTPS tests: a self-signed CA and serving
 * certificates it issues (SAN IP addresses, serverAuth), each with its own RSA key, issued with
 * test/support/x509.ts.
 */
import forge from "node-forge";
import { newRsaKey, signCertificate } from "../../support/x509.ts";

const DAY_MS = 86_400_000;

let serial = 1;

function skeleton(publicKey: forge.pki.rsa.PublicKey, commonName: string, issuer: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 30 * DAY_MS);
  cert.setSubject([{ name: "commonName", value: commonName }]);
  cert.setIssuer([{ name: "commonName", value: issuer }]);
  return cert;
}

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
}

export interface TestCa {
  /** The CA certificate: what a client is told to trust. */
  certPem: string;
  /** A serving certificate for these IP addresses, signed by this CA. */
  issue(commonName: string, ips: string[]): ServingCertificate;
}

export function createTestCa(commonName: string): TestCa {
  const caKey = newRsaKey();
  const ca = skeleton(caKey.publicKey, commonName, commonName);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  const certPem = signCertificate(ca, caKey.privateKey);
  return {
    certPem,
    issue(leafName, ips) {
      const key = newRsaKey();
      const leaf = skeleton(key.publicKey, leafName, commonName);
      leaf.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: ips.map((ip) => ({ type: 7, ip })) },
      ]);
      return {
        certPem: signCertificate(leaf, caKey.privateKey),
        keyPem: key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      };
    },
  };
}
