//! The TypeScript declarations that have no Rust type to be generated from.
//!
//! Everything else in the `.d.ts` is generated: the exports by `wasm-bindgen`, the options
//! and results by tsify from their Rust types (`options`, `outputs`, `error`, and the
//! core's reports and records with its `tsify` feature). What is left here: the error
//! class (a JS `Error` with extra properties), the page object `nextPage()` builds in
//! JavaScript, a report's ping entry (a verdict union flattened into an object, which
//! tsify would declare as an interface extending a union), and the async-iterator side of the `Changefeed` class.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const HAND_WRITTEN: &'static str = r#"
/** Every promise of this package rejects with one of these. */
export interface MsrLensError extends Error {
  name: "MsrLensError";
  kind: MsrLensErrorKind;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The server's error code (`NOT_AUTHENTICATED`, `UNAUTHORIZED`, ...), when sent. */
  code?: string;
}

/** One replica's ping in a `HealthReport`: its label and what its `/_ping` said. */
export type PingEntry = { label: string } & PingVerdict;

/** One page of `nextPage()`, in server order (oldest → newest). */
export interface ChangePage {
  records: ChangeRecord[];
  /** After the records seen so far (`append`) or before them (`prepend`, older pages). */
  placement: "append" | "prepend";
  /**
   * The records became visible late: in server order they lie before records already
   * delivered (a page is either all late or none; late pages are `append`).
   */
  late: boolean;
}

/** Declaration merging: what `nextPage()` and `follow()` add to a generated record. */
export interface ChangeRecord {
  /**
   * `true` on a record that became visible late (`follow()` and the end of a backfill
   * re-read a window behind the cursor): in server order it lies before records already
   * delivered. Absent otherwise.
   */
  late?: true;
}

export interface Changefeed extends AsyncIterable<ChangeRecord> {
  [Symbol.asyncIterator](): Changefeed;
}
"#;
