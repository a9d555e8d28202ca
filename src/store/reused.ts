/**
 * A statement the query builder builds and compiles once and the store runs again with new
 * values. A step's state change is the store's most frequent statement (~250,000 in a
 * 10,000-host run); building and compiling it anew each time made most of the store's garbage.
 *
 * The statement is built with a marker in place of each value; each marker is found again among
 * the compiled statement's parameters, and a later run puts its values in those places. Values
 * the builder writes into the SQL itself, not as parameters, cannot be reused this way: building
 * such a statement throws, naming the value.
 */
import { CompiledQuery, type Compilable } from 'kysely';

/** Stands for one named value while the statement is compiled. */
class Marker {
  constructor(readonly name: string) {}
}

export class ReusedStatement<V extends object, Row> {
  readonly #sql: string;
  /** Per parameter: the value's name, or the constant the statement was built with. */
  readonly #slots: readonly ({ readonly name: keyof V } | { readonly constant: unknown })[];

  /**
   * @param build the statement, built from `values` (markers, to be used as values only)
   * @param names the names of the values `build` reads
   */
  constructor(build: (values: V) => Compilable<Row>, names: readonly (keyof V & string)[]) {
    const markers = Object.fromEntries(names.map((name) => [name, new Marker(name)])) as V;
    const compiled = build(markers).compile();
    this.#sql = compiled.sql;
    this.#slots = compiled.parameters.map((p) =>
      p instanceof Marker ? { name: p.name as keyof V } : { constant: p },
    );
    const found = new Set(
      compiled.parameters.filter((p) => p instanceof Marker).map((p) => p.name),
    );
    const missing = names.filter((name) => !found.has(name));
    if (missing.length > 0)
      throw new Error(
        `a reused statement must take ${missing.join(', ')} as parameters: ${compiled.sql}`,
      );
  }

  /** The statement with `values` in the places of their markers. */
  with(values: V): CompiledQuery<Row> {
    const parameters = this.#slots.map((slot) =>
      'name' in slot ? (values[slot.name] as unknown) : slot.constant,
    );
    return CompiledQuery.raw(this.#sql, parameters);
  }
}
