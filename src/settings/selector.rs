//! Rule selectors (`ASY001`, `ASY0`, `blocking-sleep-in-async-function`, `ALL`) and how `select`,
//! `extend-select` and `ignore` combine into the set of enabled rules, like Ruff.

use std::fmt;

use super::error::closest;
use super::RuleSet;
use crate::rules;

/// The prefix every code starts with; also the shortest accepted code prefix.
const CODE_PREFIX: &str = "ASY";

/// Specificity of a selector naming one rule (a full code or a rule name).
const RULE_SPECIFICITY: u8 = u8::MAX;

/// One rule selector, resolved to the rules it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    text: String,
    rules: RuleSet,
    /// `ALL` is 0, a code prefix is its length, a full code or a name is the highest. When
    /// selectors in one layer disagree about a rule, the most specific one decides.
    specificity: u8,
}

impl Selector {
    /// Parses a selector; the error suggests a close one.
    pub fn parse(text: &str) -> Result<Self, UnknownSelector> {
        let infos = rules::infos();
        if text == "ALL" {
            return Ok(Self {
                text: text.to_string(),
                rules: RuleSet::all(),
                specificity: 0,
            });
        }
        if let Some(index) = rules::index_of(text) {
            return Ok(Self::one(text, index));
        }
        if let Some(index) = infos.iter().position(|info| info.name == text) {
            return Ok(Self::one(text, index));
        }
        if text.starts_with(CODE_PREFIX) && text.len() < 6 {
            let mut set = RuleSet::empty();
            for (index, entry) in rules::RULES.iter().enumerate() {
                if entry.code.starts_with(text) {
                    set.insert(index);
                }
            }
            if !set.is_empty() {
                return Ok(Self {
                    text: text.to_string(),
                    rules: set,
                    // At most 5 characters here, so below `RULE_SPECIFICITY`.
                    specificity: text.len() as u8,
                });
            }
        }
        let candidates = rules::RULES
            .iter()
            .map(|entry| entry.code)
            .chain(infos.iter().map(|info| info.name.as_str()))
            .chain(["ALL"]);
        Err(UnknownSelector {
            selector: text.to_string(),
            suggestion: closest(text, candidates),
        })
    }

    fn one(text: &str, index: usize) -> Self {
        let mut rules = RuleSet::empty();
        rules.insert(index);
        Self {
            text: text.to_string(),
            rules,
            specificity: RULE_SPECIFICITY,
        }
    }

    /// The selector as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The rules it selects.
    pub fn rules(&self) -> RuleSet {
        self.rules
    }
}

/// A selector that matches no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSelector {
    pub selector: String,
    /// A close valid code, name or `ALL`.
    pub suggestion: Option<&'static str>,
}

impl UnknownSelector {
    /// The message, saying where the selector was written (`in `select``, `in `--ignore``).
    pub fn message_in(&self, place: &str) -> String {
        let mut message = format!("unknown rule selector `{}` {place}", self.selector);
        if let Some(suggestion) = self.suggestion {
            message.push_str(&format!("; did you mean `{suggestion}`?"));
        }
        message
    }
}

impl fmt::Display for UnknownSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown rule selector `{}`", self.selector)?;
        if let Some(suggestion) = self.suggestion {
            write!(f, "; did you mean `{suggestion}`?")?;
        }
        Ok(())
    }
}

/// One layer of rule selection (the configuration file, then the command line).
#[derive(Debug, Clone, Copy, Default)]
pub struct Layer<'a> {
    /// Replaces everything selected by earlier layers when given.
    pub select: Option<&'a [Selector]>,
    pub extend_select: &'a [Selector],
    pub ignore: &'a [Selector],
}

