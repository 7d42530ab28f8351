//! Reading the CSV files administrators upload (RFC 4180, as spreadsheets save them): a header
//! line naming the columns, fields separated by commas or semicolons (a Russian-locale
//! spreadsheet saves with semicolons), quoted fields with doubled quotes inside, CRLF or LF
//! line ends, and a UTF-8 byte-order mark tolerated.

/// One data record: its line number in the file (the header is line 1) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Why a file could not be read as CSV at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvProblem {
    /// Not UTF-8 text.
    NotText,
    /// No header line.
    Empty,
    /// A quoted field is not closed by the end of the file (the line it starts on).
    UnclosedQuote(usize),
}

/// A parsed file: the header's column names (trimmed, lower case) and the records, with
/// blank lines skipped.
#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub records: Vec<Record>,
}

impl Table {
    /// The position of a column, by any of its accepted names.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| names.contains(&h.as_str()))
    }
}

pub fn parse(bytes: &[u8]) -> Result<Table, CsvProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvProblem::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    // The separator is the one the header uses more of.
    let sep = if first.matches(';').count() > first.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut rows: Vec<Record> = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            c if c == sep => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                rows.push(Record {
                    line: start,
                    fields: std::mem::take(&mut fields),
                });
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(CsvProblem::UnclosedQuote(start));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        rows.push(Record {
            line: start,
            fields,
        });
    }
    let mut rows = rows
        .into_iter()
        .filter(|r| r.fields.iter().any(|f| !f.trim().is_empty()));
    let header = rows.next().ok_or(CsvProblem::Empty)?;
    Ok(Table {
        header: header
            .fields
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect(),
        records: rows
            .map(|mut r| {
                for f in &mut r.fields {
                    *f = f.trim().to_owned();
                }
                r
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_separators_and_line_numbers() {
        let t = parse(
            "\u{feff}BIN;Name_RU\r\n\
             123;\"Акимат; \"\"Астана\"\"\"\r\n\
             \r\n\
             456;\"two\nlines\"\n\
             789;last"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(t.header, ["bin", "name_ru"]);
        assert_eq!(t.column(&["name_ru"]), Some(1));
        assert_eq!(
            t.records,
            [
                Record {
                    line: 2,
                    fields: vec!["123".into(), "Акимат; \"Астана\"".into()]
                },
                Record {
                    line: 4,
                    fields: vec!["456".into(), "two\nlines".into()]
                },
                Record {
                    line: 6,
                    fields: vec!["789".into(), "last".into()]
                },
            ]
        );
    }

    #[test]
    fn commas_by_default_and_problems_named() {
        let t = parse(b"a,b\n1,2\n").unwrap();
        assert_eq!(t.records[0].fields, ["1", "2"]);
        assert_eq!(parse(b"").unwrap_err(), CsvProblem::Empty);
        assert_eq!(parse(b"\n \n").unwrap_err(), CsvProblem::Empty);
        assert_eq!(
            parse(b"a,b\n1,\"open\n").unwrap_err(),
            CsvProblem::UnclosedQuote(2)
        );
        assert_eq!(parse(&[0xff, 0xfe]).unwrap_err(), CsvProblem::NotText);
    }
}
