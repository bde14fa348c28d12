/**
 * A throwaway certificate authority for the HTTPS tests: a self-signed CA and serving
 * certificates it issues (SAN IP addresses, serverAuth), each with its own RSA key. node-forge
 * assembles the certificates (Node can parse them but not issue them) and node:crypto signs them
 * (forge's pure-JS RSA is slow), as test/unit/certs/fixtures.ts does.
 */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import forge from "node-forge";

const DAY_MS = 86_400_000;

/** forge has it (it signs with it) but its type declarations leave it out. */
const tbsCertificateOf = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;

interface Key {
  privateKey: KeyObject;
  publicKey: forge.pki.rsa.PublicKey;
}

function newKey(): Key {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey: pair.privateKey, publicKey: forge.pki.publicKeyFromPem(pair.publicKey.export({ type: "spki", format: "pem" }).toString()) };
}

let serial = 1;

function signed(cert: forge.pki.Certificate, issuerKey: KeyObject): string {
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption ?? "";
  cert.signatureOid = cert.siginfo.algorithmOid;
  cert.tbsCertificate = tbsCertificateOf(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), "binary");
  cert.signature = sign("sha256", tbs, issuerKey).toString("binary");
  return forge.pki.certificateToPem(cert);
}

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
  const caKey = newKey();
  const ca = skeleton(caKey.publicKey, commonName, commonName);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  const certPem = signed(ca, caKey.privateKey);
  return {
    certPem,
    issue(leafName, ips) {
      const key = newKey();
      const leaf = skeleton(key.publicKey, leafName, commonName);
      leaf.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: ips.map((ip) => ({ type: 7, ip })) },
      ]);
      return { certPem: signed(leaf, caKey.privateKey), keyPem: key.privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
    },
  };
}
