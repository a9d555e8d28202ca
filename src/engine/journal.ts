/**
 * The engine's writer: group commit of step transitions and journal entries. The hosts of a
 * wave start and finish their steps at the same moments, so the writes asked for within one
 * turn of the event loop go to the database in one transaction; each caller's promise settles
 * when its write is durable — a side effect never starts before its "running" entry is.
 *
 * Every write holds the driver's clock (`busy`): on `sim` no simulated time passes while the
 * database works.
 */
import type { Driver } from '../drivers/driver.js';
import type { NewJournalEntry, StepRecord, StepTransition, Store } from '../store/index.js';

interface Pending {
  readonly step?: { readonly key: string; readonly transition: StepTransition };
  readonly entry?: NewJournalEntry;
  readonly resolve: (step: StepRecord | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** Most writes per transaction: bounded so one huge wave does not hold the write lock long. */
const MAX_BATCH = 2000;

export class JournalWriter {
  private queue: Pending[] = [];
  private flushing = false;
  /** Transactions written, and writes in them (for the bench: writes per transaction). */
  transactions = 0;
  writes = 0;

  constructor(
    private readonly store: Store,
    private readonly driver: Driver,
    private readonly runId: string,
  ) {}

  /** Moves a step and journals it; resolves once durable. */
  step(key: string, transition: StepTransition): Promise<StepRecord> {
    return new Promise<StepRecord | undefined>((resolve, reject) => {
      this.enqueue({ step: { key, transition }, resolve, reject });
    }) as Promise<StepRecord>;
  }

  /** Appends a journal entry (a host's or a VNF's); resolves once durable. */
  entry(entry: NewJournalEntry): Promise<void> {
    return new Promise<StepRecord | undefined>((resolve, reject) => {
      this.enqueue({ entry, resolve, reject });
    }).then(() => undefined);
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (!this.flushing) {
      this.flushing = true;
      // busy() holds the virtual clock from now until the batch is written.
      void this.driver.busy(() => this.flush());
    }
  }

  private async flush(): Promise<void> {
    try {
      // Let every write asked for in this turn join the batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        const steps = batch.filter((p) => p.step !== undefined);
        try {
          const records = await this.store.applyBatch(this.runId, {
            steps: steps.map((p) => p.step as NonNullable<Pending['step']>),
            entries: batch.flatMap((p) => (p.entry ? [p.entry] : [])),
          });
          this.transactions++;
          this.writes += batch.length;
          let i = 0;
          for (const p of batch) p.resolve(p.step ? records[i++] : undefined);
        } catch (error) {
          // One refused transition refuses the batch: write the others alone, so only the
          // refused caller sees its error.
          if (batch.length === 1) (batch[0] as Pending).reject(error);
          else await this.writeOneByOne(batch);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeOneByOne(batch: readonly Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        const [record] = await this.store.applyBatch(this.runId, {
          ...(p.step ? { steps: [p.step] } : {}),
          ...(p.entry ? { entries: [p.entry] } : {}),
        });
        this.transactions++;
        this.writes++;
        p.resolve(record);
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
