//! What a modify-users file's problems say, in English and Dutch: every sentence of the upload's
//! row and file errors lives here, so that the two languages are written, read and tested side by
//! side.
//!
//! A row problem says what is wrong with the cell or row only; its row, column and rule travel
//! beside it ([`super::RowError`]), and every page, answer and report shows them in their own
//! places, so no sentence repeats them.

use rolehub_domain::{quoted, Lang, Refusal, Text};

/// A rule's refusal of a row, in both languages (the sentence names the rule).
pub(super) fn refusal(refusal: &Refusal) -> Text {
    Text::by_lang(|lang| refusal.message(lang))
}

/// The key cell of a row is empty.
pub(super) fn key_empty(key_column: &str) -> Text {
    Text::new(
        format!("{} is empty", quoted(key_column)),
        format!("{} is leeg", quoted(key_column)),
    )
}

/// A second row for the same person.
pub(super) fn repeated(email: &str) -> Text {
    Text::new(
        format!("{} appears in an earlier row too", quoted(email)),
        format!("{} staat ook in een eerdere rij", quoted(email)),
    )
}

/// A row for someone who is not a user of the org.
pub(super) fn not_a_user(email: &str) -> Text {
    Text::new(
        format!("{} is not a user of this organization", quoted(email)),
        format!("{} is geen gebruiker van deze organisatie", quoted(email)),
    )
}

/// A status cell other than `active` or `inactive`.
pub(super) fn not_a_status(cell: &str) -> Text {
    Text::new(
        format!(
            "{} is not {} or {}",
            quoted(cell),
            quoted("active"),
            quoted("inactive")
        ),
        format!(
            "{} is niet {} of {}",
            quoted(cell),
            quoted("active"),
            quoted("inactive")
        ),
    )
}

/// A location the org does not have.
pub(super) fn not_a_location(cell: &str) -> Text {
    Text::new(
        format!("{} is not a location of this organization", quoted(cell)),
        format!("{} is geen locatie van deze organisatie", quoted(cell)),
    )
}

/// A license cell other than TRUE, FALSE or empty.
pub(super) fn not_a_bool(cell: &str) -> Text {
    Text::new(
        format!("{} is not TRUE, FALSE or empty", quoted(cell)),
        format!("{} is niet TRUE, FALSE of leeg", quoted(cell)),
    )
}

/// A problem of the header, at a column counted from 1.
pub(super) fn in_header(column: usize, problem: Text) -> Text {
    problem.map(|lang, words| match lang {
        Lang::En => format!("header, column {column}: {words}"),
        Lang::Nl => format!("kopregel, kolom {column}: {words}"),
    })
}

/// A meetings-host column for a site the org does not have.
pub(super) fn unknown_site_column(column: &str) -> Text {
    Text::new(
        format!(
            "{} names a site this organization does not have",
            quoted(column)
        ),
        format!(
            "{} noemt een site die deze organisatie niet heeft",
            quoted(column)
        ),
    )
}

/// A header cell that is no column of the template; `columns` are the template's.
pub(super) fn not_a_column(column: &str, columns: &str) -> Text {
    Text::new(
        format!(
            "{} is not a column of the template; columns are {columns}",
            quoted(column)
        ),
        format!(
            "{} is geen kolom van de sjabloon; de kolommen zijn {columns}",
            quoted(column)
        ),
    )
}

/// A column named twice.
pub(super) fn column_twice(column: &str) -> Text {
    Text::new(
        format!("{} appears twice", quoted(column)),
        format!("{} staat er twee keer in", quoted(column)),
    )
}

/// The key column is missing.
pub(super) fn key_column_missing(key_column: &str) -> Text {
    Text::new(
        format!("the required column {} is missing", quoted(key_column)),
        format!("de verplichte kolom {} ontbreekt", quoted(key_column)),
    )
}