/// Applies layers in order on top of `base`. Within a layer, for each rule the most specific
/// selector that mentions it decides (an `ignore` wins a tie), so `select = ["ASY"]` with
/// `ignore = ["ASY001"]` drops `ASY001`, and `select = ["ASY001"]` with `ignore = ["ASY0"]`
/// keeps it. A layer with `select` starts from nothing; one without changes only the rules its
/// `extend-select` and `ignore` mention.
pub fn apply_layers(base: RuleSet, layers: &[Layer<'_>]) -> RuleSet {
    let mut set = base;
    for layer in layers {
        let enabling: Vec<&Selector> = layer
            .select
            .unwrap_or_default()
            .iter()
            .chain(layer.extend_select)
            .collect();
        let mut next = if layer.select.is_some() {
            RuleSet::empty()
        } else {
            set
        };
        for index in 0..rules::RULES.len() {
            let most_specific = |selectors: &mut dyn Iterator<Item = &Selector>| {
                selectors
                    .filter(|selector| selector.rules.contains(index))
                    .map(|selector| selector.specificity)
                    .max()
            };
            let enable = most_specific(&mut enabling.iter().copied());
            let disable = most_specific(&mut layer.ignore.iter());
            let enabled = match (enable, disable) {
                (Some(enable), Some(disable)) => Some(enable > disable),
                (Some(_), None) => Some(true),
                (None, Some(_)) => Some(false),
                (None, None) => None,
            };
            match enabled {
                Some(true) => next.insert(index),
                Some(false) => next.remove(index),
                None => {}
            }
        }
        set = next;
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(selectors: &[&str]) -> Vec<Selector> {
        selectors
            .iter()
            .map(|text| Selector::parse(text).unwrap())
            .collect()
    }

    #[test]
    fn parses_every_kind_of_selector() {
        let asy001 = rules::index_of("ASY001").unwrap();
        for text in [
            "ASY001",
            "ASY00",
            "ASY0",
            "ASY",
            "ALL",
            "blocking-sleep-in-async-function",
        ] {
            let selector = Selector::parse(text).unwrap();
            assert!(selector.rules().contains(asy001), "{text}");
            assert_eq!(selector.as_str(), text);
        }
        assert_eq!(Selector::parse("ALL").unwrap().rules(), RuleSet::all());
    }

    #[test]
    fn rejects_unknown_selectors_with_a_suggestion() {
        let error = Selector::parse("ASY0001").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown rule selector `ASY0001`; did you mean `ASY001`?"
        );
        assert_eq!(
            error.message_in("in `select`"),
            "unknown rule selector `ASY0001` in `select`; did you mean `ASY001`?"
        );
        let error = Selector::parse("asy001").unwrap_err().to_string();
        assert!(error.ends_with("did you mean `ASY001`?"), "{error}");
        let error = Selector::parse("blocking-sleep-in-async-functoin")
            .unwrap_err()
            .to_string();
        assert!(
            error.ends_with("did you mean `blocking-sleep-in-async-function`?"),
            "{error}"
        );
        assert!(Selector::parse("ASY9").is_err());
        assert!(Selector::parse("").is_err());
        assert!(Selector::parse("A").is_err());
        assert_eq!(Selector::parse("all").unwrap_err().suggestion, Some("ALL"));
    }

    #[test]
    fn more_specific_selectors_win_within_a_layer() {
        let asy001 = rules::index_of("ASY001").unwrap();
        let select = parse(&["ASY"]);
        let ignore = parse(&["ASY001"]);
        let set = apply_layers(
            RuleSet::empty(),
            &[Layer {
                select: Some(&select),
                ignore: &ignore,
                ..Layer::default()
            }],
        );
        assert!(!set.contains(asy001));

        let select = parse(&["ASY001"]);
        let ignore = parse(&["ASY0"]);
        let set = apply_layers(
            RuleSet::empty(),
            &[Layer {
                select: Some(&select),
                ignore: &ignore,
                ..Layer::default()
            }],
        );
        assert!(set.contains(asy001));
    }

    #[test]
    fn later_select_replaces_and_extend_select_adds() {
        let asy001 = rules::index_of("ASY001").unwrap();
        let ignore = parse(&["ASY001"]);
        let extend = parse(&["ASY001"]);
        let empty: Vec<Selector> = Vec::new();
        let set = apply_layers(
            RuleSet::all(),
            &[
                Layer {
                    ignore: &ignore,
                    ..Layer::default()
                },
                Layer {
                    extend_select: &extend,
                    ..Layer::default()
                },
            ],
        );
        assert!(set.contains(asy001));
        let set = apply_layers(
            RuleSet::all(),
            &[Layer {
                select: Some(&empty),
                ..Layer::default()
            }],
        );
        assert!(set.is_empty());
    }
}
