//! Trust records as CSV for people: the cell and row writer that every export uses (the
//! audit view's "Export CSV", and a command-line `--format csv`), so that all of them
//! quote the same way and none of them hands a spreadsheet a formula.
//!
//! Record fields are server text. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is read as a formula by Excel, LibreOffice and Google Sheets (CSV
//! injection: `=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). Such a cell is neutralised the way
//! OWASP recommends: prefixed with `'` and quoted, so it opens as text. Cells with a `,`,
//! `"`, CR or LF are quoted (RFC 4180, `"` doubled); all others are written as they are.
//!
//! ```
//! use msr_lens_core::export::{CSV_COLUMNS, push_csv_row};
//!
//! let mut csv = String::new();
//! push_csv_row(&mut csv, CSV_COLUMNS);
//! push_csv_row(&mut csv, ["7", "2026-03-02T10:15:00Z", "=HYPERLINK(\"x\")", "2", "update", ""]);
//! assert_eq!(
//!     csv,
//!     "id,created_at,gun,version,category,sha256\n7,2026-03-02T10:15:00Z,\"'=HYPERLINK(\"\"x\"\")\",2,update,\n"
//! );
//! ```

/// The columns of a CSV export of trust records, in order (notary's fields, snake case).
pub const CSV_COLUMNS: [&str; 6] = ["id", "created_at", "gun", "version", "category", "sha256"];

/// Whether a spreadsheet would read a cell starting like `cell` as a formula.
pub fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Append one CSV cell: neutralised when it would be a formula (`'` in front, quoted),
/// quoted when it holds a `,`, `"`, CR or LF, else as it is.
pub fn push_csv_cell(out: &mut String, cell: &str) {
    let formula = is_formula(cell);
    if !formula && !cell.contains([',', '"', '\n', '\r']) {
        out.push_str(cell);
        return;
    }
    out.push('"');
    if formula {
        out.push('\'');
    }
    out.push_str(&cell.replace('"', "\"\""));
    out.push('"');
}

/// Append one CSV row: the cells separated by `,`, then `\n`.
pub fn push_csv_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_csv_cell(out, cell);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        push_csv_row(&mut out, cells.iter().copied());
        out
    }

    #[test]
    fn formulas_open_as_text() {
        for (cell, written) in [
            ("=1+2", r#""'=1+2""#),
            ("+1", r#""'+1""#),
            ("-2+3", r#""'-2+3""#),
            ("@SUM(A1)", r#""'@SUM(A1)""#),
            ("\t=1", "\"'\t=1\""),
            ("\r=1", "\"'\r=1\""),
            (
                r#"=HYPERLINK("http://x","y")"#,
                r#""'=HYPERLINK(""http://x"",""y"")""#,
            ),
            ("=cmd|' /C calc'!A0", r#""'=cmd|' /C calc'!A0""#),
        ] {
            assert!(is_formula(cell), "{cell:?}");
            assert_eq!(row(&[cell]), format!("{written}\n"), "{cell:?}");
        }
    }

    #[test]
    fn plain_cells_stay_and_special_ones_are_quoted() {
        assert_eq!(
            row(&[
                "12",
                "2026-03-02T10:15:00.123456Z",
                "h:443/ns/r",
                "2",
                "update",
                ""
            ]),
            "12,2026-03-02T10:15:00.123456Z,h:443/ns/r,2,update,\n"
        );
        assert_eq!(
            row(&["a,b", "say \"hi\"", "x\ny"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\n"
        );
        // Only the first character counts; a formula sign inside is text.
        assert_eq!(row(&["a=1", "1-2", "x@y"]), "a=1,1-2,x@y\n");
        assert!(!is_formula("") && !is_formula("'=1") && !is_formula(" =1"));
        assert_eq!(
            row(&CSV_COLUMNS),
            "id,created_at,gun,version,category,sha256\n"
        );
    }
}
