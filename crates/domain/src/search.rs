//! Full-text search over cards: what a user typed, reduced to the terms the store looks up.
//! The store searches each card's registration number (its parts and bare sequence number), who
//! applied (IIN/BIN and names) and its summary, and ranks matches in that order.
//!
//! The store matches every term as a word prefix (`жер` finds `жерге`, `земл` finds `земля`),
//! which serves Russian and Kazakh endings alike without a stemmer. Case is ignored.

use std::fmt;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most terms in one query; all must match.
pub const MAX_TERMS: usize = 8;
/// Longest term kept, in characters; longer words are cut (a prefix still matches).
pub const MAX_TERM_CHARS: usize = 40;

/// A parsed search: lower-case terms of letters and digits, all of which must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// Nothing searchable: no letters or digits.
    Empty,
    /// More than [`MAX_QUERY_CHARS`] characters.
    TooLong,
    /// More than [`MAX_TERMS`] words.
    TooManyTerms,
}

impl SearchError {
    /// The message key in the web's translations.
    pub fn message_key(&self) -> &'static str {
        match self {
            SearchError::Empty => "search-error-empty",
            SearchError::TooLong => "search-error-too-long",
            SearchError::TooManyTerms => "search-error-too-many",
        }
    }
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::Empty => write!(f, "the query has no letters or digits"),
            SearchError::TooLong => {
                write!(f, "the query is longer than {MAX_QUERY_CHARS} characters")
            }
            SearchError::TooManyTerms => write!(f, "the query has more than {MAX_TERMS} words"),
        }
    }
}

impl std::error::Error for SearchError {}

impl SearchQuery {
    pub fn parse(input: &str) -> Result<Self, SearchError> {
        if input.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::TooLong);
        }
        let mut terms: Vec<String> = Vec::new();
        for word in input.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            let term: String = word
                .chars()
                .flat_map(char::to_lowercase)
                .take(MAX_TERM_CHARS)
                .collect();
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.is_empty() {
            return Err(SearchError::Empty);
        }
        if terms.len() > MAX_TERMS {
            return Err(SearchError::TooManyTerms);
        }
        Ok(Self { terms })
    }

    /// The terms, lower-case, each only letters and digits (safe to quote into any full-text
    /// query language).
    pub fn terms(&self) -> &[String] {
        &self.terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_russian_and_kazakh_words_and_lowercases() {
        let q = SearchQuery::parse("Жер учаскесі, ЗЕМЕЛЬНЫЙ участок!").unwrap();
        assert_eq!(q.terms(), ["жер", "учаскесі", "земельный", "участок"]);
        let q = SearchQuery::parse("Әкімдік қабылдауы").unwrap();
        assert_eq!(q.terms(), ["әкімдік", "қабылдауы"]);
    }

    #[test]
    fn drops_punctuation_and_query_syntax() {
        let q = SearchQuery::parse("\"газ\" OR NEAR(вода*) -свет").unwrap();
        assert_eq!(q.terms(), ["газ", "or", "near", "вода", "свет"]);
        assert!(q
            .terms()
            .iter()
            .all(|t| t.chars().all(char::is_alphanumeric)));
    }

    #[test]
    fn keeps_repeated_words_once_and_cuts_long_ones() {
        let q = SearchQuery::parse("газ газ Газ").unwrap();
        assert_eq!(q.terms(), ["газ"]);
        let long = "а".repeat(100);
        let q = SearchQuery::parse(&long).unwrap();
        assert_eq!(q.terms()[0].chars().count(), MAX_TERM_CHARS);
    }

    #[test]
    fn refuses_empty_long_and_wordy_queries() {
        assert_eq!(SearchQuery::parse("  ,.!  "), Err(SearchError::Empty));
        assert_eq!(SearchQuery::parse(""), Err(SearchError::Empty));
        assert_eq!(
            SearchQuery::parse(&"я ".repeat(150)),
            Err(SearchError::TooLong)
        );
        assert_eq!(
            SearchQuery::parse("a b c d e f g h i"),
            Err(SearchError::TooManyTerms)
        );
        assert!(SearchQuery::parse("a b c d e f g h").is_ok());
    }
}