/// A line of the file, as a spreadsheet counts them (the header is line 1).
pub(super) fn line(line: u64) -> Text {
    Text::new(format!("line {line}"), format!("regel {line}"))
}

/// The file as a whole, where no line can be named.
pub(super) fn the_file() -> Text {
    Text::new("the file", "het bestand")
}

/// A data row, counted from 1 after the header.
pub(super) fn row(row: usize) -> Text {
    Text::new(format!("row {row}"), format!("rij {row}"))
}

/// A place and what is wrong there, as one sentence.
pub(super) fn at(place: Text, problem: Text) -> Text {
    Text::by_lang(|lang| format!("{}: {}", place.get(lang), problem.get(lang)))
}

/// The file holds the NUL character.
pub(super) fn nul() -> Text {
    Text::new(
        "the file contains the NUL character; save it as UTF-8 text (R-CSV-2)",
        "het bestand bevat het NUL-teken; sla het op als UTF-8-tekst (R-CSV-2)",
    )
}

/// The file has more data rows than one upload takes.
pub(super) fn too_many_rows(max_rows: usize) -> Text {
    let setting = quoted("uploads.max_rows");
    Text::new(
        format!(
            "the file has more than {max_rows} rows, the most taken at once (setting {setting}); \
             split it into smaller files"
        ),
        format!(
            "het bestand heeft meer dan {max_rows} rijen, het meeste dat in één keer wordt \
             aangenomen (instelling {setting}); splits het in kleinere bestanden"
        ),
    )
}

/// A line with another number of cells than the header.
pub(super) fn unequal_lengths(len: u64, expected_len: u64) -> Text {
    Text::new(
        format!(
            "it has {len} cells where the header has {expected_len}; every line needs the \
             header's columns"
        ),
        format!(
            "er staan {len} cellen waar de kopregel er {expected_len} heeft; elke regel heeft de \
             kolommen van de kopregel nodig"
        ),
    )
}

/// Bytes that are not UTF-8.
pub(super) fn not_utf8() -> Text {
    Text::new(
        "it is not UTF-8 text; save the file as \"CSV UTF-8\"",
        "het is geen UTF-8-tekst; sla het bestand op als \"CSV UTF-8\"",
    )
}

/// The file could not be read at all.
pub(super) fn unreadable() -> Text {
    Text::new(
        "the file could not be read",
        "het bestand kon niet worden gelezen",
    )
}

/// Anything else the CSV reader refuses.
pub(super) fn not_csv() -> Text {
    Text::new(
        "it is not written as CSV (check its quotes)",
        "het is niet als CSV geschreven (controleer de aanhalingstekens)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sentence, with sample values.
    fn all() -> Vec<Text> {
        vec![
            key_empty("User ID/Email"),
            repeated("a@b.example"),
            not_a_user("a@b.example"),
            not_a_status("maybe"),
            not_a_location("Mars"),
            not_a_bool("yes"),
            in_header(2, not_a_column("Stat", "Status")),
            unknown_site_column("Webex Meetings Host (x.example)"),
            column_twice("Status"),
            key_column_missing("User ID/Email"),
            at(line(3), not_csv()),
            at(the_file(), unreadable()),
            at(row(4), too_many_rows(3)),
            nul(),
            unequal_lengths(3, 2),
            not_utf8(),
        ]
    }

    #[test]
    fn every_problem_reads_in_dutch_and_shows_values_without_backticks() {
        for text in all() {
            let (en, nl) = (text.get(Lang::En), text.get(Lang::Nl));
            assert_ne!(en, nl, "not translated: {en}");
            assert!(!en.contains('`') && !nl.contains('`'), "{en} / {nl}");
        }
        assert_eq!(
            not_a_status("maybe").get(Lang::Nl),
            "“maybe” is niet “active” of “inactive”"
        );
        assert_eq!(
            at(line(3), not_csv()).get(Lang::Nl),
            "regel 3: het is niet als CSV geschreven (controleer de aanhalingstekens)"
        );
    }
}
