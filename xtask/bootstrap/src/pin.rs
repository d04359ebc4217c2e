//! The toolchain pin (`xtask/toolchain.toml`, in `rust-toolchain.toml`'s
//! format) and what "installed" means for it.
//!
//! Only the four keys the pin uses are read, one per line, as rustup writes
//! them; anything else is an error rather than silently ignored, so a pin
//! edited beyond this reader's reach says so.

/// The pin's path from the repository root.
pub const FILE: &str = "xtask/toolchain.toml";

#[derive(Debug, PartialEq, Eq)]
pub struct Pin {
    pub channel: String,
    pub components: Vec<String>,
    pub targets: Vec<String>,
    pub profile: Option<String>,
}

impl Pin {
    pub fn parse(text: &str) -> Result<Pin, String> {
        let mut channel = None;
        let mut components = Vec::new();
        let mut targets = Vec::new();
        let mut profile = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line == "[toolchain]" {
                continue;
            }
            let at = |why: &str| format!("line {}: {why}: `{raw}`", n + 1);
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| at("expected key = value"))?;
            let value = value.trim();
            match key.trim() {
                "channel" => channel = Some(string(value).ok_or_else(|| at("expected a string"))?),
                "profile" => profile = Some(string(value).ok_or_else(|| at("expected a string"))?),
                "components" => {
                    components = list(value).ok_or_else(|| at("expected a list of strings"))?
                }
                "targets" => {
                    targets = list(value).ok_or_else(|| at("expected a list of strings"))?
                }
                _ => return Err(at("unknown key")),
            }
        }
        let channel = channel.ok_or("no `channel`")?;
        Ok(Pin {
            channel,
            components,
            targets,
            profile,
        })
    }

    /// `rustup` arguments that install the pin with everything it names
    /// (also completing an install that lacks a component or target).
    pub fn install_args(&self) -> Vec<String> {
        let mut args = vec!["toolchain".into(), "install".into(), self.channel.clone()];
        if let Some(p) = &self.profile {
            args.extend(["--profile".into(), p.clone()]);
        }
        if !self.components.is_empty() {
            args.extend(["--component".into(), self.components.join(",")]);
        }
        if !self.targets.is_empty() {
            args.extend(["--target".into(), self.targets.join(",")]);
        }
        args
    }

    /// Whether a toolchain whose `lib/rustlib/components` reads `installed`
    /// has every component and target of the pin. rustup names components
    /// there with a host suffix and sometimes `-preview`
    /// (`clippy-preview-x86_64-unknown-linux-gnu`), targets as
    /// `rust-std-TARGET`.
    pub fn satisfied_by(&self, installed: &str) -> bool {
        let have: Vec<&str> = installed.lines().map(str::trim).collect();
        let component = |c: &str| {
            have.iter()
                .any(|h| *h == c || h.strip_prefix(c).is_some_and(|rest| rest.starts_with('-')))
        };
        let target = |t: &str| have.iter().any(|h| h.strip_prefix("rust-std-") == Some(t));
        have.iter().any(|h| h.starts_with("rustc-"))
            && self.components.iter().all(|c| component(c))
            && self.targets.iter().all(|t| target(t))
    }
}

fn string(v: &str) -> Option<String> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('"')).then(|| inner.to_string())
}

fn list(v: &str) -> Option<Vec<String>> {
    let inner = v.strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIN: &str = "[toolchain]\nchannel = \"nightly-2026-10-29\"\ncomponents = [\"rust-src\", \"clippy\", \"rustfmt\"]\ntargets = [\"x86_64-unknown-none\"]\nprofile = \"minimal\"\n";

    const INSTALLED: &str = "clippy-preview-x86_64-unknown-linux-gnu\ncargo-x86_64-unknown-linux-gnu\nrust-src\nrust-std-x86_64-unknown-linux-gnu\nrust-std-x86_64-unknown-none\nrustfmt-preview-x86_64-unknown-linux-gnu\nrustc-x86_64-unknown-linux-gnu\n";

    #[test]
    fn parses_the_pin() {
        let p = Pin::parse(PIN);
        assert_eq!(
            p,
            Ok(Pin {
                channel: "nightly-2026-10-29".into(),
                components: vec!["rust-src".into(), "clippy".into(), "rustfmt".into()],
                targets: vec!["x86_64-unknown-none".into()],
                profile: Some("minimal".into()),
            })
        );
    }

    #[test]
    fn the_repository_pin_parses() {
        let text = include_str!("../../toolchain.toml");
        assert!(Pin::parse(text).is_ok_and(|p| p.channel.starts_with("nightly-")));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(Pin::parse("channel = nightly").is_err());
        assert!(Pin::parse("path = \"/opt/rust\"\nchannel = \"x\"").is_err());
        assert!(Pin::parse("components = [\"a\"]").is_err(), "no channel");
        assert!(Pin::parse("targets = [\"a\", 3]\nchannel = \"x\"").is_err());
    }

    #[test]
    fn install_args_name_everything() {
        let p = Pin::parse(PIN).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.install_args().join(" "),
            "toolchain install nightly-2026-10-29 --profile minimal --component rust-src,clippy,rustfmt --target x86_64-unknown-none"
        );
    }

    #[test]
    fn installed_means_every_component_and_target() {
        let p = Pin::parse(PIN).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.satisfied_by(INSTALLED));
        assert!(!p.satisfied_by(&INSTALLED.replace("rust-std-x86_64-unknown-none\n", "")));
        assert!(!p.satisfied_by(&INSTALLED.replace("rust-src\n", "")));
        assert!(!p.satisfied_by(&INSTALLED.replace("clippy-preview", "clipp")));
        // `rust-src` must not be satisfied by `rust-src-extra` alone… but a
        // suffixed host name is how rustup writes tools.
        assert!(!p
            .satisfied_by("rustc-x\nrust-srcx\nclippy-x\nrustfmt-x\nrust-std-x86_64-unknown-none"));
        assert!(!p.satisfied_by(""));
    }
}
