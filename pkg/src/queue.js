// The exposure queue: first in, first out, with batches put back in front.

/**
 * A queue over one array and the index of its first item: taking from the
 * front moves the index (the array is compacted once half of it is spent),
 * so a full queue dropping its oldest event per new one costs the same at
 * 1 000 events as at 1 000 000 (an array's `splice(0, 1)` moves them all).
 * @template T
 */
export class Queue {
  /** @type {T[]} */
  #items = [];
  #head = 0;

  /** How many items wait. */
  get length() {
    return this.#items.length - this.#head;
  }

  /** The `i`th item from the front. @param {number} i */
  at(i) {
    return this.#items[this.#head + i];
  }

  /** The first `n` items, left in the queue. @param {number} n */
  first(n) {
    return this.#items.slice(this.#head, this.#head + n);
  }

  /** Adds `items` at the end. @param {T[]} items */
  push(items) {
    for (const item of items) this.#items.push(item);
  }

  /** Puts `items` back in front (a batch that was not delivered). @param {T[]} items */
  unshift(items) {
    const n = items.length;
    if (n <= this.#head) {
      this.#head -= n;
      for (let i = 0; i < n; i++) this.#items[this.#head + i] = items[i];
    } else {
      this.#items = items.concat(this.#items.slice(this.#head));
      this.#head = 0;
    }
  }

  /** Takes the first `n` items out. @param {number} n @returns {T[]} */
  take(n) {
    const end = Math.min(this.#head + n, this.#items.length);
    const out = this.#items.slice(this.#head, end);
    this.#items.fill(/** @type {any} */ (undefined), this.#head, end); // (no longer held)
    this.#head = end;
    if (this.#head == this.#items.length) (this.#items = []), (this.#head = 0);
    else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}
