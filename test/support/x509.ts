/**
 * Issuing X.509 certificates in tests: node-forge assembles them (Node can parse certificates but
 * not issue them) and node:crypto signs them (forge's pure-JS RSA takes a second per signature).
 */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import forge from "node-forge";

export interface RsaKey {
  privateKey: KeyObject;
  publicKey: forge.pki.rsa.PublicKey;
}

export function newRsaKey(): RsaKey {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: pair.privateKey,
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey.export({ type: "spki", format: "pem" }).toString()),
  };
}

/** forge has it (it signs with it) but its type declarations leave it out. */
const tbsCertificateOf = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 })
  .getTBSCertificate;

/** Signs `cert` (sha256 with RSA) with the issuer's key; the certificate as PEM. */
export function signCertificate(cert: forge.pki.Certificate, issuerKey: KeyObject): string {
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption ?? "";
  cert.signatureOid = cert.siginfo.algorithmOid;
  cert.tbsCertificate = tbsCertificateOf(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), "binary");
  cert.signature = sign("sha256", tbs, issuerKey).toString("binary");
  return forge.pki.certificateToPem(cert);
}
