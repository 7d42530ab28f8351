//! Loading rulebooks and calendars: built into the binary, or from a folder.

use anyhow::{Context, Result};
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::rulebook::RulebookSet;
use std::path::Path;

/// The rulebooks shipped with the product (the `rulebooks/` folder at build time).
const EDITIONS: &[(&str, &str)] = &[
    (
        "LAW-221.toml",
        include_str!("../../../rulebooks/editions/LAW-221.toml"),
    ),
    (
        "APPC-2021.toml",
        include_str!("../../../rulebooks/editions/APPC-2021.toml"),
    ),
    (
        "EA-2011.toml",
        include_str!("../../../rulebooks/editions/EA-2011.toml"),
    ),
    (
        "VC-2016.toml",
        include_str!("../../../rulebooks/editions/VC-2016.toml"),
    ),
    (
        "VC-2021.toml",
        include_str!("../../../rulebooks/editions/VC-2021.toml"),
    ),
    (
        "VC-2023.toml",
        include_str!("../../../rulebooks/editions/VC-2023.toml"),
    ),
    (
        "VC-2026.toml",
        include_str!("../../../rulebooks/editions/VC-2026.toml"),
    ),
    (
        "PR-2023.toml",
        include_str!("../../../rulebooks/editions/PR-2023.toml"),
    ),
];

const CALENDARS: &[(&str, &str)] = &[("kz", include_str!("../../../rulebooks/calendars/kz.toml"))];

/// Loads the editions and the calendar `jurisdiction`, from `dir` if given.
pub fn load(dir: Option<&Path>, jurisdiction: &str) -> Result<(RulebookSet, WorkingCalendar)> {
    match dir {
        None => {
            let books = RulebookSet::from_toml_files(EDITIONS.iter().copied())?;
            let text = CALENDARS
                .iter()
                .find(|(j, _)| *j == jurisdiction)
                .map(|(_, t)| *t)
                .with_context(|| {
                    format!("no built-in calendar `{jurisdiction}`; use --rulebooks DIR")
                })?;
            Ok((books, WorkingCalendar::from_toml(text)?))
        }
        Some(dir) => {
            let mut files = Vec::new();
            let editions = dir.join("editions");
            let entries = std::fs::read_dir(&editions)
                .with_context(|| format!("cannot read {}", editions.display()))?;
            for e in entries {
                let path = e?.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    files.push((path.display().to_string(), text));
                }
            }
            let books =
                RulebookSet::from_toml_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))?;
            let cal_path = dir.join("calendars").join(format!("{jurisdiction}.toml"));
            let text = std::fs::read_to_string(&cal_path)
                .with_context(|| format!("cannot read {}", cal_path.display()))?;
            Ok((books, WorkingCalendar::from_toml(&text)?))
        }
    }
}

#[cfg(test)]
mod tests {
    /// GEN-01: the built-in rulebooks and the folder copy are the same data and both load.
    #[test]
    fn gen_01_built_in_and_folder_rulebooks_load() {
        let (books, cal) = super::load(None, "kz").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(books.all().len(), 8);
        assert_eq!(cal.jurisdiction(), "KZ");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rulebooks");
        let (books2, _) = super::load(Some(&dir), "kz").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(books2.all().len(), 8);
        assert!(super::load(None, "zz").is_err());
    }
}
