// The workers of one process: the composition root adds them, starts them
// together and stops them together before it closes the clients they use, and
// the HTTP edge serves their health at GET /health/workers.
import type { Worker, WorkerHealth } from "./worker";

/** A worker this process does not run, and why (e.g. the outbox relay without Redis). */
export interface SkippedWorker {
  name: string;
  reason: string;
}

export interface WorkersHealth {
  /** False when any worker is unhealthy (see Worker's rule): GET /health/workers then answers 503. */
  healthy: boolean;
  workers: WorkerHealth[];
  skipped: SkippedWorker[];
}

/** More would be a mistake (a worker added per request): the health answer stays small. */
const WORKERS_MAX = 64;

export class WorkerRegistry {
  private readonly workers: Worker[] = [];
  private readonly skippedWorkers: SkippedWorker[] = [];

  add(worker: Worker): void {
    if (this.workers.length + this.skippedWorkers.length >= WORKERS_MAX)
      throw new Error(`at most ${WORKERS_MAX} workers per process`);
    if (this.has(worker.name)) throw new Error(`a worker named ${worker.name} is already registered`);
    this.workers.push(worker);
  }

  /** Records a worker that is not run in this process, so its health shows why. */
  skip(skipped: SkippedWorker): void {
    if (this.workers.length + this.skippedWorkers.length >= WORKERS_MAX)
      throw new Error(`at most ${WORKERS_MAX} workers per process`);
    if (this.has(skipped.name)) throw new Error(`a worker named ${skipped.name} is already registered`);
    this.skippedWorkers.push(skipped);
  }

  get(name: string): Worker | undefined {
    return this.workers.find((worker) => worker.name === name);
  }

  start(): void {
    for (const worker of this.workers) worker.start();
  }

  /** Resolves once every worker's pass in flight has finished. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  health(): WorkersHealth {
    const workers = this.workers.map((worker) => worker.health());
    return {
      healthy: workers.every((worker) => worker.healthy),
      workers,
      skipped: [...this.skippedWorkers],
    };
  }

  private has(name: string): boolean {
    return (
      this.workers.some((worker) => worker.name === name) ||
      this.skippedWorkers.some((skipped) => skipped.name === name)
    );
  }
}
