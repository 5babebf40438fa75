//! Who may read and write a collection.

use crate::clearance::Clearance;

/// Someone acting on Vigil: a user, or the local operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user name (for the audit log).
    pub name: String,
    /// The markings this principal may read.
    pub clearance: Clearance,
    /// The groups this principal belongs to.
    pub groups: Vec<String>,
    /// May do everything: the local CLI, and anonymous loopback access while no
    /// user exists.
    pub full: bool,
}

impl Principal {
    /// The principal that may do and see everything, named `name`.
    pub fn full(name: &str) -> Principal {
        Principal {
            name: name.to_owned(),
            clearance: Clearance::full(),
            groups: Vec::new(),
            full: true,
        }
    }
}

/// The groups that may read and write one collection. Reading and writing are
/// granted apart, as TAXII's `can_read` and `can_write` are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionAcl {
    /// Members of any of these may read the collection.
    pub read_groups: Vec<String>,
    /// Members of any of these may add objects to (and delete from) the collection.
    pub write_groups: Vec<String>,
}

/// Whether `who` may read the collection: a member of one of its read groups, or full.
pub fn can_read(who: &Principal, acl: &CollectionAcl) -> bool {
    who.full || member_of_any(who, &acl.read_groups)
}

/// Whether `who` may write the collection: a member of one of its write groups, or full.
pub fn can_write(who: &Principal, acl: &CollectionAcl) -> bool {
    who.full || member_of_any(who, &acl.write_groups)
}

fn member_of_any(who: &Principal, groups: &[String]) -> bool {
    who.groups.iter().any(|g| groups.contains(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(groups: &[&str]) -> Principal {
        Principal {
            name: "ana".into(),
            clearance: Clearance::parse(&["TLP:GREEN"]).unwrap(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            full: false,
        }
    }

    fn acl(read: &[&str], write: &[&str]) -> CollectionAcl {
        CollectionAcl {
            read_groups: read.iter().map(|g| g.to_string()).collect(),
            write_groups: write.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn membership_of_any_listed_group_grants() {
        let a = acl(&["analysts", "partners"], &["analysts"]);
        assert!(can_read(&user(&["partners"]), &a));
        assert!(!can_write(&user(&["partners"]), &a));
        assert!(can_read(&user(&["x", "analysts"]), &a) && can_write(&user(&["analysts"]), &a));
        assert!(!can_read(&user(&["Analysts"]), &a), "group names are exact");
    }

    #[test]
    fn read_and_write_are_granted_apart() {
        let a = acl(&[], &["feeders"]);
        assert!(can_write(&user(&["feeders"]), &a));
        assert!(!can_read(&user(&["feeders"]), &a));
    }

    #[test]
    fn no_groups_no_access_unless_full() {
        let open = acl(&["analysts"], &["analysts"]);
        assert!(!can_read(&user(&[]), &open) && !can_write(&user(&[]), &open));
        let none = CollectionAcl::default();
        let local = Principal::full("local");
        assert!(can_read(&local, &none) && can_write(&local, &none));
        assert!(local.clearance.is_full());
    }
}
