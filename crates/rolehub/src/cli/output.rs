//! Printing results: aligned tables by default, JSON with `--json`.

use std::io::Write;

use serde_json::Value;

/// A table: a header and rows of cells.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Prints the table with columns padded to their widest cell.
    pub fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String]| -> String {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        writeln!(out, "{}", line(&self.header))?;
        writeln!(
            out,
            "{}",
            line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>())
        )?;
        for row in &self.rows {
            writeln!(out, "{}", line(row))?;
        }
        if self.rows.is_empty() {
            writeln!(out, "(none)")?;
        }
        Ok(())
    }
}

/// Prints a JSON value, pretty.
pub fn json(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}
