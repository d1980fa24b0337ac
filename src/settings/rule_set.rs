//! A set of rules, as a bitset over the indices of `rules::RULES`.

use crate::rules;

const WORDS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleSet([u64; WORDS]);

impl RuleSet {
    pub const fn empty() -> Self {
        Self([0; WORDS])
    }

    pub fn all() -> Self {
        let mut set = Self::empty();
        for index in 0..rules::RULES.len() {
            set.insert(index);
        }
        set
    }

    /// The rules whose catalog says `default = true`.
    pub fn defaults() -> Self {
        let mut set = Self::empty();
        for (index, info) in rules::infos().iter().enumerate() {
            if info.default {
                set.insert(index);
            }
        }
        set
    }

    pub fn insert(&mut self, index: usize) {
        self.0[index / 64] |= 1 << (index % 64);
    }

    pub fn remove(&mut self, index: usize) {
        self.0[index / 64] &= !(1 << (index % 64));
    }

    pub fn contains(&self, index: usize) -> bool {
        index < WORDS * 64 && self.0[index / 64] & (1 << (index % 64)) != 0
    }

    pub fn contains_code(&self, code: &str) -> bool {
        rules::index_of(code).is_some_and(|index| self.contains(index))
    }

    /// Rules in either set.
    #[must_use]
    pub fn union(mut self, other: Self) -> Self {
        for (word, other) in self.0.iter_mut().zip(other.0) {
            *word |= other;
        }
        self
    }

    /// Rules in `self` but not in `other`.
    #[must_use]
    pub fn difference(mut self, other: Self) -> Self {
        for (word, other) in self.0.iter_mut().zip(other.0) {
            *word &= !other;
        }
        self
    }

    /// How many rules are in the set.
    pub fn len(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|word| *word == 0)
    }

    /// Indices in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..rules::RULES.len()).filter(|&index| self.contains(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_contains() {
        let mut set = RuleSet::empty();
        set.insert(0);
        set.insert(70);
        assert!(set.contains(0) && set.contains(70) && !set.contains(1));
        set.remove(70);
        assert!(!set.contains(70));
        assert!(!set.is_empty());
    }

    #[test]
    fn union_and_difference() {
        let mut a = RuleSet::empty();
        a.insert(1);
        a.insert(2);
        let mut b = RuleSet::empty();
        b.insert(2);
        b.insert(100);
        let union = a.union(b);
        assert_eq!(union.len(), 3);
        let difference = a.difference(b);
        assert!(difference.contains(1) && !difference.contains(2) && difference.len() == 1);
    }
}
