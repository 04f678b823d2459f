// The local cluster's test certificate authority (openssl): a CA made once under .cluster/tls, and one server
// certificate it signs for 127.0.0.1 and localhost, used by HAProxy's TLS fronts (the API and the console) and
// by every PostgreSQL node. Clients trust the CA file (sslrootcert, NODE_EXTRA_CA_CERTS, curl --cacert); nothing
// here is trusted by the system. Production uses certificates from its own CA or ACME, never these.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { RunAs } from "./processes";

export interface TlsFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Certificate then key, as HAProxy's `crt` wants them. */
  haproxyPem: string;
  /** Copies of the server pair owned by the postgres user (PostgreSQL refuses a key others can read). */
  postgresCert: string;
  postgresKey: string;
}

export function tlsFiles(root: string): TlsFiles {
  const dir = join(root, "tls");
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    haproxyPem: join(dir, "server.pem"),
    postgresCert: join(dir, "postgres", "server.crt"),
    postgresKey: join(dir, "postgres", "server.key"),
  };
}

/** Certificates last this long: a local cluster is recreated long before. */
const VALID_DAYS = "90";

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Makes the CA and the server certificate when missing (idempotent); returns the files. */
export function ensureTestCa(root: string, postgresUser: RunAs): TlsFiles {
  const files = tlsFiles(root);
  mkdirSync(files.dir, { recursive: true, mode: 0o755 });
  if (!existsSync(files.caCert) || !existsSync(files.caKey)) {
    openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      files.caKey,
      "-out",
      files.caCert,
      "-days",
      VALID_DAYS,
      "-subj",
      "/CN=paycore local test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    chmodSync(files.caKey, 0o600);
  }
  if (!existsSync(files.serverCert) || !existsSync(files.serverKey)) {
    const csr = join(files.dir, "server.csr");
    const extensions = join(files.dir, "server.ext");
    writeFileSync(
      extensions,
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    );
    openssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      files.serverKey,
      "-out",
      csr,
      "-subj",
      "/CN=localhost",
    ]);
    openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      files.caCert,
      "-CAkey",
      files.caKey,
      "-CAcreateserial",
      "-out",
      files.serverCert,
      "-days",
      VALID_DAYS,
      "-extfile",
      extensions,
    ]);
    chmodSync(files.serverKey, 0o600);
  }
  writeFileSync(
    files.haproxyPem,
    `${readFileSync(files.serverCert, "utf8")}${readFileSync(files.serverKey, "utf8")}`,
    { mode: 0o600 },
  );
  const postgresDir = join(files.dir, "postgres");
  mkdirSync(postgresDir, { recursive: true, mode: 0o700 });
  chownSync(postgresDir, postgresUser.uid, postgresUser.gid);
  for (const [from, to] of [
    [files.serverCert, files.postgresCert],
    [files.serverKey, files.postgresKey],
  ] as const) {
    copyFileSync(from, to);
    chmodSync(to, 0o600);
    chownSync(to, postgresUser.uid, postgresUser.gid);
  }
  return files;
}
