//! The `log=` filter of the kernel command line, RUST_LOG-style: a default
//! level plus per-source overrides (`warn,acpi=debug,mem=trace`).

use log::LevelFilter;

const MAX_DIRECTIVES: usize = 8;
const TARGET_LEN: usize = 24;

#[derive(Clone, Copy)]
struct Directive {
    target: [u8; TARGET_LEN],
    target_len: usize,
    level: LevelFilter,
}

/// A parsed `log=` filter: a default level plus per-source overrides.
#[derive(Clone, Copy)]
pub struct Filter {
    default: LevelFilter,
    directives: [Option<Directive>; MAX_DIRECTIVES],
}

impl Filter {
    pub const fn new(default: LevelFilter) -> Self {
        Filter {
            default,
            directives: [None; MAX_DIRECTIVES],
        }
    }

    /// Parses `info` or `warn,acpi=debug,mem=trace`. Unknown words are
    /// reported by the caller through [`Filter::parse`]'s error count.
    pub fn parse(spec: &str) -> (Self, usize) {
        let mut filter = Filter::new(LevelFilter::Info);
        let mut errors = 0;
        let mut n = 0;
        for part in spec.split(',').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                None => match parse_level(part) {
                    Some(l) => filter.default = l,
                    None => errors += 1,
                },
                Some((target, level)) => match (parse_level(level), filter.directives.get_mut(n)) {
                    (Some(level), Some(slot)) if target.len() <= TARGET_LEN => {
                        let mut d = Directive {
                            target: [0; TARGET_LEN],
                            target_len: target.len(),
                            level,
                        };
                        if let Some(dst) = d.target.get_mut(..target.len()) {
                            dst.copy_from_slice(target.as_bytes());
                        }
                        *slot = Some(d);
                        n += 1;
                    }
                    _ => errors += 1,
                },
            }
        }
        (filter, errors)
    }

    pub fn level_for(&self, source: &str) -> LevelFilter {
        self.directives
            .iter()
            .flatten()
            .find(|d| d.target.get(..d.target_len) == Some(source.as_bytes()))
            .map_or(self.default, |d| d.level)
    }

    pub fn max(&self) -> LevelFilter {
        self.directives
            .iter()
            .flatten()
            .map(|d| d.level)
            .fold(self.default, core::cmp::Ord::max)
    }
}

fn parse_level(s: &str) -> Option<LevelFilter> {
    Some(match s {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_overrides() {
        let (f, errors) = Filter::parse("warn,acpi=debug,mem=trace");
        assert_eq!(errors, 0);
        assert_eq!(f.level_for("kernel"), LevelFilter::Warn);
        assert_eq!(f.level_for("acpi"), LevelFilter::Debug);
        assert_eq!(f.level_for("mem"), LevelFilter::Trace);
        assert_eq!(f.max(), LevelFilter::Trace);
    }

    #[test]
    fn malformed_words_are_counted_not_fatal() {
        let (f, errors) =
            Filter::parse("loud,acpi=shouting,,info,0123456789012345678901234567890=debug");
        assert_eq!(errors, 3);
        assert_eq!(f.level_for("anything"), LevelFilter::Info);
    }

    #[test]
    fn more_overrides_than_slots_are_errors() {
        let spec: Vec<String> = (0..12).map(|i| format!("s{i}=debug")).collect();
        let (f, errors) = Filter::parse(&spec.join(","));
        assert_eq!(errors, 12 - 8);
        assert_eq!(f.level_for("s0"), LevelFilter::Debug);
        assert_eq!(f.level_for("s11"), LevelFilter::Info);
    }
}
