//! CSV that opens correctly in Excel: UTF-8 with a byte-order mark, CRLF
//! line ends, every field quoted when it needs to be, and cells that a
//! spreadsheet would run as a formula made inert.

/// Builds a CSV document row by row.
#[derive(Debug, Default)]
pub(crate) struct Csv {
    out: String,
}

impl Csv {
    pub fn new() -> Self {
        Self {
            out: String::from('\u{FEFF}'),
        }
    }

    pub fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut first = true;
        for field in fields {
            if !first {
                self.out.push(',');
            }
            first = false;
            push_field(&mut self.out, field.as_ref());
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn push_field(out: &mut String, field: &str) {
    // A leading = + - @ (or tab/CR) would make Excel evaluate the cell.
    let inert = matches!(
        field.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let needs_quotes = inert || field.contains([',', '"', '\r', '\n']) || field.starts_with(' ');
    if !needs_quotes {
        out.push_str(field);
        return;
    }
    out.push('"');
    if inert {
        out.push('\'');
    }
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_starts_with_a_bom_and_ends_rows_with_crlf() {
        let mut csv = Csv::new();
        csv.row(["時間", "氏名"]);
        csv.row(["9:00", "一宮　太郎"]);
        assert_eq!(csv.finish(), "\u{FEFF}時間,氏名\r\n9:00,一宮　太郎\r\n");
    }

    #[test]
    fn quotes_commas_and_line_breaks_are_quoted() {
        let mut csv = Csv::new();
        csv.row(["a,b", "say \"hi\"", "two\nlines", "plain"]);
        assert_eq!(
            csv.finish(),
            "\u{FEFF}\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain\r\n"
        );
    }

    #[test]
    fn formulas_are_made_inert() {
        let mut csv = Csv::new();
        csv.row(["=1+1", "@SUM(A1)", "-2"]);
        assert_eq!(csv.finish(), "\u{FEFF}\"'=1+1\",\"'@SUM(A1)\",\"'-2\"\r\n");
    }
}
