//! Who may ask the supervisor for what: each service's `allow=` list in the
//! manifest. Reading state (`Status`, `FaultReports`) is open to every
//! caller; powering off and starting, stopping or restarting services are
//! not — an ordinary service asking gets `PermissionDenied`.
//!
//! ```text
//! allow=shutdown                 power the machine off
//! allow=control                  Start/Stop/Restart any service
//! allow=control:driverhost       ... only the service `driverhost` (repeatable)
//! allow=shutdown,control:a,control:b
//! allow=code-image               keep a code image for its next generations
//!                                (StoreImage/FetchImage; the driver host)
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::manifest::ManifestErrorKind;

/// A service's entitlements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allow {
    pub shutdown: bool,
    pub control: Control,
    /// `code-image`: may hand over and fetch its own code image
    /// (`ipc::supervisor::Request::StoreImage`/`FetchImage`).
    pub code_image: bool,
}

/// Which services a caller may start, stop and restart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Control {
    #[default]
    None,
    All,
    /// Only these, by name.
    Only(Vec<String>),
}

impl Allow {
    pub fn may_control(&self, service: &str) -> bool {
        match &self.control {
            Control::None => false,
            Control::All => true,
            Control::Only(names) => names.iter().any(|n| n == service),
        }
    }
}

/// Parses the value of an `allow=` item.
pub fn parse_allow(value: &str) -> Result<Allow, ManifestErrorKind> {
    let bad = ManifestErrorKind::BadAllow;
    let mut allow = Allow::default();
    for item in value.split(',') {
        match item.split_once(':') {
            None if item == "shutdown" => allow.shutdown = true,
            None if item == "control" => allow.control = Control::All,
            None if item == "code-image" => allow.code_image = true,
            Some(("control", name)) if !name.is_empty() => match &mut allow.control {
                Control::All => {}
                Control::None => allow.control = Control::Only(alloc::vec![String::from(name)]),
                Control::Only(names) => names.push(String::from(name)),
            },
            _ => return Err(bad),
        }
    }
    Ok(allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_allow("shutdown"),
            Ok(Allow {
                shutdown: true,
                control: Control::None,
                code_image: false,
            })
        );
        let a = parse_allow("code-image,control:driverhost").unwrap();
        assert!(a.code_image && !a.shutdown && a.may_control("driverhost"));
        let a = parse_allow("control").unwrap();
        assert!(!a.shutdown && a.may_control("anything"));
        let a = parse_allow("shutdown,control:driverhost,control:blk").unwrap();
        assert!(a.shutdown);
        assert!(a.may_control("driverhost") && a.may_control("blk"));
        assert!(!a.may_control("fs"));
        assert!(parse_allow("control,control:x").unwrap().may_control("y"));
    }

    #[test]
    fn nothing_by_default() {
        let a = Allow::default();
        assert!(!a.shutdown && !a.may_control("x") && !a.code_image);
    }

    #[test]
    fn bad_forms() {
        for s in [
            "",
            "power",
            "shutdown,",
            ",control",
            "control:",
            "shutdown:x",
            "Shutdown",
            "code-image:x",
            "code_image",
        ] {
            assert_eq!(parse_allow(s), Err(ManifestErrorKind::BadAllow), "{s:?}");
        }
    }
}
