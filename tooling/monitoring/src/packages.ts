// Prometheus and Alertmanager come from Debian's archive; this installs the missing ones.
import { execFileSync } from "node:child_process";
import { REQUIRED } from "./configs";

export function present(binary: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function missingPackages(): string[] {
  return [...new Set(REQUIRED.filter(([binary]) => !present(binary)).map(([, pkg]) => pkg))];
}

export function ensurePackages(log: (message: string) => void): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  log(`installing from Debian's archive: ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
      stdio: "inherit",
      env,
    });
  try {
    install();
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    install();
  }
  const still = missingPackages();
  if (still.length > 0) throw new Error(`could not install ${still.join(", ")}`);
}
