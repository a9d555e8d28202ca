/**
 * The digital twin's virtual clock: a discrete-event queue (a binary heap keyed by virtual time,
 * then by insertion order, so that events at the same time fire in the order they were
 * registered: deterministic). No wall time passes for a virtual wait: a simulated hour takes
 * milliseconds.
 *
 * Quiescence rule — when the clock may advance:
 *   1. no caller is inside `busy(work)` (the engine's own I/O: journal writes, planning), and
 *   2. nothing new happened for one whole macrotask turn: a check is queued with `setImmediate`
 *      (which runs only after the microtask queue has drained and after pending I/O callbacks);
 *      if in the meantime an event was registered or a `busy` section began or ended, the turn
 *      is not quiet and the check is queued again.
 * Then the clock jumps to the earliest event time and fires every event due at that time, in
 * insertion order. Their continuations (microtasks) run before the next check, so a caller
 * that sleeps again registers its next event before the clock can move on.
 *
 * Consequence for callers: code that awaits real I/O (a database, a file) while the simulation
 * runs must do it inside `busy()`, or the virtual clock may run ahead meanwhile.
 *
 * Position, for replaying a log of calls (persist.ts): the time and the number of batches fired
 * at that time that held at least one of the twin's own events. A caller's waits are marked
 * `external` and do not count: a replay, which has no caller, still finds every call's place
 * among the twin's own events. `step()` and `jumpTo()` move the clock by hand for that replay,
 * while it is held with `busy()`.
 */

/** A scheduled event: cancel it to make it never fire. */
export interface TimerHandle {
  readonly at: number;
  cancel(): void;
}

export interface EventOptions {
  /** A caller's own wait, not the twin's: its batch is not counted in `position()`. */
  readonly external?: boolean;
}

/** Where the clock stands: its time, and the counted batches fired at that time. */
export interface ClockPosition {
  readonly time: number;
  readonly batches: number;
}

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly external: boolean;
  fire: (() => void) | undefined;
}

/** Binary min-heap of entries by (at, seq). */
class EventHeap {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  some(test: (entry: Entry) => boolean): boolean {
    return this.items.some(test);
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(entry: Entry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as Entry;
      if (!before(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(items[right] as Entry, items[left] as Entry)) child = right;
      if (!before(items[child] as Entry, last)) break;
      items[i] = items[child] as Entry;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class VirtualClock {
  private time: number;
  private seq = 0;
  private readonly heap = new EventHeap();
  private busyCount = 0;
  /** Bumped by everything that makes a turn "not quiet". */
  private activity = 0;
  private checkQueued = false;
  private idleWaiters: (() => void)[] = [];
  /** Counted batches fired at the current time. */
  private batchesHere = 0;
  /** Told after each batch that moved the time (persist.ts logs it). */
  onAdvance: ((position: ClockPosition) => void) | undefined;

  constructor(start = 0) {
    this.time = start;
  }

  /** Virtual time in seconds. */
  now(): number {
    return this.time;
  }

  /** Events waiting to fire (cancelled ones included until they are reached). */
  get pending(): number {
    return this.heap.size;
  }

  /** Where the clock stands (see the header). */
  position(): ClockPosition {
    return { time: this.time, batches: this.batchesHere };
  }

  /** Run `fire` at virtual time `at` (never earlier than now). */
  at(at: number, fire: () => void, options?: EventOptions): TimerHandle {
    const entry: Entry = {
      at: Math.max(at, this.time),
      seq: this.seq++,
      external: options?.external === true,
      fire,
    };
    this.heap.push(entry);
    this.touch();
    return {
      at: entry.at,
      cancel: () => {
        entry.fire = undefined;
      },
    };
  }

  /** Run `fire` after `seconds` of virtual time. */
  after(seconds: number, fire: () => void, options?: EventOptions): TimerHandle {
    return this.at(this.time + Math.max(0, seconds), fire, options);
  }

  /** Wait `seconds` of virtual time. */
  sleep(seconds: number, options?: EventOptions): Promise<void> {
    return new Promise((resolve) => {
      this.after(seconds, resolve, options);
    });
  }

  /** Whether any event of the twin's own (not a caller's wait) is still to fire. */
  hasOwnEvents(): boolean {
    return this.heap.some((e) => e.fire !== undefined && !e.external);
  }

  /** Time of the next event to fire, if any. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap.peek()?.at;
  }

  /**
   * Replay only, with the clock held by `busy()`: fire the next batch now, as a quiet turn would.
   * False when no event is left.
   */
  step(): boolean {
    this.dropCancelled();
    if (this.heap.size === 0) return false;
    this.fireBatch();
    return true;
  }

  /**
   * Replay and restore only: move to `time` (not before now, nor past a pending event) and
   * take `batches` as the count fired there when that is more than the clock has seen.
   */
  jumpTo(time: number, batches = 0): void {
    const next = this.nextAt();
    if (time < this.time || (next !== undefined && next < time))
      throw new RangeError(
        `cannot move the clock from ${this.time} to ${time} (next event at ${next})`,
      );
    if (time > this.time) {
      this.time = time;
      this.batchesHere = 0;
    }
    this.batchesHere = Math.max(this.batchesHere, batches);
  }

  /** Hold the clock while `work` runs. */
  async busy<T>(work: () => Promise<T>): Promise<T> {
    this.busyCount++;
    this.activity++;
    try {
      return await work();
    } finally {
      this.busyCount--;
      this.touch();
    }
  }

  /** Resolves once no event is left and the system is quiescent. */
  runUntilIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.touch();
    });
  }

  private touch(): void {
    this.activity++;
    if (!this.checkQueued) this.queueCheck();
  }

  private queueCheck(): void {
    this.checkQueued = true;
    const seen = this.activity;
    setImmediate(() => this.check(seen));
  }

  private check(seen: number): void {
    this.checkQueued = false;
    if (this.busyCount > 0) return; // the end of the busy section queues the next check
    if (this.activity !== seen) {
      this.queueCheck();
      return;
    }
    this.dropCancelled();
    if (this.heap.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    const moved = this.fireBatch();
    if (moved) this.onAdvance?.(this.position());
    this.activity++;
    this.queueCheck();
  }

  /** Fires every event due at the earliest time; true when the time moved. */
  private fireBatch(): boolean {
    const first = this.heap.peek() as Entry;
    const moved = first.at !== this.time;
    if (moved) {
      this.time = first.at;
      this.batchesHere = 0;
    }
    let counted = false;
    while (this.heap.peek()?.at === this.time) {
      const entry = this.heap.pop() as Entry;
      const fire = entry.fire;
      entry.fire = undefined;
      if (fire !== undefined && !entry.external) counted = true;
      fire?.();
    }
    if (counted) this.batchesHere++;
    return moved;
  }

  private dropCancelled(): void {
    while (this.heap.size > 0 && this.heap.peek()?.fire === undefined) this.heap.pop();
  }
}
